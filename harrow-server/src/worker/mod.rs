//! One worker: a thread with its own monoio runtime and `SO_REUSEPORT`
//! listener, accepting connections and serving them with its own copy of
//! the service. This file starts the thread and its runtime; `accept.rs`
//! holds the accept loop and the drain.

mod accept;

use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use monoio::net::TcpListener;

pub(crate) use self::accept::serve_listener;
use crate::driver::Chosen;
use crate::error::{Error, Kind};
use crate::shared::{SharedTls, Worker};
use crate::shutdown::{StopSignal, StopWait};
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
    /// This worker's listener of the plain HTTP server that redirects to
    /// HTTPS, when one was asked for, and the HTTPS port it sends clients to.
    pub(crate) redirect: Option<(std::net::TcpListener, u16)>,
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
        Chosen::IoUring => match build_uring(w.config.uring_entries, w.config.uring_sqpoll) {
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
/// crossings under load. Kernels before 6.1 lack `DEFER_TASKRUN`; 5.19 and
/// 6.0 get cooperative task work (`COOP_TASKRUN`) instead, older ones a
/// plain ring.
///
/// With `sqpoll` (the `uring_sqpoll` setting), a kernel thread per worker
/// polls the submission queue for that idle time before it sleeps, so a
/// busy worker submits without system calls at the cost of a second busy
/// thread; it is asked for, never a fallback, and a kernel that refuses it
/// stops the start.
fn build_uring(
    entries: u32,
    sqpoll: Option<std::time::Duration>,
) -> std::io::Result<monoio::Runtime<monoio::time::TimeDriver<monoio::IoUringDriver>>> {
    let build = |tuned: Option<io_uring::Builder>| {
        let builder = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new().with_entries(entries);
        match tuned {
            Some(tuned) => builder.uring_builder(tuned).enable_timer().build(),
            None => builder.enable_timer().build(),
        }
    };
    if let Some(idle) = sqpoll {
        let mut tuned = io_uring::IoUring::builder();
        let idle = u32::try_from(idle.as_millis()).unwrap_or(u32::MAX);
        tuned.setup_sqpoll(idle).setup_single_issuer();
        return build(Some(tuned));
    }
    let mut deferred = io_uring::IoUring::builder();
    deferred.setup_single_issuer().setup_defer_taskrun();
    let mut cooperative = io_uring::IoUring::builder();
    cooperative.setup_coop_taskrun().setup_taskrun_flag();
    let mut last = None;
    for (name, tuned) in [
        ("DEFER_TASKRUN", Some(deferred)),
        ("COOP_TASKRUN", Some(cooperative)),
        ("plain", None),
    ] {
        match build(tuned) {
            Ok(rt) => return Ok(rt),
            Err(e) => {
                tracing::debug!(error = %e, "io_uring without {name}");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no io_uring set-up worked")))
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
    let redirecting = match w.redirect {
        Some((plain, https_port)) => {
            match redirect(plain, https_port, w.id, w.config.clone(), w.signal.wait()) {
                Ok(redirecting) => Some(monoio::spawn(redirecting)),
                Err(e) => {
                    let _ = w.ready.send((w.id, Err(e)));
                    return;
                }
            }
        }
        None => None,
    };
    let max = w.config.connections_per_worker();
    let worker = Worker::new_in(&w.stats, w.id, w.config, max, w.tls);
    let _ = w.ready.send((w.id, Ok(())));
    serve_listener(listener, service, worker, w.signal.wait()).await;
    if let Some(redirecting) = redirecting {
        redirecting.await;
    }
}

/// The plain HTTP server on `listener` that answers every request with a
/// redirect to HTTPS on `https_port`, to run on this thread's runtime
/// until `stop` resolves and it has drained. It is a worker of its own
/// beside the HTTPS one: its own connections, timers and connection limit
/// (of the same size), its own statistics (the server's count the HTTPS
/// workers only), the same timeouts, and HTTP/1.1 only, whatever the HTTPS
/// side serves (browsers speak nothing else over plain HTTP).
pub(crate) fn redirect(
    listener: std::net::TcpListener,
    https_port: u16,
    id: usize,
    mut config: Config,
    stop: StopWait,
) -> Result<impl Future<Output = ()>, Error> {
    let listener =
        TcpListener::from_std(listener).map_err(|e| Error::new(Kind::WorkerStart(id), e))?;
    config.protocols = crate::Protocols::Http1Only;
    let max = config.connections_per_worker();
    let worker = Worker::new_in(&ServerStats::default(), id, config, max, None);
    let service = crate::redirect::Redirect::new(https_port);
    Ok(serve_listener(listener, service, worker, stop))
}
