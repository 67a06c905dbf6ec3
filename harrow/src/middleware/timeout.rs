//! Timeout: a request not answered in time gets 503 (configurable).

use std::future::Future;
use std::time::Duration;

use harrow_server::rt;
use http::StatusCode;

use super::{Middleware, Next};
use crate::request::Request;
use crate::response::{Response, plain};

/// Answers `503 Service Unavailable` with "request timed out" when the
/// inner chain takes longer than the duration; the unfinished handler
/// future is dropped (cancelled at its next await point).
///
/// Why 503 and not 504: 504 Gateway Timeout says an *upstream* server did
/// not answer a gateway, while here the application itself ran out of its
/// time budget, a temporary overload that clients may retry, which is what
/// 503 means. A service that is a gateway can pick 504 with
/// [`Timeout::status`].
///
/// ```
/// use std::time::Duration;
/// use harrow::middleware::Timeout;
/// use harrow::StatusCode;
///
/// let app = harrow::App::new()
///     .layer(Timeout::new(Duration::from_secs(10)).status(StatusCode::GATEWAY_TIMEOUT));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Timeout {
    duration: Duration,
    status: StatusCode,
}

impl Timeout {
    /// A timeout of `duration`, answered with 503.
    pub fn new(duration: Duration) -> Self {
        Timeout {
            duration,
            status: StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The status sent on timeout instead of 503.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl Middleware for Timeout {
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> {
        let (duration, status) = (self.duration, self.status);
        async move {
            match rt::timeout(duration, next.run(req)).await {
                Ok(res) => res,
                Err(rt::Elapsed) => plain(status, "request timed out"),
            }
        }
    }
}
