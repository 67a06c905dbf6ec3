//! The middleware that counts: one per worker, timing each request and
//! adding it to the series of its route template, method and status.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Shared;
use super::series::{Labels, Series, WorkerSeries, method_index};
use crate::middleware::{Middleware, Next};
use crate::request::Request;
use crate::response::Response;

/// Where the router leaves the template of the route it matched, for the
/// [`MetricsLayer`] outside it to read once the response is ready.
#[derive(Default)]
pub(crate) struct RouteSlot(Cell<Option<Rc<str>>>);

impl RouteSlot {
    /// Records the matched template.
    pub(crate) fn set(&self, template: &Rc<str>) {
        self.0.set(Some(template.clone()));
    }

    /// The matched template, if the router found one; left in place for
    /// another layer further out.
    fn get(&self) -> Option<Rc<str>> {
        let template = self.0.take();
        self.0.set(template.clone());
        template
    }
}

/// Spare slots a layer keeps for the next requests, so that counting a
/// request allocates nothing once the worker is warm.
const SPARE_SLOTS: usize = 64;

/// The metrics middleware of one worker, made by
/// [`Metrics::layer`](super::Metrics::layer) in the app factory.
///
/// Each request is timed from the moment it reaches this layer until the
/// response head is ready (a streamed body is not waited for), then counted
/// under the route template the router matched, its method and the
/// response's status (500 for a panic, which the app answers so). Add it
/// with [`App::layer`](crate::App::layer) last, so it runs first and sees
/// what the other layers answer too.
///
/// It writes only to its own worker's numbers, without locks or
/// read-modify-write instructions; a scrape reads them from any worker.
pub struct MetricsLayer {
    shared: Arc<Shared>,
    /// This worker's series, in the registry once it has one.
    series: Arc<WorkerSeries>,
    registered: Cell<bool>,
    /// The series by route, method and status, for this worker alone.
    index: RefCell<HashMap<Key, Entry, BuildHasherDefault<KeyHasher>>>,
    /// Route slots no request holds, to be used again.
    spare: RefCell<Vec<Rc<RouteSlot>>>,
}

/// A series' key on this worker: the address of the router's template
/// string (kept alive in the [`Entry`], so it cannot be reused), the method
/// and the status.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    route: usize,
    method: u8,
    status: u16,
}

struct Entry {
    _template: Option<Rc<str>>,
    series: Arc<Series>,
}

impl MetricsLayer {
    pub(super) fn new(shared: Arc<Shared>) -> MetricsLayer {
        MetricsLayer {
            shared,
            series: Arc::new(WorkerSeries::default()),
            registered: Cell::new(false),
            index: RefCell::default(),
            spare: RefCell::default(),
        }
    }

    /// A slot for the next request: a spare one, or a new one.
    fn slot(&self) -> Rc<RouteSlot> {
        self.spare.borrow_mut().pop().unwrap_or_default()
    }

    /// Keeps `slot` for another request, unless something still holds it
    /// (a task the handler spawned with the context) or enough are kept.
    fn recycle(&self, slot: Rc<RouteSlot>) {
        if Rc::strong_count(&slot) == 1 {
            slot.0.take();
            let mut spare = self.spare.borrow_mut();
            if spare.len() < SPARE_SLOTS {
                spare.push(slot);
            }
        }
    }

    /// Counts one request.
    fn record(&self, route: Option<Rc<str>>, method: u8, status: u16, elapsed: Duration) {
        let key = Key {
            route: route
                .as_ref()
                .map_or(0, |r| Rc::as_ptr(r).cast::<u8>() as usize),
            method,
            status,
        };
        let bounds = &self.shared.bounds;
        if let Some(entry) = self.index.borrow().get(&key) {
            entry.series.observe(elapsed, bounds);
            return;
        }
        let labels = Labels {
            route: route.as_deref().map(Box::from),
            method,
            status,
        };
        let series = Arc::new(Series::new(labels, bounds));
        series.observe(elapsed, bounds);
        self.series.push(series.clone());
        if !self.registered.replace(true) {
            self.shared.register(self.series.clone());
        }
        let entry = Entry {
            _template: route,
            series,
        };
        self.index.borrow_mut().insert(key, entry);
    }
}

impl Middleware for MetricsLayer {
    fn call(&self, req: Request, mut next: Next) -> impl Future<Output = Response> {
        let slot = next.context_mut().watch_route(|| self.slot());
        let mut pending = Pending {
            layer: self,
            start: Instant::now(),
            method: method_index(req.method()),
            slot: Some(slot),
        };
        // The inner chain is built here, routing included, so the future
        // below holds only the inner one and what counting needs.
        let res = next.run(req);
        async move {
            let res = res.await;
            pending.count(res.status().as_u16());
            res
        }
    }
}

/// A request on its way through the layer. It is counted when its
/// response comes back, or as the 500 the client will get if a panic
/// unwinds through; a request dropped otherwise (its client went away)
/// was never answered and is not counted.
struct Pending<'a> {
    layer: &'a MetricsLayer,
    start: Instant,
    method: u8,
    /// Until counted.
    slot: Option<Rc<RouteSlot>>,
}

impl Pending<'_> {
    fn count(&mut self, status: u16) {
        if let Some(slot) = self.slot.take() {
            let elapsed = self.start.elapsed();
            self.layer.record(slot.get(), self.method, status, elapsed);
            self.layer.recycle(slot);
        }
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        // The app's panic guard, outside every layer, answers 500. Not when
        // the panic came from counting itself (its index is borrowed then).
        if std::thread::panicking()
            && self.layer.index.try_borrow_mut().is_ok()
            && self.layer.spare.try_borrow_mut().is_ok()
        {
            self.count(500);
        }
    }
}

impl std::fmt::Debug for MetricsLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsLayer")
            .field("series", &self.index.borrow().len())
            .finish_non_exhaustive()
    }
}

/// A hasher for [`Key`]s: a multiply and rotate per field (the keys are
/// a few machine words, chosen by the server, not by clients).
#[derive(Default)]
struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.mix(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}
