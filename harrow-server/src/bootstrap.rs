//! Entry points: blocking `run`/`start` over many workers, and async `serve`
//! on a runtime the caller owns.

use std::future::Future;
use std::net::ToSocketAddrs;

use crate::{Config, Error, ServerHandle, Service};

/// Serves the services made by `make_service` (called once per worker) on
/// `addr` with the default [`Config`], until SIGINT or SIGTERM; then drains.
pub fn run<F, S>(make_service: F, addr: impl ToSocketAddrs) -> Result<(), Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    run_with_config(make_service, addr, Config::default())
}

/// [`run`] with a configuration.
pub fn run_with_config<F, S>(
    make_service: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<(), Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let _ = (make_service, addr, config);
    todo!()
}

/// Starts the workers and returns once all are listening; the handle stops them.
pub fn start<F, S>(make_service: F, addr: impl ToSocketAddrs) -> Result<ServerHandle, Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    start_with_config(make_service, addr, Config::default())
}

/// [`start`] with a configuration.
pub fn start_with_config<F, S>(
    make_service: F,
    addr: impl ToSocketAddrs,
    config: Config,
) -> Result<ServerHandle, Error>
where
    F: Fn() -> S + Send + Sync + 'static,
    S: Service,
{
    let _ = (make_service, addr, config);
    todo!()
}

/// Serves `service` on the current monoio runtime until the process ends.
pub async fn serve<S: Service>(service: S, addr: impl ToSocketAddrs) -> std::io::Result<()> {
    serve_with_shutdown(service, addr, std::future::pending::<()>()).await
}

/// Serves until `shutdown` completes, then drains.
pub async fn serve_with_shutdown<S: Service>(
    service: S,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with_config(service, addr, shutdown, Config::default()).await
}

/// Serves with a configuration; `workers` above 1 is refused (use `run`/`start`).
pub async fn serve_with_config<S: Service>(
    service: S,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
    config: Config,
) -> std::io::Result<()> {
    let _ = (service, addr, shutdown, config);
    todo!()
}
