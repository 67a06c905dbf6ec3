//! `Query<T>`: the query string, deserialized with serde.

use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::extract::rejection::QueryRejection;
use crate::extract::{FromRequestParts, urlencoded};

/// The query string deserialized into `T` (url-encoded, read as
/// `serde_urlencoded` reads it). A missing query string reads as empty, so a
/// struct of `Option` fields always succeeds. Anything that does not fit is
/// a 400 naming the field, as in
/// ``invalid query string: field `limit`: invalid digit found in string``.
///
/// ```
/// use harrow::{App, Query};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Page { page: Option<u32>, q: String }
///
/// async fn search(Query(p): Query<Page>) -> String {
///     format!("{} page {}", p.q, p.page.unwrap_or(1))
/// }
/// let app = App::new().get("/search", search);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    type Rejection = QueryRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        urlencoded::from_bytes(query.as_bytes())
            .map(Query)
            .map_err(|e| QueryRejection {
                message: e.to_string(),
            })
    }
}
