//! Testing: drive an [`App`] in-process with [`TestClient`], or start a real
//! server on `127.0.0.1:0` with [`spawn_server`].
//!
//! The test client needs no socket and no runtime from the user: each
//! `send()` runs the request to completion on a fresh single-threaded
//! runtime (`harrow_server::rt::block_on`), so timers work. It panics with a
//! readable message when the app's routes are invalid or a response cannot
//! be read, which is how a test fails.
//!
//! ```
//! use harrow::test::TestClient;
//! use harrow::{App, Json};
//!
//! async fn hello() -> &'static str { "hi" }
//! async fn echo(Json(v): Json<serde_json::Value>) -> Json<serde_json::Value> { Json(v) }
//!
//! let client = TestClient::new(App::new().get("/hello", hello).post("/echo", echo));
//!
//! let res = client.get("/hello").send();
//! assert_eq!(res.status(), 200);
//! assert_eq!(res.header("content-type"), Some("text/plain; charset=utf-8"));
//! assert_eq!(res.text(), "hi");
//!
//! let res = client.post("/echo").json(&serde_json::json!({"a": 1})).send();
//! assert_eq!(res.json::<serde_json::Value>()["a"], 1);
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use harrow_server::{Body, BoxError, CollectError, Config, ServerHandle, rt};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
#[cfg(feature = "json")]
use serde::de::DeserializeOwned;

use crate::app::{App, AppService};
use crate::routing::RouteErrors;
use crate::run::{StartError, start_with_config};

/// Sends requests to an [`App`] in-process, without a socket.
///
/// It applies the server's request body limit as the server does: a body
/// larger than [`Config::max_body_size`] (2 MiB by default, or what
/// [`TestClient::with_config`] was given) fails once read past the limit,
/// so the body extractors answer the same 413.
pub struct TestClient {
    service: AppService,
    max_body_size: u64,
}

impl TestClient {
    /// A client for `app`. Panics with the route error when the routes are
    /// invalid; use [`TestClient::try_new`] to test that error instead.
    pub fn new(app: App) -> Self {
        Self::with_config(app, Config::default())
    }

    /// A client for `app` with the settings of `config` that apply to one
    /// request in process (the request body limit, `max_body_size`).
    /// Panics with the route error when the routes are invalid.
    ///
    /// ```
    /// use harrow::test::TestClient;
    /// use harrow::{App, Bytes, Config};
    ///
    /// async fn len(body: Bytes) -> String { body.len().to_string() }
    ///
    /// let config = Config { max_body_size: 4, ..Config::default() };
    /// let client = TestClient::with_config(App::new().post("/len", len), config);
    /// assert_eq!(client.post("/len").body("1234").send().text(), "4");
    /// let res = client.post("/len").body("12345").send();
    /// assert_eq!(res.status(), 413);
    /// assert_eq!(res.text(), "request body is larger than the limit of 4 bytes");
    /// ```
    pub fn with_config(app: App, config: Config) -> Self {
        match Self::try_with_config(app, config) {
            Ok(client) => client,
            Err(e) => panic!("the app's routes are invalid: {e}"),
        }
    }

    /// A client for `app`, or the errors that stop its routes from building.
    pub fn try_new(app: App) -> Result<Self, RouteErrors> {
        Self::try_with_config(app, Config::default())
    }

    /// [`TestClient::with_config`], returning the route errors instead of
    /// panicking.
    pub fn try_with_config(app: App, config: Config) -> Result<Self, RouteErrors> {
        Ok(TestClient {
            service: app.into_service()?,
            max_body_size: config.max_body_size,
        })
    }

    /// A request with any method.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            uri: uri.to_owned(),
            headers: HeaderMap::new(),
            body: Body::empty(),
            remote: SocketAddr::from(([127, 0, 0, 1], 40000)),
            error: None,
        }
    }

    /// A GET request.
    pub fn get(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::GET, uri)
    }

    /// A POST request.
    pub fn post(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::POST, uri)
    }

    /// A PUT request.
    pub fn put(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PUT, uri)
    }

    /// A PATCH request.
    pub fn patch(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, uri)
    }

    /// A DELETE request.
    pub fn delete(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::DELETE, uri)
    }

    /// A HEAD request; the response body is dropped as the server drops it.
    pub fn head(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::HEAD, uri)
    }

    /// An OPTIONS request.
    pub fn options(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::OPTIONS, uri)
    }
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient").finish_non_exhaustive()
    }
}

/// A request being built; finish it with [`send`](TestRequest::send).
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Body,
    remote: SocketAddr,
    error: Option<String>,
}

impl TestRequest<'_> {
    /// Adds a header (appending to earlier values of the same name).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(e), _) => self.error = Some(format!("invalid header name: {e}")),
            (_, Err(e)) => self.error = Some(format!("invalid header value: {e}")),
        }
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    #[cfg(feature = "json")]
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => {
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                self.body = Body::from(bytes);
            }
            Err(e) => self.error = Some(format!("cannot serialize the JSON body: {e}")),
        }
        self
    }

    /// Sets a url-encoded form body and its Content-Type.
    pub fn form<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_urlencoded::to_string(value) {
            Ok(text) => {
                self.headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                self.body = Body::from(text);
            }
            Err(e) => self.error = Some(format!("cannot serialize the form body: {e}")),
        }
        self
    }

    /// The peer address handlers see (default `127.0.0.1:40000`).
    pub fn remote_addr(mut self, addr: SocketAddr) -> Self {
        self.remote = addr;
        self
    }

    /// Sends the request and waits for the whole response.
    pub fn send(self) -> TestResponse {
        rt::block_on(self.send_async())
    }

    /// Sends the request on the caller's runtime (inside `rt::block_on` or a
    /// server worker), for tests that need several requests in flight.
    pub async fn send_async(self) -> TestResponse {
        if let Some(error) = self.error {
            panic!("cannot build the test request: {error}");
        }
        let declared = self
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = limited(self.body, declared, self.client.max_body_size);
        let mut req = match http::Request::builder()
            .method(self.method.clone())
            .uri(self.uri.as_str())
            .body(body)
        {
            Ok(req) => req,
            Err(e) => panic!("cannot build the test request for {:?}: {e}", self.uri),
        };
        *req.headers_mut() = self.headers;
        if let Some(len) = req.body().exact_len()
            && len > 0
            && !req.headers().contains_key(CONTENT_LENGTH)
        {
            req.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        let conn = harrow_server::ConnInfo::new(self.remote);
        let res = self.client.service.handle(req, conn).await;
        let (parts, body) = res.into_parts();
        let mut headers = parts.headers;
        let bodiless = parts.status.is_informational()
            || parts.status == StatusCode::NO_CONTENT
            || parts.status == StatusCode::NOT_MODIFIED;
        if let Some(len) = body.exact_len()
            && !bodiless
        {
            headers
                .entry(CONTENT_LENGTH)
                .or_insert_with(|| HeaderValue::from(len));
        }
        let body = if self.method == Method::HEAD {
            Bytes::new()
        } else {
            match body.collect(usize::MAX).await {
                Ok(bytes) => bytes,
                Err(e) => panic!("cannot read the response body: {e}"),
            }
        };
        TestResponse {
            status: parts.status,
            headers,
            body,
        }
    }
}

/// The request body as the server hands it to the service: past `limit`
/// bytes it fails with [`CollectError::TooLarge`], at once when its length,
/// or the Content-Length `declared`, is over.
fn limited(body: Body, declared: Option<u64>, limit: u64) -> Body {
    let over = |n: Option<u64>| n.is_some_and(|n| n > limit);
    if over(declared) || over(body.exact_len()) {
        return Body::from_stream(Limited {
            body,
            limit,
            seen: u64::MAX,
            failed: false,
        });
    }
    if body.exact_len().is_some() {
        return body;
    }
    Body::from_stream(Limited {
        body,
        limit,
        seen: 0,
        failed: false,
    })
}

/// A body that fails once more than `limit` bytes have come through it.
struct Limited {
    body: Body,
    limit: u64,
    seen: u64,
    failed: bool,
}

impl Stream for Limited {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        if this.seen <= this.limit {
            let chunk = match this.body.poll_chunk(cx) {
                Poll::Ready(Some(Ok(chunk))) => chunk,
                other => return other,
            };
            this.seen += chunk.len() as u64;
            if this.seen <= this.limit {
                return Poll::Ready(Some(Ok(chunk)));
            }
        }
        this.failed = true;
        let limit = usize::try_from(this.limit).unwrap_or(usize::MAX);
        Poll::Ready(Some(Err(Box::new(CollectError::TooLarge { limit }))))
    }
}

/// A complete response, as the server would send it: Content-Length is set
/// for bodies of known length, and HEAD responses have no body.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of header `name`, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text; panics when it is not UTF-8.
    pub fn text(&self) -> &str {
        match std::str::from_utf8(&self.body) {
            Ok(text) => text,
            Err(e) => panic!("the response body is not UTF-8: {e}"),
        }
    }

    /// The body parsed as JSON into `T`; panics with the body when it does not fit.
    #[cfg(feature = "json")]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(e) => panic!(
                "the response body is not the expected JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            ),
        }
    }
}

/// A real server on `127.0.0.1` with an OS-chosen port, for socket tests.
/// Dropping it shuts the server down.
pub struct TestServer {
    handle: ServerHandle,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr())
            .finish()
    }
}

impl TestServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// Stops the server, draining requests in flight.
    pub fn shutdown(self) -> Result<(), harrow_server::Error> {
        self.handle.shutdown()
    }
}

/// Starts `make_app` on `127.0.0.1:0` with one worker, through
/// [`harrow::start`](crate::start). Panics with the reason when it cannot
/// start.
///
/// ```no_run
/// use harrow::App;
/// async fn hello() -> &'static str { "hi" }
///
/// let server = harrow::test::spawn_server(|| App::new().get("/", hello));
/// println!("try curl {}", server.url("/"));
/// ```
pub fn spawn_server<F>(make_app: F) -> TestServer
where
    F: Fn() -> App + Send + Sync + 'static,
{
    let config = Config {
        workers: Some(1),
        ..Config::default()
    };
    match spawn_server_with_config(make_app, config) {
        Ok(server) => server,
        Err(e) => panic!("cannot start the test server: {e}"),
    }
}

/// [`spawn_server`] with a configuration, returning the error instead of panicking.
pub fn spawn_server_with_config<F>(make_app: F, config: Config) -> Result<TestServer, StartError>
where
    F: Fn() -> App + Send + Sync + 'static,
{
    let handle = start_with_config(make_app, "127.0.0.1:0", config)?;
    Ok(TestServer { handle })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(body: Body) -> Result<Bytes, String> {
        rt::block_on(body.collect(usize::MAX)).map_err(|e| match e {
            CollectError::Stream(e) => e.to_string(),
            other => format!("not from the stream: {other}"),
        })
    }

    struct Chunks(Vec<&'static str>);

    impl Stream for Chunks {
        type Item = Result<&'static str, std::io::Error>;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready((!self.0.is_empty()).then(|| Ok(self.0.remove(0))))
        }
    }

    #[test]
    fn bodies_fail_past_the_limit_as_the_server_hands_them_over() {
        let too_large = "body is larger than 4 bytes".to_owned();
        assert_eq!(
            collect(limited(Body::from("1234"), None, 4)).unwrap(),
            "1234"
        );
        assert_eq!(
            collect(limited(Body::from("12345"), None, 4)),
            Err(too_large.clone())
        );
        assert_eq!(
            collect(limited(Body::from("12"), Some(1000), 4)),
            Err(too_large.clone()),
            "a declared length over the limit fails before any byte"
        );
        let stream = || Body::from_stream(Chunks(vec!["12", "34", "5"]));
        assert_eq!(collect(limited(stream(), None, 5)).unwrap(), "12345");
        assert_eq!(collect(limited(stream(), None, 4)), Err(too_large));
    }
}
