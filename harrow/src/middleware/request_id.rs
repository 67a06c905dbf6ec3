//! Request id: propagate the client's `x-request-id` or generate one.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::BuildHasher;
use std::time::{SystemTime, UNIX_EPOCH};

use http::header::{HeaderName, HeaderValue};
use http::request::Parts;

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::request::Request;
use crate::response::Response;

/// The longest incoming id that is kept; longer ones are replaced.
const MAX_LEN: usize = 200;

/// Gives every request an id: the incoming `x-request-id` header when it
/// is 1 to 200 visible ASCII characters, else a new random 32-hex-digit id.
/// The id is set on the request (header and [`RequestId`] extension) and
/// echoed on the response.
///
/// ```
/// use harrow::middleware::{RequestId, SetRequestId};
///
/// async fn show(id: RequestId) -> String {
///     format!("request {}", id.0)
/// }
/// let app = harrow::App::new().get("/", show).layer(SetRequestId::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct SetRequestId {
    header: HeaderName,
}

impl Default for SetRequestId {
    fn default() -> Self {
        SetRequestId::new()
    }
}

impl SetRequestId {
    /// Uses the `x-request-id` header.
    pub fn new() -> Self {
        SetRequestId {
            header: HeaderName::from_static("x-request-id"),
        }
    }

    /// Uses another header, e.g. `x-correlation-id`.
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }
}

/// The request's id, set by [`SetRequestId`]; also an extractor (500 when
/// the middleware is not installed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_LEN && bytes.iter().all(|b| b.is_ascii_graphic())
}

thread_local! {
    static GENERATOR: (RandomState, RandomState, Cell<u64>) =
        (RandomState::new(), RandomState::new(), Cell::new(0));
}

/// A fresh id: 128 bits from per-thread random hash keys over a counter and
/// the clock. Unique in practice; not a secret.
fn generate() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    GENERATOR.with(|(a, b, counter)| {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        format!(
            "{:016x}{:016x}",
            a.hash_one((n, nanos)),
            b.hash_one((nanos, n))
        )
    })
}

impl Middleware for SetRequestId {
    fn call(&self, mut req: Request, next: Next) -> impl Future<Output = Response> {
        let value = match req.headers().get(&self.header) {
            Some(v) if acceptable(v) => v.clone(),
            _ => HeaderValue::try_from(generate()).unwrap_or(HeaderValue::from_static("0")),
        };
        let id = RequestId(value.to_str().unwrap_or_default().to_owned());
        req.headers_mut().insert(self.header.clone(), value.clone());
        req.extensions_mut().insert(id);
        let header = self.header.clone();
        async move {
            let mut res = next.run(req).await;
            res.headers_mut().insert(header, value);
            res
        }
    }
}

impl FromRequestParts for RequestId {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .ok_or_else(|| Error::internal("no request id: add the SetRequestId middleware"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_32_hex_digits_and_differ() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_short_visible_ids_are_kept() {
        assert!(acceptable(&HeaderValue::from_static("abc-123")));
        assert!(!acceptable(&HeaderValue::from_static("")));
        assert!(!acceptable(&HeaderValue::from_static("a b")));
        let long = "x".repeat(MAX_LEN + 1);
        assert!(!acceptable(&HeaderValue::try_from(long).unwrap()));
    }
}
