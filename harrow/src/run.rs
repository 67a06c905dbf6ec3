//! Serving an [`App`]: the same entry points as `harrow-server`, taking an
//! app factory (called once per worker) or an app, and validating routes
//! before anything is bound.

use std::fmt;
use std::future::Future;
use std::net::ToSocketAddrs;

use harrow_server::{Config, ServerHandle};

use crate::app::{App, AppService};
use crate::routing::{RouteErrors, RouteTable};

/// Why an application could not start.
///
/// Its `Debug` is its readable message, so `fn main() -> Result<(),
/// StartError>` ends with one `Error: …` line (or one per route error);
/// `{:#?}` shows the structure.
#[non_exhaustive]
pub enum StartError {
    /// The routes are invalid (a duplicate, a conflict, a bad template):
    /// every error found.
    Routes(RouteErrors),
    /// The server could not start (bad configuration, address in use, no
    /// signal handling), or a worker failed.
    Server(harrow_server::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Routes(e) => e.fmt(f),
            StartError::Server(e) => e.fmt(f),
        }
    }
}

impl fmt::Debug for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Routes(e) if f.alternate() => f.debug_tuple("Routes").field(e).finish(),
            StartError::Server(e) if f.alternate() => f.debug_tuple("Server").field(e).finish(),
            _ => fmt::Display::fmt(self, f),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Routes(e) => Some(e),
            StartError::Server(e) => Some(e),
        }
    }
}

impl From<RouteErrors> for StartError {
    fn from(e: RouteErrors) -> Self {
        StartError::Routes(e)
    }
}

impl From<harrow_server::Error> for StartError {
    fn from(e: harrow_server::Error) -> Self {
        StartError::Server(e)
    }
}

/// Builds one app on this thread to check its routes; returns its table.
fn validate<F: Fn() -> App>(make_app: &F) -> Result<RouteTable, RouteErrors> {
    let app = make_app();
    let table = app.route_table();
    app.into_service()?;
    Ok(table)
}

/// The per-worker factory given to the server. Routes were validated first;
/// should a factory still produce an invalid app on a worker, that worker
/// logs why and answers every request with a plain 500 instead of panicking.
fn worker_service<F: Fn() -> App>(make_app: &F) -> AppService {
    match make_app().into_service() {
        Ok(service) => service,
        Err(e) => {
            tracing::error!("invalid routes on this worker: {e}");
            AppService::failing()
        }
    }
}

/// Serves the app built by `make_app` (called once per worker thread) on
/// `addr` with the default [`Config`], until SIGINT or SIGTERM; then drains.
/// Once the address is bound, prints the route table and the address to
/// stdout.
///
/// ```no_run
/// use harrow::App;
///
/// async fn hello() -> &'static str { "Hello, world!" }
///
/// fn main() -> Result<(), harrow::StartError> {
///     harrow::run(|| App::new().get("/", hello), "127.0.0.1:3000")
/// }
/// ```
pub fn run<F>(make_app: F, addr: impl ToSocketAddrs) -> Result<(), StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    run_with_config(make_app, addr, Config::default())
}

/// [`run`] with a configuration: [`start_with_config`] with
/// [`Config::handle_signals`] on, the route table and address (and the
/// plain HTTP redirect's, if any) printed once bound, then
/// [`ServerHandle::wait`]. The signals are handled from before
/// the first worker starts (after the routes are checked), so one that
/// arrives while the workers start drains them instead of killing the
/// process; a second signal exits at once.
pub fn run_with_config<F>(
    make_app: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<(), StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    let config = Config {
        handle_signals: true,
        ..config
    };
    let (server, table) = start_app(make_app, addr, config)?;
    println!("routes:\n{table}");
    let workers = server.worker_count();
    let plural = if workers == 1 { "" } else { "s" };
    let scheme = if server.is_tls() { "https" } else { "http" };
    println!(
        "listening on {scheme}://{} ({}, {workers} worker{plural})",
        server.local_addr(),
        server.driver(),
    );
    if let Some(from) = server.redirect_addr() {
        println!("redirecting http://{from} to https");
    }
    Ok(server.wait()?)
}

/// Checks the routes, starts the workers and returns once all listen; the
/// handle gives the bound address and stops the server.
///
/// ```no_run
/// use harrow::App;
/// async fn hello() -> &'static str { "hi" }
///
/// let server = harrow::start(|| App::new().get("/", hello), "127.0.0.1:0")?;
/// println!("listening on {}", server.local_addr());
/// server.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn start<F>(make_app: F, addr: impl ToSocketAddrs) -> Result<ServerHandle, StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    start_with_config(make_app, addr, Config::default())
}

/// [`start`] with a configuration.
pub fn start_with_config<F>(
    make_app: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<ServerHandle, StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    Ok(start_app(make_app, addr, config)?.0)
}

/// The one way an app factory is started: its routes checked once, on this
/// thread, then `harrow_server::start_with_config`.
fn start_app<F>(
    make_app: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<(ServerHandle, RouteTable), StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    let table = validate(&make_app)?;
    let server = harrow_server::start_with_config(move || worker_service(&make_app), addr, config)?;
    Ok((server, table))
}

/// Serves `app` on the current runtime (one worker) until the process ends.
pub async fn serve(app: App, addr: impl ToSocketAddrs) -> Result<(), StartError> {
    serve_with_config(app, addr, std::future::pending::<()>(), Config::default()).await
}

/// Serves until `shutdown` completes, then drains.
pub async fn serve_with_shutdown(
    app: App,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    serve_with_config(app, addr, shutdown, Config::default()).await
}

/// Serves with a configuration until `shutdown` completes; `workers` above
/// 1 is refused (use [`run`] or [`start`]).
pub async fn serve_with_config(
    app: App,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
    config: Config,
) -> Result<(), StartError> {
    let service = app.into_service()?;
    Ok(harrow_server::serve_with_config(service, addr, shutdown, config).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RouteError;

    async fn a() {}
    async fn b() {}

    #[test]
    fn start_refuses_duplicate_routes_before_binding() {
        let Err(err) = start(|| App::new().get("/x", a).get("/x", b), "127.0.0.1:0") else {
            panic!("a duplicate route must stop the start");
        };
        let StartError::Routes(errors) = &err else {
            panic!("a route error, not {err:#?}");
        };
        assert!(matches!(errors.first(), RouteError::Duplicate { .. }));
        assert!(
            err.to_string().contains("duplicate route `GET /x`"),
            "{err}"
        );
    }

    #[test]
    fn debug_is_the_readable_message() {
        let make = || App::new().get("/x", a).get("no-slash", b).get("/x", b);
        let Err(err) = start(make, "127.0.0.1:0") else {
            panic!("invalid routes must stop the start");
        };
        assert_eq!(format!("{err:?}"), err.to_string());
        assert!(err.to_string().starts_with("2 route errors:\n"), "{err}");
        assert!(format!("{err:#?}").starts_with("Routes("), "{err:#?}");

        let config = Config {
            workers: Some(5000),
            ..Config::default()
        };
        let Err(err) = start_with_config(App::new, "127.0.0.1:0", config) else {
            panic!("5000 workers must be refused");
        };
        assert_eq!(
            format!("{err:?}"),
            "invalid server configuration: `workers` must be at most 1024"
        );
    }

    #[test]
    fn serve_with_shutdown_serves_until_told_to_stop() {
        use std::io::{Read, Write};
        use std::sync::mpsc;
        use std::time::Duration;

        async fn hello() -> &'static str {
            "served"
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let addr = format!("127.0.0.1:{port}");
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let server_addr = addr.clone();
        let server = std::thread::spawn(move || {
            harrow_server::rt::block_on(serve_with_shutdown(
                App::new().get("/", hello),
                server_addr.as_str(),
                async move {
                    while stop_rx.try_recv().is_err() {
                        harrow_server::rt::sleep(Duration::from_millis(10)).await;
                    }
                },
            ))
        });
        let mut reply = String::new();
        for _ in 0..100 {
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                    .expect("write");
                s.read_to_string(&mut reply).expect("read");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.ends_with("served"), "{reply}");
        stop_tx.send(()).expect("the server is waiting");
        let result = server.join().expect("the server thread ends");
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn serve_refuses_invalid_routes_with_a_readable_error() {
        let app = App::new().get("no-slash", a);
        let err = harrow_server::rt::block_on(serve(app, "127.0.0.1:0")).unwrap_err();
        assert!(matches!(err, StartError::Routes(_)), "{err:#?}");
        assert!(err.to_string().contains("must start with `/`"), "{err}");
    }
}
