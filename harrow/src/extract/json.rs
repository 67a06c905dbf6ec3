//! `Json<T>`: a JSON body (extractor) or a JSON response.

use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::extract::FromRequest;
use crate::extract::body::read_body;
use crate::extract::rejection::JsonRejection;
use crate::request::Request;

/// JSON in or out.
///
/// As an extractor (the last handler argument) it requires
/// `Content-Type: application/json` (or any `+json` type) — else 415 — and
/// reads the body up to the limit (else 413). Malformed JSON is a 400;
/// well-formed JSON that does not fit `T` is a 422 naming the problem.
/// As a response it serializes `T` with `Content-Type: application/json`.
///
/// ```
/// use harrow::{App, Json};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// struct Note { text: String }
///
/// async fn echo(Json(note): Json<Note>) -> Json<Note> {
///     Json(note)
/// }
/// let app = App::new().post("/notes", echo);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

/// Whether a Content-Type names JSON: `application/json`, `application/x+json`.
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((ty, subtype)) = essence.split_once('/') else {
        return false;
    };
    ty.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

impl<T: DeserializeOwned> FromRequest for Json<T> {
    type Rejection = JsonRejection;

    async fn from_request(req: Request, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(JsonRejection::UnsupportedMediaType);
        }
        let bytes = read_body(req).await.map_err(JsonRejection::Body)?;
        serde_json::from_slice(&bytes).map(Json).map_err(|e| {
            let message = e.to_string();
            match e.classify() {
                serde_json::error::Category::Data => JsonRejection::Data { message },
                _ => JsonRejection::Syntax { message },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types() {
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(is_json(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "application/+json",
            "json",
            "",
        ] {
            assert!(!is_json(no), "{no}");
        }
    }
}
