//! `Query<T>`: the query string, deserialized with serde.

use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::extract::FromRequestParts;
use crate::extract::rejection::QueryRejection;

/// The query string deserialized into `T` (url-encoded, via
/// `serde_urlencoded`). A missing query string reads as empty, so a struct
/// of `Option` fields always succeeds. Anything that does not fit is a 400.
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

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|e| QueryRejection {
                message: e.to_string(),
            })
    }
}
