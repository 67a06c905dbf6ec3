//! One worker: a thread with its own monoio runtime and `SO_REUSEPORT`
//! listener, accepting connections and serving them with its own copy of
//! the service. This file starts the thread and its runtime; `accept.rs`
//! holds the accept loop and the drain.

mod accept;

use std::sync::Arc;
use std::sync::mpsc::Sender;

use monoio::net::TcpListener;

pub(crate) use self::accept::serve_listener;
use crate::driver::Chosen;
use crate::error::{Error, Kind};
use crate::shared::{SharedTls, Worker};
use crate::shutdown::StopSignal;
use crate::stats::ServerStats;
use crate::{Config, Service};

/// Everything a worker thread needs to start.
pub(crate) struct Spawn<F> {
    pub(crate) id: usize,
    pub(crate) listener: std::net::TcpListener,
    pub(crate) make_service: Arc<F>,
    pub(crate) config: Config,
    pub(crate) driver: Chosen,
    pub(crate) signal: Arc<StopSignal>,
    pub(crate) ready: Sender<(usize, Result<(), Error>)>,
    /// The TLS state all workers share, when serving HTTPS.
    pub(crate) tls: SharedTls,
    /// The server's statistics, which the worker's counters join.
    pub(crate) stats: ServerStats,
}

/// Starts a worker thread; it reports on `ready` once it accepts, or why not.
pub(crate) fn spawn<F, S>(w: Spawn<F>) -> std::io::Result<std::thread::JoinHandle<()>>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    std::thread::Builder::new()
        .name(format!("harrow-worker-{}", w.id))
        .spawn(move || run_thread(w))
}

fn run_thread<F, S>(w: Spawn<F>)
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let _log = crate::log::fallback();
    let id = w.id;
    let ready = w.ready.clone();
    let fail = |e: Error| {
        let _ = ready.send((id, Err(e)));
    };
    match w.driver {
        Chosen::IoUring => match build_uring(w.config.uring_entries) {
            Ok(mut rt) => rt.block_on(worker_main(w)),
            Err(e) => fail(Error::new(
                Kind::IoUringUnavailable(format!("creating the ring failed: {e}")),
                e,
            )),
        },
        Chosen::Epoll => match monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
            .enable_timer()
            .build()
        {
            Ok(mut rt) => rt.block_on(worker_main(w)),
            Err(e) => fail(Error::new(Kind::WorkerStart(id), e)),
        },
    }
}

/// The io_uring runtime of one worker.
///
/// The ring is set up for one thread (`SINGLE_ISSUER`) with task work
/// deferred to the moment the worker asks for completions
/// (`DEFER_TASKRUN`): completions then arrive in batches when the worker
/// parks, instead of interrupting it while it runs, which saves kernel
/// crossings under load. Kernels before 6.1 lack these flags; the ring is
/// then created without them.
fn build_uring(
    entries: u32,
) -> std::io::Result<monoio::Runtime<monoio::time::TimeDriver<monoio::IoUringDriver>>> {
    let mut tuned = io_uring::IoUring::builder();
    tuned.setup_single_issuer().setup_defer_taskrun();
    let rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .with_entries(entries)
        .uring_builder(tuned)
        .enable_timer()
        .build();
    match rt {
        Ok(rt) => Ok(rt),
        Err(e) => {
            tracing::debug!(error = %e, "io_uring without DEFER_TASKRUN");
            monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                .with_entries(entries)
                .enable_timer()
                .build()
        }
    }
}

async fn worker_main<F, S>(w: Spawn<F>)
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let listener = match TcpListener::from_std(w.listener) {
        Ok(l) => l,
        Err(e) => {
            let _ = w
                .ready
                .send((w.id, Err(Error::new(Kind::WorkerStart(w.id), e))));
            return;
        }
    };
    let make = w.make_service.clone();
    let service = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make())) {
        Ok(s) => s,
        Err(_) => {
            let e = std::io::Error::other("the service factory panicked");
            let _ = w
                .ready
                .send((w.id, Err(Error::new(Kind::WorkerStart(w.id), e))));
            return;
        }
    };
    let max = w.config.connections_per_worker();
    let worker = Worker::new_in(&w.stats, w.id, w.config, max, w.tls);
    let _ = w.ready.send((w.id, Ok(())));
    serve_listener(listener, service, worker, w.signal.wait()).await;
}
