//! Extractors for the request itself: method, URI, peer address and
//! connection, the whole request, and the `Option`/`Result` wrappers.

use std::convert::Infallible;
use std::net::SocketAddr;

use http::request::Parts;
use http::{Extensions, Method, Uri, Version};

use crate::ConnInfo;
use crate::context::RequestContext;
use crate::extract::{FromRequest, FromRequestParts};
use crate::request::Request;

/// The request method.
impl FromRequestParts for Method {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.method.clone())
    }
}

/// The request URI (path and query, as the client sent them).
impl FromRequestParts for Uri {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.uri.clone())
    }
}

/// The HTTP version the request came over.
impl FromRequestParts for Version {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.version)
    }
}

/// The request extensions (a copy), where middleware leaves values.
impl FromRequestParts for Extensions {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.clone())
    }
}

/// The address of the client a request came from: a handler argument
/// (`addr: RemoteAddr`), filled from the request's context, that is what
/// the server knows of the connection (or what the test client says).
///
/// ```
/// use harrow::RemoteAddr;
/// async fn whoami(RemoteAddr(addr): RemoteAddr) -> String {
///     addr.ip().to_string()
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// The peer's address, from the request's context.
impl FromRequestParts for RemoteAddr {
    type Rejection = Infallible;

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(RemoteAddr(cx.remote_addr()))
    }
}

/// What the server knows of the connection a request came on: the peer's
/// address, the scheme, and with the `tls` feature the TLS session
/// (`conn.tls()`: version, ALPN protocol, SNI name, client certificates).
///
/// ```
/// use harrow::ConnInfo;
/// async fn scheme(conn: ConnInfo) -> &'static str {
///     conn.scheme()
/// }
/// ```
impl FromRequestParts for ConnInfo {
    type Rejection = Infallible;

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(cx.conn().clone())
    }
}

/// The whole request, body included; only as the last argument.
impl FromRequest for Request {
    type Rejection = Infallible;

    async fn from_request(req: Request, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
        Ok(req)
    }
}

/// `Some` when the inner extractor succeeds, `None` when it is rejected.
impl<T: FromRequestParts> FromRequestParts for Option<T> {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(T::from_request_parts(parts, cx).await.ok())
    }
}

/// The inner extractor's outcome, rejection included, for the handler to judge.
impl<T: FromRequestParts> FromRequestParts for Result<T, T::Rejection> {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(T::from_request_parts(parts, cx).await)
    }
}
