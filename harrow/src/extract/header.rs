//! Headers: the whole `HeaderMap`, or one typed header with [`TypedHeader`].

use std::convert::Infallible;

use http::HeaderMap;
use http::header::HeaderValue;
use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::rejection::HeaderRejection;

/// All request headers (a copy).
impl FromRequestParts for HeaderMap {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.headers.clone())
    }
}

/// A header with a typed value. Implement it to extract your own headers
/// with [`TypedHeader`].
///
/// ```
/// use harrow::extract::Header;
/// use harrow::http::HeaderValue;
///
/// struct ApiVersion(u32);
///
/// impl Header for ApiVersion {
///     const NAME: &'static str = "x-api-version";
///
///     fn decode(value: &HeaderValue) -> Result<Self, String> {
///         let text = value.to_str().map_err(|_| "not ASCII".to_string())?;
///         text.parse().map(ApiVersion).map_err(|_| format!("expected a number, got {text:?}"))
///     }
/// }
/// ```
pub trait Header: Sized {
    /// The header's name, in lowercase.
    const NAME: &'static str;

    /// Parses the header's (first) value; the error says what is wrong.
    fn decode(value: &HeaderValue) -> Result<Self, String>;
}

/// Extracts one header as `H`: 400 when it is missing or malformed. Wrap it
/// in `Option` for an optional header.
///
/// ```
/// use harrow::extract::{TypedHeader, UserAgent};
///
/// async fn agent(TypedHeader(UserAgent(ua)): TypedHeader<UserAgent>) -> String {
///     format!("you are {ua}")
/// }
/// # let _ = harrow::App::new().get("/", agent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedHeader<H>(pub H);

impl<H: Header> FromRequestParts for TypedHeader<H> {
    type Rejection = HeaderRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(H::NAME)
            .ok_or(HeaderRejection::Missing { name: H::NAME })?;
        H::decode(value)
            .map(TypedHeader)
            .map_err(|message| HeaderRejection::Invalid {
                name: H::NAME,
                message,
            })
    }
}

fn text(value: &HeaderValue) -> Result<&str, String> {
    value
        .to_str()
        .map_err(|_| "value is not visible ASCII".to_string())
}

macro_rules! text_header {
    ($(#[$doc:meta] $ty:ident => $name:literal,)*) => {
        $(
            #[$doc]
            #[derive(Debug, Clone, PartialEq, Eq)]
            pub struct $ty(pub String);

            impl Header for $ty {
                const NAME: &'static str = $name;

                fn decode(value: &HeaderValue) -> Result<Self, String> {
                    text(value).map(|s| $ty(s.to_owned()))
                }
            }
        )*
    };
}

text_header! {
    /// `Content-Type`, as text (e.g. `application/json; charset=utf-8`).
    ContentType => "content-type",
    /// `User-Agent`.
    UserAgent => "user-agent",
    /// `Host`.
    Host => "host",
}

/// `Content-Length`, as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLength(pub u64);

impl Header for ContentLength {
    const NAME: &'static str = "content-length";

    fn decode(value: &HeaderValue) -> Result<Self, String> {
        let s = text(value)?;
        s.parse()
            .map(ContentLength)
            .map_err(|_| format!("expected a number, got {s:?}"))
    }
}
