//! The body as `Bytes` or `String`, read whole.
//!
//! The one body limit is the server's `Config::max_body_size`: a body
//! larger than it reaches the service as a stream that fails once past the
//! limit (at once when its Content-Length says so), and reading it here
//! turns that failure into one 413 rejection.

use bytes::Bytes;
use harrow_server::CollectError;

use crate::context::RequestContext;
use crate::extract::FromRequest;
use crate::extract::rejection::{BytesRejection, StringRejection};
use crate::request::Request;

/// Reads the whole body; a body over the server's limit is a 413.
pub(crate) async fn read_body(req: Request) -> Result<Bytes, BytesRejection> {
    let (_, body) = req.into_parts();
    body.collect(usize::MAX).await.map_err(rejection)
}

/// The rejection for a body that could not be read.
pub(crate) fn rejection(e: CollectError) -> BytesRejection {
    match e {
        CollectError::TooLarge { limit } => BytesRejection::TooLarge {
            limit: limit as u64,
        },
        CollectError::TimedOut => BytesRejection::TimedOut,
        // A body wrapped outside the server (the test client's) reports the
        // limit with the same error, from inside the stream.
        CollectError::Stream(e) => match e.downcast::<CollectError>() {
            Ok(inner) => rejection(*inner),
            Err(e) => BytesRejection::Read {
                message: e.to_string(),
            },
        },
        other => BytesRejection::Read {
            message: other.to_string(),
        },
    }
}

/// The raw body.
impl FromRequest for Bytes {
    type Rejection = BytesRejection;

    async fn from_request(req: Request, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
        read_body(req).await
    }
}

/// The body as UTF-8 text; 400 when it is not UTF-8.
impl FromRequest for String {
    type Rejection = StringRejection;

    async fn from_request(req: Request, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req).await?;
        String::from_utf8(bytes.into()).map_err(|_| StringRejection::NotUtf8)
    }
}
