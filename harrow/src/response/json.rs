//! `Json<T>` as a response: serialized with serde_json, `application/json`.

use http::StatusCode;
use serde::Serialize;

use super::{IntoResponse, Response, plain, with_content_type};
use crate::extract::Json;

/// Serializes the value; a value that cannot be serialized (a map with
/// non-string keys, a failing `Serialize` impl) is a 500.
impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => with_content_type(bytes, "application/json"),
            Err(e) => {
                tracing::error!("failed to serialize a JSON response: {e}");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "failed to serialize the JSON response",
                )
            }
        }
    }
}
