//! The request type handlers and middleware see.

use harrow_server::Body;

/// An HTTP request: `http::Request` over the server's [`Body`].
///
/// It is a plain type alias, so everything from the `http` crate works on
/// it and middleware can pass it along unchanged. What routing adds lives in
/// its extensions: the matched [`PathParams`](crate::extract::PathParams),
/// and the worker's application context that [`State`](crate::State) and the
/// body-size limit read. Take it whole as a handler argument (the last one)
/// to see everything.
///
/// ```
/// use harrow::{Body, Request};
/// let req: Request = harrow::http::Request::builder().uri("/hello").body(Body::empty()).unwrap();
/// assert_eq!(req.uri().path(), "/hello");
/// ```
pub type Request = http::Request<Body>;
