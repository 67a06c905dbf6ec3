//! Catch-panic: a panic while answering becomes a 500, and the worker
//! keeps serving.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::StatusCode;

use super::{Middleware, Next};
use crate::handler::BoxFuture;
use crate::request::Request;
use crate::response::{Response, plain};

/// Turns a panic in the inner chain into `500 internal server error`,
/// logging the panic message with `tracing` at the error level.
///
/// Every [`App`](crate::App) already catches panics around the whole chain
/// (see [`App::catch_panics`](crate::App::catch_panics)); add this layer to
/// a scope to catch them closer to the handler, e.g. inside an access log
/// that should record the 500.
///
/// The panicking future is dropped and never polled again. State the
/// handler was changing (a `RefCell` borrowed across the panic is released;
/// a half-updated value is not) is left as the panic left it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanic {
    _private: (),
}

impl CatchPanic {
    /// The middleware.
    pub fn new() -> Self {
        CatchPanic::default()
    }
}

impl Middleware for CatchPanic {
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> {
        CatchUnwind::new(move || next.run_boxed(req))
    }
}

/// A response future that answers 500 when building or polling it panics.
pub(crate) struct CatchUnwind {
    state: State,
}

enum State {
    Running { future: BoxFuture, catch: bool },
    Done(Option<Response>),
}

impl CatchUnwind {
    /// Builds the future with `make`, catching panics in both.
    pub(crate) fn new(make: impl FnOnce() -> BoxFuture) -> Self {
        let state = match catch_unwind(AssertUnwindSafe(make)) {
            Ok(future) => State::Running {
                future,
                catch: true,
            },
            Err(payload) => State::Done(Some(panic_response(payload))),
        };
        CatchUnwind { state }
    }

    /// Passes `future` through untouched.
    pub(crate) fn disabled(future: BoxFuture) -> Self {
        CatchUnwind {
            state: State::Running {
                future,
                catch: false,
            },
        }
    }
}

impl Future for CatchUnwind {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match &mut self.state {
            State::Running {
                future,
                catch: false,
            } => future.as_mut().poll(cx),
            State::Running { future, .. } => {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(poll) => poll,
                    Err(payload) => {
                        // Drop the panicked future now, never to poll it again.
                        self.state = State::Done(None);
                        Poll::Ready(panic_response(payload))
                    }
                }
            }
            State::Done(response) => match response.take() {
                Some(response) => Poll::Ready(response),
                None => Poll::Ready(plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "response already taken",
                )),
            },
        }
    }
}

fn panic_response(payload: Box<dyn Any + Send>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_string());
    tracing::error!("a handler panicked: {message}");
    plain(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
}
