//! Headers given beside a body, as in `(StatusCode::CREATED, [("location", "/x")], body)`.

use std::fmt;

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

use super::{IntoResponse, Response, plain};

/// Headers that can be added to a response: a [`HeaderMap`], or an array or
/// `Vec` of `(name, value)` pairs whose parts convert into a header name and
/// value (`&'static str`, `String`, `HeaderName`, `HeaderValue`).
///
/// A name or value that is not valid in HTTP makes the whole response a 500
/// with a plain message saying which header was wrong.
pub trait IntoResponseHeaders {
    /// Adds the headers to `headers`, replacing earlier values of the same name.
    fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader>;
}

/// A header name or value given to a response was not valid HTTP.
#[derive(Debug, Clone)]
pub struct InvalidHeader {
    what: String,
}

impl InvalidHeader {
    /// An invalid header, with what was wrong.
    #[cfg_attr(not(feature = "cookies"), allow(dead_code))]
    pub(crate) fn new(what: impl Into<String>) -> Self {
        InvalidHeader { what: what.into() }
    }
}

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid response header: {}", self.what)
    }
}

impl std::error::Error for InvalidHeader {}

impl IntoResponse for InvalidHeader {
    fn into_response(self) -> Response {
        tracing::error!("{self}");
        plain(StatusCode::INTERNAL_SERVER_ERROR, self.to_string())
    }
}

impl IntoResponseHeaders for HeaderMap {
    fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
        let mut last = None;
        for (name, value) in self {
            if let Some(name) = name {
                headers.remove(&name);
                last = Some(name);
            }
            if let Some(name) = &last {
                headers.append(name.clone(), value);
            }
        }
        Ok(())
    }
}

fn insert_pairs<K, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
    headers: &mut HeaderMap,
) -> Result<(), InvalidHeader>
where
    K: TryInto<HeaderName>,
    K::Error: fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: fmt::Display,
{
    for (k, v) in pairs {
        let name = k.try_into().map_err(|e| InvalidHeader {
            what: format!("bad name: {e}"),
        })?;
        let value = v.try_into().map_err(|e| InvalidHeader {
            what: format!("bad value for `{name}`: {e}"),
        })?;
        headers.insert(name, value);
    }
    Ok(())
}

impl<K, V, const N: usize> IntoResponseHeaders for [(K, V); N]
where
    K: TryInto<HeaderName>,
    K::Error: fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: fmt::Display,
{
    fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
        insert_pairs(self, headers)
    }
}

impl<K, V> IntoResponseHeaders for Vec<(K, V)>
where
    K: TryInto<HeaderName>,
    K::Error: fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: fmt::Display,
{
    fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
        insert_pairs(self, headers)
    }
}
