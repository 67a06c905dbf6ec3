//! Access log: one `tracing` event per request.

use std::future::Future;
use std::time::Instant;

use harrow_server::RemoteAddr;

use super::{Middleware, Next};
use crate::request::Request;
use crate::response::Response;

/// Logs each request once answered, as an `INFO` event with target
/// `harrow::access` and the fields `method`, `path`, `status`,
/// `elapsed_us` and `remote`. Install a `tracing` subscriber to see them.
///
/// ```
/// let app = harrow::App::new().layer(harrow::middleware::AccessLog::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLog {
    _private: (),
}

impl AccessLog {
    /// The middleware.
    pub fn new() -> Self {
        AccessLog::default()
    }
}

impl Middleware for AccessLog {
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> {
        let start = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let remote = req.extensions().get::<RemoteAddr>().map(|r| r.0);
        async move {
            let res = next.run(req).await;
            let elapsed = start.elapsed();
            tracing::info!(
                target: "harrow::access",
                method = %method,
                path = %path,
                status = res.status().as_u16(),
                elapsed_us = elapsed.as_micros() as u64,
                remote = ?remote,
                "{method} {path} {} {elapsed:?}",
                res.status().as_u16(),
            );
            res
        }
    }
}
