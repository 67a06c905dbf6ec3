//! The stored numbers: one [`Series`] per route, method and status seen on
//! a worker, each a latency histogram written by that worker alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::Method;

/// One number written by one thread only, read by any.
///
/// Only the worker that owns it adds to it, so a relaxed load and store
/// do what an atomic add would, without its locked instruction; a scrape
/// on another thread reads a recent value.
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`; only the owning worker calls this.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        let v = self.0.load(Ordering::Relaxed);
        self.0.store(v.wrapping_add(n), Ordering::Relaxed);
    }

    /// The value now.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The method labels: the methods of RFC 9110 and PATCH (RFC 5789) by
/// name, every other one as `other`, so a client inventing methods cannot
/// add series without end.
pub(crate) const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other",
];

/// The index of `method`'s label in [`METHODS`].
#[inline]
pub(crate) fn method_index(method: &Method) -> u8 {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::PATCH => 5,
        Method::OPTIONS => 6,
        Method::CONNECT => 7,
        Method::TRACE => 8,
        _ => 9,
    }
}

/// The upper bounds of the latency buckets, in seconds for the text and
/// in nanoseconds for recording.
pub(crate) struct Bounds {
    pub(crate) seconds: Box<[f64]>,
    nanos: Box<[u64]>,
}

impl Bounds {
    /// Bounds from `seconds`: sorted, with duplicates and values that are
    /// not finite and above zero left out.
    pub(crate) fn new(seconds: impl IntoIterator<Item = f64>) -> Bounds {
        let mut seconds: Vec<f64> = seconds
            .into_iter()
            .filter(|s| s.is_finite() && *s > 0.0)
            .collect();
        seconds.sort_by(f64::total_cmp);
        seconds.dedup();
        let nanos = seconds.iter().map(|s| (s * 1e9).round() as u64).collect();
        Bounds {
            seconds: seconds.into(),
            nanos,
        }
    }

    /// The bucket `nanos` falls in: the first whose bound it does not
    /// exceed, or the last (`+Inf`), one past the bounds.
    #[inline]
    fn bucket(&self, nanos: u64) -> usize {
        self.nanos
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(self.nanos.len())
    }
}

/// What identifies a series: the route's template (`None` for a request
/// that matched no route), the method's index in [`METHODS`], the status.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Labels {
    pub(crate) route: Option<Box<str>>,
    pub(crate) method: u8,
    pub(crate) status: u16,
}

/// The requests of one route, method and status on one worker: how many
/// took up to each bucket's bound (not cumulated), and their total time.
pub(crate) struct Series {
    pub(crate) labels: Labels,
    buckets: Box<[Counter]>,
    sum_nanos: Counter,
}

impl Series {
    /// An empty series with one bucket per bound, and `+Inf`.
    pub(crate) fn new(labels: Labels, bounds: &Bounds) -> Series {
        Series {
            labels,
            buckets: (0..=bounds.nanos.len())
                .map(|_| Counter::default())
                .collect(),
            sum_nanos: Counter::default(),
        }
    }

    /// Counts one request that took `elapsed`.
    #[inline]
    pub(crate) fn observe(&self, elapsed: Duration, bounds: &Bounds) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.buckets[bounds.bucket(nanos)].add(1);
        self.sum_nanos.add(nanos);
    }

    /// Adds this series' numbers to `into`: per-bucket counts (not
    /// cumulated) and the total time.
    pub(crate) fn read_into(&self, into: &mut Reading) {
        if into.buckets.len() < self.buckets.len() {
            into.buckets.resize(self.buckets.len(), 0);
        }
        for (sum, bucket) in into.buckets.iter_mut().zip(self.buckets.iter()) {
            *sum += bucket.get();
        }
        into.sum_nanos = into.sum_nanos.wrapping_add(self.sum_nanos.get());
    }
}

/// The numbers of one series, summed over workers at a scrape.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    /// Requests per bucket, not cumulated; the last is `+Inf`.
    pub(crate) buckets: Vec<u64>,
    pub(crate) sum_nanos: u64,
}

impl Reading {
    /// Every request counted.
    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }
}

/// The series of one worker, where a scrape on any thread finds them. The
/// worker locks it only to add a series it has not seen before.
#[derive(Default)]
pub(crate) struct WorkerSeries {
    series: Mutex<Vec<Arc<Series>>>,
}

impl WorkerSeries {
    /// Adds a series.
    pub(crate) fn push(&self, series: Arc<Series>) {
        self.lock().push(series);
    }

    /// The series so far.
    pub(crate) fn all(&self) -> Vec<Arc<Series>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Series>>> {
        self.series.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_sorted_and_cleaned() {
        let bounds = Bounds::new([0.5, 0.1, f64::NAN, 0.1, -1.0, 0.0, f64::INFINITY, 2.0]);
        assert_eq!(&*bounds.seconds, &[0.1, 0.5, 2.0]);
        assert_eq!(&*bounds.nanos, &[100_000_000, 500_000_000, 2_000_000_000]);
    }

    #[test]
    fn a_time_falls_in_the_first_bucket_whose_bound_it_does_not_exceed() {
        let bounds = Bounds::new([0.001, 0.01]);
        let cases = [
            (0, 0),
            (1_000_000, 0),
            (1_000_001, 1),
            (10_000_000, 1),
            (10_000_001, 2),
            (u64::MAX, 2),
        ];
        for (nanos, bucket) in cases {
            assert_eq!(bounds.bucket(nanos), bucket, "{nanos} ns");
        }
    }

    #[test]
    fn readings_add_up_buckets_and_time() {
        let bounds = Bounds::new([0.001]);
        let labels = Labels {
            route: Some("/a".into()),
            method: 0,
            status: 200,
        };
        let (a, b) = (
            Series::new(labels.clone(), &bounds),
            Series::new(labels, &bounds),
        );
        a.observe(Duration::from_micros(10), &bounds);
        a.observe(Duration::from_millis(5), &bounds);
        b.observe(Duration::from_micros(20), &bounds);
        let mut reading = Reading::default();
        a.read_into(&mut reading);
        b.read_into(&mut reading);
        assert_eq!(reading.buckets, [2, 1]);
        assert_eq!(reading.count(), 3);
        assert_eq!(reading.sum_nanos, 5_030_000);
    }

    #[test]
    fn every_method_has_a_label_and_unknown_ones_share_one() {
        assert_eq!(METHODS[method_index(&Method::GET) as usize], "GET");
        assert_eq!(METHODS[method_index(&Method::TRACE) as usize], "TRACE");
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(METHODS[method_index(&odd) as usize], "other");
    }
}
