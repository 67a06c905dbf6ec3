//! Access log: one `tracing` event per request.

use std::future::Future;
use std::time::Instant;

use super::{Middleware, Next, RequestId};
use crate::request::Request;
use crate::response::Response;

/// Logs each request once answered, as an `INFO` event with target
/// `harrow::access` and the fields `method`, `path`, `status`,
/// `elapsed_us`, `remote` and `request_id` (set when [`SetRequestId`]
/// runs before it, i.e. is added after it). Install a `tracing` subscriber
/// to see them.
///
/// [`SetRequestId`]: super::SetRequestId
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
        let remote = next.context().remote_addr();
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        async move {
            let res = next.run(req).await;
            let elapsed = start.elapsed();
            tracing::info!(
                target: "harrow::access",
                method = %method,
                path = %path,
                status = res.status().as_u16(),
                elapsed_us = elapsed.as_micros() as u64,
                remote = %remote,
                request_id = request_id.as_deref().unwrap_or(""),
                "{method} {path} {} {elapsed:?}",
                res.status().as_u16(),
            );
            res
        }
    }
}
