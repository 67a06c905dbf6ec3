//! What the server counts about its connections, per worker: connections
//! open, accepted and rejected, and the bytes read and written (and, of
//! those written, the bytes the kernel sent straight from files).
//!
//! Each worker keeps its own counters and is the only thread that writes
//! them, with a plain load and store (no read-modify-write, no lock), so
//! counting costs a worker almost nothing and never touches another core's
//! cache lines. Any thread may read them: a [`ServerStats`] holds every
//! worker's counters and takes a [`WorkerStats`] snapshot of each on
//! demand, as a metrics page does when it is scraped.
//!
//! The bytes are those the HTTP/1.1 and HTTP/2 layers read from and wrote to
//! their connections: after decryption on HTTPS, so TLS handshakes and
//! record overhead are not in them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The statistics of one server: every worker's counters, read on demand.
///
/// Get one from [`ServerHandle::stats`](crate::ServerHandle::stats), or in
/// a service from [`Service::on_worker_start`](crate::Service::on_worker_start).
/// Cloning it is cheap (a reference count), and it may be sent to and read
/// from any thread; reading never slows the workers.
///
/// ```
/// let server = harrow_server::start(
///     || harrow_server::service_fn(|_req, _conn| async { http::Response::new(harrow_server::Body::empty()) }),
///     "127.0.0.1:0",
/// )?;
/// for worker in server.stats().workers() {
///     println!("worker {}: {} connections open", worker.worker, worker.connections_open);
/// }
/// # server.shutdown()?;
/// # Ok::<(), harrow_server::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ServerStats {
    workers: Arc<Mutex<Vec<Arc<Counters>>>>,
}

impl ServerStats {
    /// A snapshot of each worker's counters, in worker order.
    ///
    /// Each number is read on its own while the workers go on, so two
    /// numbers of one snapshot may be a few events apart.
    pub fn workers(&self) -> Vec<WorkerStats> {
        let workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<WorkerStats> = workers.iter().map(|c| c.snapshot()).collect();
        all.sort_by_key(|w| w.worker);
        all
    }

    /// Adds a worker's counters.
    pub(crate) fn register(&self, counters: Arc<Counters>) {
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        workers.push(counters);
    }
}

impl std::fmt::Debug for ServerStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerStats")
            .field("workers", &self.workers())
            .finish()
    }
}

/// One worker's counters, as read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WorkerStats {
    /// The worker's index, from 0.
    pub worker: usize,
    /// Connections open now (each holds a place under `max_connections`).
    pub connections_open: u64,
    /// Connections accepted and served since the worker started.
    pub connections_accepted: u64,
    /// Connections closed at once because the worker's share of
    /// `max_connections` was taken.
    pub connections_rejected: u64,
    /// Bytes read from connections (after decryption on HTTPS).
    pub bytes_received: u64,
    /// Bytes written to connections (before encryption on HTTPS).
    pub bytes_sent: u64,
    /// Of `bytes_sent`, those the kernel sent straight from files
    /// (`sendfile` on plain HTTP/1.1), never copied through the server.
    pub bytes_sent_from_files: u64,
}

/// One number written by one thread only, read by any.
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`. Only the owning worker calls this, so a load and a store
    /// do what an atomic add would, without its locked instruction.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        let v = self.0.load(Ordering::Relaxed);
        self.0.store(v.wrapping_add(n), Ordering::Relaxed);
    }

    /// Takes `n` away; only the owning worker calls this.
    #[inline]
    pub(crate) fn sub(&self, n: u64) {
        let v = self.0.load(Ordering::Relaxed);
        self.0.store(v.wrapping_sub(n), Ordering::Relaxed);
    }

    /// The value now.
    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters of one worker.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) worker: usize,
    pub(crate) open: Counter,
    pub(crate) accepted: Counter,
    pub(crate) rejected: Counter,
    pub(crate) received: Counter,
    pub(crate) sent: Counter,
    pub(crate) sent_from_files: Counter,
}

impl Counters {
    /// Zeroed counters for worker `worker`.
    pub(crate) fn new(worker: usize) -> Arc<Counters> {
        Arc::new(Counters {
            worker,
            ..Counters::default()
        })
    }

    /// Counts `n` bytes read.
    #[inline]
    pub(crate) fn received(&self, n: usize) {
        self.received.add(n as u64);
    }

    /// Counts `n` bytes written.
    #[inline]
    pub(crate) fn sent(&self, n: usize) {
        self.sent.add(n as u64);
    }

    /// Counts `n` bytes the kernel sent from a file.
    #[cfg(feature = "fs")]
    #[inline]
    pub(crate) fn sent_from_file(&self, n: usize) {
        self.sent(n);
        self.sent_from_files.add(n as u64);
    }

    fn snapshot(&self) -> WorkerStats {
        WorkerStats {
            worker: self.worker,
            connections_open: self.open.get(),
            connections_accepted: self.accepted.get(),
            connections_rejected: self.rejected.get(),
            bytes_received: self.received.get(),
            bytes_sent: self.sent.get(),
            bytes_sent_from_files: self.sent_from_files.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_come_in_worker_order_and_read_every_counter() {
        let stats = ServerStats::default();
        let (one, zero) = (Counters::new(1), Counters::new(0));
        stats.register(one.clone());
        stats.register(zero.clone());
        one.open.add(2);
        one.open.sub(1);
        one.accepted.add(2);
        one.rejected.add(3);
        one.received(100);
        one.sent(250);
        one.sent_from_files.add(40);
        zero.received(7);
        let workers = stats.workers();
        assert_eq!(workers.len(), 2);
        assert_eq!(
            workers[0],
            WorkerStats {
                worker: 0,
                bytes_received: 7,
                ..WorkerStats::default()
            }
        );
        assert_eq!(
            workers[1],
            WorkerStats {
                worker: 1,
                connections_open: 1,
                connections_accepted: 2,
                connections_rejected: 3,
                bytes_received: 100,
                bytes_sent: 250,
                bytes_sent_from_files: 40,
            }
        );
    }

    #[test]
    fn other_threads_read_what_the_worker_wrote() {
        let stats = ServerStats::default();
        let counters = Counters::new(0);
        stats.register(counters.clone());
        std::thread::spawn(move || {
            for _ in 0..1000 {
                counters.sent(3);
            }
        })
        .join()
        .unwrap();
        let read = std::thread::spawn(move || stats.workers()[0].bytes_sent);
        assert_eq!(read.join().unwrap(), 3000);
    }
}
