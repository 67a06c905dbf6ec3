//! One worker: a thread with its own monoio runtime and `SO_REUSEPORT`
//! listener, accepting connections and serving them with its own copy of
//! the service.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::task::Poll;
use std::time::{Duration, Instant};

use monoio::net::TcpListener;

use crate::abort::Aborts;
use crate::driver::Chosen;
use crate::error::{Error, Kind};
use crate::h1::Limits;
use crate::io::arena::Arena;
use crate::io::pool::BufPool;
use crate::limits::ConnLimit;
use crate::shutdown::StopSignal;
use crate::timer::Timers;
use crate::{Config, Service, conn};

/// Spare buffers each worker keeps.
const POOL_SPARES: usize = 256;

/// State shared by every connection of one worker.
pub(crate) struct Worker {
    pub(crate) id: usize,
    pub(crate) config: Config,
    pub(crate) limits: Limits,
    pub(crate) pool: BufPool,
    pub(crate) arena: Arena,
    pub(crate) timers: Rc<Timers>,
    pub(crate) conns: Rc<ConnLimit>,
    pub(crate) draining: Cell<bool>,
    pub(crate) aborts: Rc<Aborts>,
}

impl Worker {
    pub(crate) fn new(id: usize, config: Config, max_conns: usize) -> Rc<Worker> {
        let tick = Timers::tick_for(&[
            config.header_read_timeout,
            config.body_read_timeout,
            config.keep_alive_timeout,
            config.write_timeout,
            config.connection_timeout,
        ]);
        let limits = Limits {
            max_head: config.max_head_size,
            max_headers: config.max_headers,
            max_uri: config.max_uri_len,
        };
        Rc::new(Worker {
            id,
            pool: BufPool::new(config.read_buffer_size, POOL_SPARES),
            arena: Arena::new(),
            limits,
            timers: Timers::new(tick),
            conns: ConnLimit::new(max_conns),
            draining: Cell::new(false),
            aborts: Rc::new(Aborts::default()),
            config,
        })
    }
}

/// Accepts and serves until `stop` resolves, then drains.
pub(crate) async fn serve_listener<S: Service>(
    listener: TcpListener,
    service: S,
    worker: Rc<Worker>,
    stop: impl Future<Output = ()>,
) {
    let service = Rc::new(service);
    let done = Rc::new(Cell::new(false));
    monoio::spawn(sweep(worker.clone(), done.clone()));

    let mut stop = pin!(stop);
    loop {
        let accepted = {
            let mut accept = pin!(listener.accept());
            poll_fn(|cx| {
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                accept.as_mut().poll(cx).map(Some)
            })
            .await
        };
        match accepted {
            None => break,
            Some(Ok((stream, remote))) => match worker.conns.try_acquire() {
                Some(permit) => {
                    monoio::spawn(conn::serve(
                        stream,
                        remote,
                        worker.clone(),
                        service.clone(),
                        permit,
                    ));
                }
                None if worker.conns.rejected().is_power_of_two() => {
                    // Logged at 1, 2, 4, 8… rejections so a flood cannot flood the log.
                    tracing::warn!(
                        worker = worker.id,
                        %remote,
                        open = worker.conns.open(),
                        rejected = worker.conns.rejected(),
                        "connection limit reached; closing new connection"
                    );
                    drop(stream);
                }
                None => {
                    tracing::debug!(worker = worker.id, %remote, "connection limit reached");
                    drop(stream);
                }
            },
            Some(Err(e)) => {
                tracing::error!(worker = worker.id, error = %e, "accept failed");
                // Out of descriptors or memory: back off instead of spinning.
                monoio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
    drain(&worker).await;
    done.set(true);
    // With io_uring, dropping a socket queues an asynchronous close (and the
    // cancellation of its pending accept or read). One more trip through the
    // runtime's park submits them, so no descriptor outlives the worker.
    monoio::time::sleep(Duration::from_millis(1)).await;
}

/// Closes idle connections, waits for busy ones up to `drain_timeout`,
/// then cancels whatever is left.
async fn drain(worker: &Worker) {
    let open = worker.conns.open();
    tracing::info!(worker = worker.id, open, "draining");
    worker.draining.set(true);
    let deadline = Instant::now() + worker.config.drain_timeout;
    while worker.conns.open() > 0 && Instant::now() < deadline {
        worker.timers.fire_idle();
        monoio::time::sleep(worker.timers.tick()).await;
    }
    let left = worker.conns.open();
    if left > 0 {
        tracing::warn!(
            worker = worker.id,
            left,
            "drain timeout passed; closing remaining connections"
        );
        worker.timers.fire_all();
        worker.aborts.abort_all();
        // Let the tasks see it and end, dropping their sockets.
        for _ in 0..10 {
            if worker.conns.open() == 0 {
                break;
            }
            monoio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    tracing::info!(worker = worker.id, "drained");
}

async fn sweep(worker: Rc<Worker>, done: Rc<Cell<bool>>) {
    while !done.get() {
        monoio::time::sleep(worker.timers.tick()).await;
        worker.timers.sweep();
    }
}

/// Everything a worker thread needs to start.
pub(crate) struct Spawn<F> {
    pub(crate) id: usize,
    pub(crate) listener: std::net::TcpListener,
    pub(crate) make_service: Arc<F>,
    pub(crate) config: Config,
    pub(crate) driver: Chosen,
    pub(crate) signal: Arc<StopSignal>,
    pub(crate) ready: Sender<(usize, Result<(), Error>)>,
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
    let worker = Worker::new(w.id, w.config, max);
    let _ = w.ready.send((w.id, Ok(())));
    serve_listener(listener, service, worker, w.signal.wait()).await;
}
