//! Headers: the whole `HeaderMap`, the [`Header`] trait that
//! [`TypedHeader`](crate::extract::TypedHeader) extracts, and the headers
//! Harrow types itself.

use std::convert::Infallible;

use http::HeaderMap;
use http::header::HeaderValue;
use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;

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
/// with [`TypedHeader`](crate::extract::TypedHeader). With the
/// `typed-headers` feature, every type of the `headers` crate implements it
/// too.
///
/// ```
/// use harrow::extract::Header;
/// use harrow::http::HeaderValue;
///
/// struct ApiVersion(u32);
///
/// impl Header for ApiVersion {
///     fn name() -> &'static str {
///         "x-api-version"
///     }
///
///     fn decode(value: &HeaderValue) -> Result<Self, String> {
///         let text = value.to_str().map_err(|_| "not ASCII".to_string())?;
///         text.parse().map(ApiVersion).map_err(|_| format!("expected a number, got {text:?}"))
///     }
/// }
/// ```
pub trait Header: Sized {
    /// The header's name, in lowercase.
    fn name() -> &'static str;

    /// Parses one value of the header; the error says what is wrong.
    fn decode(value: &HeaderValue) -> Result<Self, String>;

    /// Parses the header from all its values in the request (there is at
    /// least one): by default the first, with [`Header::decode`]. Override
    /// it for a header whose values add up (a list split over several
    /// lines).
    fn decode_all(values: &mut dyn Iterator<Item = &HeaderValue>) -> Result<Self, String> {
        match values.next() {
            Some(value) => Self::decode(value),
            None => Err("no value".to_owned()),
        }
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
                fn name() -> &'static str {
                    $name
                }

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
    fn name() -> &'static str {
        "content-length"
    }

    fn decode(value: &HeaderValue) -> Result<Self, String> {
        let s = text(value)?;
        s.parse()
            .map(ContentLength)
            .map_err(|_| format!("expected a number, got {s:?}"))
    }
}
