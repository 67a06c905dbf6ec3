//! Bodies returned as they are, including streams.
//!
//! Return a [`Body`] built with [`Body::from_stream`] to send a response
//! chunk by chunk; its length is unknown, so HTTP/1.1 sends it chunked. Give
//! it a Content-Type with a tuple:
//!
//! ```
//! use harrow::{Body, IntoResponse, StatusCode};
//! # fn stream() -> Body { Body::from("data: 1\n\n") }
//! let res = (StatusCode::OK, [("content-type", "text/event-stream")], stream()).into_response();
//! assert_eq!(res.headers()["content-type"], "text/event-stream");
//! ```

use harrow_server::Body;

use super::{IntoResponse, Response};

/// A body with status 200 and no Content-Type: say what it is with a tuple.
impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}
