//! Extractors: typed values taken from a request before the handler runs.
//!
//! A handler's arguments are extractors. All but the last implement
//! [`FromRequestParts`] (they see the method, URI, headers and extensions);
//! the last may implement [`FromRequest`] instead and consume the body.
//! When an extractor fails, the handler does not run and the extractor's
//! rejection (a type implementing [`IntoResponse`]) is sent: a 4xx with a
//! short plain-text message saying what was wrong.
//!
//! | extractor | from | rejection |
//! |---|---|---|
//! | [`Path<T>`] | the matched `{param}` segments | 400 bad value, 500 wrong shape |
//! | [`Query<T>`] | the query string | 400 |
//! | [`Json<T>`] | the body, `Content-Type: application/json` | 415, 413, 400 syntax, 422 data |
//! | [`Form<T>`] | the body, url-encoded form | 415, 413, 422 |
//! | `Bytes`, `String` | the body | 413, 400 (not UTF-8) |
//! | `HeaderMap`, [`TypedHeader<H>`] | the headers | 400 missing or bad header |
//! | [`State<T>`] | the worker's state, from `App::state` | none: a type never registered stops the start |
//! | [`Extension<T>`] | a value a middleware inserted | 500 when absent |
//! | `Method`, `Uri`, `Version`, `Extensions`, `RemoteAddr`, `ConnInfo` | the request head and its connection | none |
//! | `Request` | the whole request (last argument) | none |
//!
//! `Option<T>` makes any parts extractor optional, and `Result<T, T::Rejection>`
//! hands the rejection to the handler.

mod body;
mod extension;
mod form;
mod header;
#[cfg(feature = "json")]
mod json;
mod parts;
mod path;
mod query;
pub mod rejection;
mod state;
mod typed_header;
mod urlencoded;

use std::future::Future;

use http::request::Parts;

use crate::context::RequestContext;
use crate::request::Request;
use crate::response::IntoResponse;

#[cfg(feature = "multipart")]
pub(crate) use body::rejection as body_rejection;
pub use extension::Extension;
pub use form::Form;
pub use header::{ContentLength, ContentType, Header, Host, UserAgent};
#[cfg(feature = "json")]
pub use json::Json;
pub use parts::RemoteAddr;
pub(crate) use path::ParamNames;
pub use path::{Path, PathParam, PathParams, path_param};
pub use query::Query;
pub use state::{RequiredState, State};
pub use typed_header::TypedHeader;

/// A value extracted from the request head (method, URI, headers,
/// extensions), without the body. Any number of these may precede the last
/// handler argument.
///
/// ```
/// use harrow::extract::FromRequestParts;
/// use harrow::http::request::Parts;
/// use harrow::{RequestContext, StatusCode};
///
/// struct ApiKey(String);
///
/// impl FromRequestParts for ApiKey {
///     type Rejection = (StatusCode, &'static str);
///
///     async fn from_request_parts(parts: &mut Parts, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
///         match parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
///             Some(key) => Ok(ApiKey(key.to_owned())),
///             None => Err((StatusCode::UNAUTHORIZED, "missing x-api-key header")),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from the request head",
    label = "not an extractor",
    note = "handler arguments must implement `FromRequestParts` (or, for the last argument only, `FromRequest`)",
    note = "an extractor that reads the body (`Json<T>`, `Form<T>`, `String`, `Bytes`, `Request`) must be the last argument"
)]
pub trait FromRequestParts: Sized {
    /// What is sent back when extraction fails.
    type Rejection: IntoResponse;

    /// Adds the state types this extractor takes from
    /// [`App::state`](crate::App::state), checked when the app starts; none
    /// unless overridden. [`State<T>`] adds `T`.
    fn required_state(required: &mut RequiredState) {
        let _ = required;
    }

    /// Extracts the value from the request's head and its context (the
    /// app's state, the connection, the path parameters). The future need
    /// not be `Send`.
    fn from_request_parts(
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Self, Self::Rejection>>;
}

/// Marker types that let [`FromRequest`] cover every [`FromRequestParts`]
/// type without overlapping impls. Handlers infer them; users never name them.
pub mod marker {
    /// The extractor reads the whole request (possibly its body).
    #[derive(Debug)]
    pub enum ViaRequest {}
    /// The extractor reads only the request head.
    #[derive(Debug)]
    pub enum ViaParts {}
}

/// A value extracted from the whole request, possibly consuming its body.
/// Only a handler's last argument may be one. Every [`FromRequestParts`]
/// type is also a `FromRequest` (through the marker parameter `M`).
///
/// ```
/// use harrow::extract::FromRequest;
/// use harrow::{Request, RequestContext, StatusCode};
///
/// struct Upper(String);
///
/// impl FromRequest for Upper {
///     type Rejection = harrow::extract::rejection::StringRejection;
///
///     async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Self::Rejection> {
///         let text = String::from_request(req, cx).await?;
///         Ok(Upper(text.to_uppercase()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from the request",
    label = "not an extractor",
    note = "handler arguments must implement `FromRequestParts`, or `FromRequest` for the last argument"
)]
pub trait FromRequest<M = marker::ViaRequest>: Sized {
    /// What is sent back when extraction fails.
    type Rejection: IntoResponse;

    /// Adds the state types this extractor takes from
    /// [`App::state`](crate::App::state), checked when the app starts; none
    /// unless overridden.
    fn required_state(required: &mut RequiredState) {
        let _ = required;
    }

    /// Extracts the value from the whole request and its context. The
    /// future need not be `Send`.
    fn from_request(
        req: Request,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<Self, Self::Rejection>>;
}

impl<T: FromRequestParts> FromRequest<marker::ViaParts> for T {
    type Rejection = T::Rejection;

    fn required_state(required: &mut RequiredState) {
        T::required_state(required);
    }

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Self::Rejection> {
        let (mut parts, _body) = req.into_parts();
        T::from_request_parts(&mut parts, cx).await
    }
}
