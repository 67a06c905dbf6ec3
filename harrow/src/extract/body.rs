//! The body as `Bytes` or `String`, read up to the application's limit.

use bytes::Bytes;
use harrow_server::CollectError;
use http::header::CONTENT_LENGTH;
use http::request::Parts;

use crate::app::context::{AppContext, DEFAULT_BODY_LIMIT};
use crate::extract::FromRequest;
use crate::extract::rejection::{BytesRejection, StringRejection};
use crate::request::Request;

/// The request body limit in force for this request: what
/// [`App::body_limit`](crate::App::body_limit) set, 2 MiB by default.
pub fn body_limit(parts: &Parts) -> usize {
    parts
        .extensions
        .get::<AppContext>()
        .map_or(DEFAULT_BODY_LIMIT, |c| c.body_limit)
}

/// Reads the whole body. A declared Content-Length over the limit is refused
/// before reading anything; a stream that passes the limit is cut off there.
pub(crate) async fn read_body(req: Request) -> Result<Bytes, BytesRejection> {
    let (parts, body) = req.into_parts();
    let limit = body_limit(&parts);
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BytesRejection::TooLarge { limit });
    }
    body.collect(limit).await.map_err(|e| match e {
        CollectError::TooLarge { limit } => BytesRejection::TooLarge { limit },
        CollectError::TimedOut => BytesRejection::TimedOut,
        other => BytesRejection::Read {
            message: other.to_string(),
        },
    })
}

/// The raw body.
impl FromRequest for Bytes {
    type Rejection = BytesRejection;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        read_body(req).await
    }
}

/// The body as UTF-8 text; 400 when it is not UTF-8.
impl FromRequest for String {
    type Rejection = StringRejection;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req).await?;
        String::from_utf8(bytes.into()).map_err(|_| StringRejection::NotUtf8)
    }
}
