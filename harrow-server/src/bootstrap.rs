//! Entry points: blocking `run`/`start` over many workers, and async `serve`
//! on a runtime the caller owns.
//!
//! Startup is all or nothing: every listener is bound before any worker
//! starts, each worker reports when it accepts (or why it could not), and a
//! single failure stops the others and returns the error.

use std::future::Future;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use crate::config::ConfigError;
use crate::error::{Error, Kind};
use crate::shared::{SharedTls, Worker};
use crate::shutdown::{StopSignal, on_terminate};
use crate::stats::ServerStats;
use crate::worker::{self, Spawn};
use crate::{Config, ServerHandle, Service, driver};

/// How long one worker may take to report that it accepts.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(5);
/// The listen backlog of each worker's socket.
const BACKLOG: i32 = 1024;

/// Serves the services made by `make_service` (called once per worker) on
/// `addr` with the default [`Config`], until SIGINT or SIGTERM; then drains.
pub fn run<F, S>(make_service: F, addr: impl ToSocketAddrs) -> Result<(), Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    run_with_config(make_service, addr, Config::default())
}

/// [`run`] with a configuration: [`start_with_config`] with
/// [`Config::handle_signals`] turned on, then [`ServerHandle::wait`].
///
/// SIGINT and SIGTERM are handled from before the first worker starts, so a
/// signal that arrives while the server is still starting drains it as soon
/// as it is up instead of killing the process. A second signal ends the
/// process without waiting for the drain (or for a startup that hangs).
pub fn run_with_config<F, S>(
    make_service: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<(), Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let config = Config {
        handle_signals: true,
        ..config
    };
    start_with_config(make_service, addr, config)?.wait()
}

/// Starts the workers and returns once all of them accept connections.
///
/// ```
/// use harrow_server::{service_fn, Body};
///
/// let server = harrow_server::start(
///     || service_fn(|_req, _conn| async { http::Response::new(Body::from("hi")) }),
///     "127.0.0.1:0",
/// )?;
/// println!("listening on {}", server.local_addr());
/// server.shutdown()?;
/// # Ok::<(), harrow_server::Error>(())
/// ```
pub fn start<F, S>(make_service: F, addr: impl ToSocketAddrs) -> Result<ServerHandle, Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    start_with_config(make_service, addr, Config::default())
}

/// [`start`] with a configuration. With [`Config::handle_signals`], the
/// server drains on SIGINT or SIGTERM (listened for from before the first
/// worker starts), and [`ServerHandle::wait`] returns once it has.
pub fn start_with_config<F, S>(
    make_service: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<ServerHandle, Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let _log = crate::log::fallback();
    config.validate()?;
    let tls = prepare_tls(&config)?;
    let signal = Arc::new(StopSignal::default());
    let signals = if config.handle_signals {
        let guard = on_terminate(signal.clone(), tls.clone());
        Some(guard.map_err(|e| Error::new(Kind::Signals, e))?)
    } else {
        None
    };
    let mut server = start_with_signal(make_service, addr, config, signal, tls)?;
    server.signals = signals;
    Ok(server)
}

/// Reads and checks the TLS material, once for all the workers.
#[cfg(feature = "tls")]
fn prepare_tls(config: &Config) -> Result<SharedTls, Error> {
    let Some(settings) = &config.tls else {
        return Ok(None);
    };
    let tls = crate::tls::Tls::build(settings, config.http2_enabled(), config.http1_enabled())
        .map_err(|e| Error::new(Kind::Tls, e))?;
    Ok(Some(tls))
}

/// Nothing to prepare without the `tls` feature.
#[cfg(not(feature = "tls"))]
fn prepare_tls(_config: &Config) -> Result<SharedTls, Error> {
    Ok(None)
}

/// Starts the workers, stopping them when `signal` is raised (at once if it
/// already is).
fn start_with_signal<F, S>(
    make_service: F,
    addr: impl ToSocketAddrs,
    config: Config,
    signal: Arc<StopSignal>,
    tls: SharedTls,
) -> Result<ServerHandle, Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let addr = resolve(addr)?;
    let driver = driver::choose(config.driver)?;
    ignore_sigpipe();
    let workers = config.worker_count();
    let listeners = bind_all(addr, workers)?;
    let local_addr = listeners[0]
        .local_addr()
        .map_err(|e| Error::new(Kind::Bind(addr.to_string()), e))?;
    let (redirects, redirect_addr) = bind_redirects(&config, workers)?;
    let mut redirects = redirects.into_iter();

    let make_service = Arc::new(make_service);
    let (ready_tx, ready_rx) = mpsc::channel();
    let stats = ServerStats::default();
    let mut handle = ServerHandle {
        local_addr,
        driver: driver.public(),
        signals: None,
        signal: signal.clone(),
        workers: Vec::with_capacity(workers),
        tls: tls.clone(),
        redirect_addr,
        stats: stats.clone(),
    };
    for (id, listener) in listeners.into_iter().enumerate() {
        let spawn = Spawn {
            id,
            listener,
            make_service: make_service.clone(),
            config: config.clone(),
            driver,
            signal: signal.clone(),
            ready: ready_tx.clone(),
            tls: tls.clone(),
            redirect: redirects.next().map(|l| (l, local_addr.port())),
            stats: stats.clone(),
        };
        match worker::spawn(spawn) {
            Ok(thread) => handle.workers.push(thread),
            Err(e) => return Err(Error::new(Kind::WorkerStart(id), e)),
        }
    }
    drop(ready_tx);
    for _ in 0..workers {
        match ready_rx.recv_timeout(WORKER_START_TIMEOUT) {
            Ok((_, Ok(()))) => {}
            Ok((_, Err(e))) => return Err(e),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(Error::bare(Kind::StartTimeout(handle.workers.len())));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Error::bare(Kind::WorkerPanic));
            }
        }
    }
    tracing::info!(addr = %local_addr, workers, driver = ?driver, "harrow server listening");
    if let Some(addr) = redirect_addr {
        tracing::info!(%addr, "redirecting plain HTTP to HTTPS");
    }
    Ok(handle)
}

/// Serves `service` on the current monoio runtime (which must have its
/// timer enabled) until the process ends.
pub async fn serve<S: Service>(service: S, addr: impl ToSocketAddrs) -> Result<(), Error> {
    serve_with_shutdown(service, addr, std::future::pending::<()>()).await
}

/// Serves until `shutdown` completes, then drains.
pub async fn serve_with_shutdown<S: Service>(
    service: S,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    serve_with_config(service, addr, shutdown, Config::default()).await
}

/// Serves with a configuration until `shutdown` completes, then drains.
///
/// This runs on the caller's single runtime, so `workers` above 1 is
/// refused, and so is `handle_signals` (the caller's `shutdown` future says
/// when to stop): use [`run`] or [`start`] for those.
pub async fn serve_with_config<S: Service>(
    service: S,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
    config: Config,
) -> Result<(), Error> {
    // Held across the awaits below: this runtime is this thread's alone.
    let _log = crate::log::fallback();
    if config.workers.is_some_and(|w| w > 1) {
        return Err(ConfigError::new(
            "workers",
            "must be 1 or unset with serve, which runs on the caller's one runtime; \
             use harrow_server::run or start for several workers",
        )
        .into());
    }
    if config.handle_signals {
        return Err(ConfigError::new(
            "handle_signals",
            "is for run and start; serve stops when its shutdown future completes",
        )
        .into());
    }
    config.validate()?;
    let tls = prepare_tls(&config)?;
    let addr = resolve(addr)?;
    let listener = bind_all(addr, 1)?.remove(0);
    let redirect = bind_redirects(&config, 1)?.0.pop();
    let bind_err = |e| Error::new(Kind::Bind(addr.to_string()), e);
    let listener = monoio::net::TcpListener::from_std(listener).map_err(bind_err)?;
    let local_addr = listener.local_addr().map_err(bind_err)?;
    tracing::info!(addr = %local_addr, "harrow server listening");
    let max = config.max_connections;
    let Some(redirect) = redirect else {
        let worker = Worker::new(0, config, max, tls);
        worker::serve_listener(listener, service, worker, shutdown).await;
        return Ok(());
    };
    // Two listeners stop on one `shutdown`: it raises a signal both wait
    // on. All three futures are polled here, none spawned, so dropping
    // this future closes both listeners as it does without a redirect.
    let signal = Arc::new(StopSignal::default());
    let redirecting = worker::redirect(
        redirect,
        local_addr.port(),
        0,
        config.clone(),
        signal.wait(),
    )?;
    let worker = Worker::new(0, config, max, tls);
    let serving = worker::serve_listener(listener, service, worker, signal.wait());
    let stopping = async {
        shutdown.await;
        signal.stop();
    };
    monoio::join!(serving, redirecting, stopping);
    Ok(())
}

fn resolve(addr: impl ToSocketAddrs) -> Result<SocketAddr, Error> {
    let mut addrs = addr
        .to_socket_addrs()
        .map_err(|e| Error::new(Kind::Resolve(String::new()), e))?;
    addrs
        .next()
        .ok_or_else(|| Error::bare(Kind::Resolve("no address".into())))
}

/// Binds `n` listeners to one address with `SO_REUSEPORT`.
///
/// A first exclusive bind (without `SO_REUSEPORT`) checks that nobody else
/// holds the port, even another `SO_REUSEPORT` server of the same user,
/// which would otherwise silently share it; it also turns port 0 into a
/// real port for the others.
fn bind_all(addr: SocketAddr, n: usize) -> Result<Vec<TcpListener>, Error> {
    let bind_err = |e: std::io::Error| Error::new(Kind::Bind(addr.to_string()), e);
    let probe = bind_one(addr, false).map_err(bind_err)?;
    let addr = probe.local_addr().map_err(bind_err)?;
    drop(probe);
    (0..n)
        .map(|_| bind_one(addr, true).map_err(bind_err))
        .collect()
}

/// The listeners of the plain HTTP server that redirects to HTTPS, one per
/// worker, and their address, when the TLS settings ask for one
/// ([`TlsConfig::redirect_from`](crate::TlsConfig::redirect_from)).
#[cfg(feature = "tls")]
fn bind_redirects(
    config: &Config,
    n: usize,
) -> Result<(Vec<TcpListener>, Option<SocketAddr>), Error> {
    let Some(addr) = config.tls.as_ref().and_then(|tls| tls.redirect_from) else {
        return Ok((Vec::new(), None));
    };
    let listeners = bind_all(addr, n).map_err(Error::redirecting)?;
    let local = listeners[0]
        .local_addr()
        .map_err(|e| Error::new(Kind::Bind(addr.to_string()), e).redirecting())?;
    Ok((listeners, Some(local)))
}

/// No redirect without the `tls` feature.
#[cfg(not(feature = "tls"))]
fn bind_redirects(
    _config: &Config,
    _n: usize,
) -> Result<(Vec<TcpListener>, Option<SocketAddr>), Error> {
    Ok((Vec::new(), None))
}

fn bind_one(addr: SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Makes a write to a connection whose peer has gone fail with `EPIPE`
/// instead of ending the process: `sendfile` and `writev`, unlike `send`,
/// take no `MSG_NOSIGNAL`. A Rust program ignores SIGPIPE from `main`
/// already; one that starts the server from elsewhere (a C host) may not.
/// A handler the program installed itself is left alone.
fn ignore_sigpipe() {
    // SAFETY: `sigaction` reads the current disposition into a zeroed
    // struct and, only where it is the default, sets it to ignore: no
    // handler is installed and no memory of the program is touched.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_DFL
        {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
    }
}
