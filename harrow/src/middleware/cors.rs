//! CORS: answers preflight requests and marks responses to allowed origins.

use std::future::Future;
use std::time::Duration;

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderName,
    HeaderValue, ORIGIN, VARY,
};
use http::{Method, StatusCode};

use super::{Middleware, Next};
use crate::request::Request;
use crate::response::{IntoResponse, Response, plain};

/// Cross-origin resource sharing.
///
/// A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
/// is answered here, before routing: 204 with the allowed methods and
/// headers when the origin and method are allowed, 403 with a plain message
/// otherwise. Other requests from an allowed origin get
/// `Access-Control-Allow-Origin` (and `Vary: Origin`) on their response;
/// requests without `Origin` pass untouched. Add it with `App::layer` so
/// that it sees preflights to every path.
///
/// ```
/// use std::time::Duration;
/// use harrow::middleware::Cors;
/// use harrow::Method;
///
/// let cors = Cors::new()
///     .allow_origin("https://app.example.com")
///     .allow_methods([Method::GET, Method::POST])
///     .allow_headers(["content-type", "authorization"])
///     .max_age(Duration::from_secs(600));
/// let app = harrow::App::new().layer(cors);
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Option<Vec<HeaderValue>>,
    methods: Vec<Method>,
    headers: Option<Vec<HeaderName>>,
    expose: Vec<HeaderName>,
    credentials: bool,
    max_age: Option<Duration>,
}

impl Default for Cors {
    fn default() -> Self {
        Cors::new()
    }
}

impl Cors {
    /// Allows no origin yet; the methods GET, HEAD, POST, PUT, PATCH, DELETE;
    /// any request header; no credentials.
    pub fn new() -> Self {
        Cors {
            origins: Some(Vec::new()),
            methods: vec![
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ],
            headers: None,
            expose: Vec::new(),
            credentials: false,
            max_age: None,
        }
    }

    /// Allows any origin (`*`, or the request's origin when credentials are allowed).
    pub fn allow_any_origin(mut self) -> Self {
        self.origins = None;
        self
    }

    /// Allows one more origin, e.g. `https://app.example.com`. A value
    /// that is not a valid header value is ignored.
    pub fn allow_origin(mut self, origin: &str) -> Self {
        if let (Some(list), Ok(v)) = (&mut self.origins, HeaderValue::from_str(origin)) {
            list.push(v);
        }
        self
    }

    /// The methods a cross-origin request may use.
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The request headers a cross-origin request may send (default: any).
    /// Names that are not valid header names are ignored.
    pub fn allow_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Self {
        self.headers = Some(
            headers
                .into_iter()
                .filter_map(|h| HeaderName::try_from(h).ok())
                .collect(),
        );
        self
    }

    /// Response headers the browser may show to scripts.
    pub fn expose_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Self {
        self.expose = headers
            .into_iter()
            .filter_map(|h| HeaderName::try_from(h).ok())
            .collect();
        self
    }

    /// Allows cookies and credentials; the origin is then echoed, never `*`.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long browsers may cache a preflight answer.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        self.origins
            .as_ref()
            .is_none_or(|list| list.contains(origin))
    }

    /// The `Access-Control-Allow-Origin` (and credentials, `Vary`) headers.
    fn origin_headers(&self, origin: &HeaderValue, headers: &mut HeaderMap) {
        let value = if self.origins.is_none() && !self.credentials {
            HeaderValue::from_static("*")
        } else {
            origin.clone()
        };
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if self.credentials {
            headers.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        headers.append(VARY, HeaderValue::from_static("origin"));
    }

    fn preflight(&self, origin: &HeaderValue, req: &Request) -> Response {
        if !self.origin_allowed(origin) {
            return plain(StatusCode::FORBIDDEN, "CORS: origin not allowed");
        }
        let requested = req
            .headers()
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| Method::from_bytes(v.as_bytes()).ok());
        if !requested.is_some_and(|m| self.methods.contains(&m)) {
            return plain(StatusCode::FORBIDDEN, "CORS: method not allowed");
        }
        let asked_headers = req.headers().get(ACCESS_CONTROL_REQUEST_HEADERS);
        let allow_headers = match (&self.headers, asked_headers) {
            (None, asked) => asked.cloned(),
            (Some(list), asked) => {
                let permitted = asked.and_then(|v| v.to_str().ok()).is_none_or(|asked| {
                    asked
                        .split(',')
                        .map(str::trim)
                        .filter(|h| !h.is_empty())
                        .all(|h| list.iter().any(|l| l.as_str().eq_ignore_ascii_case(h)))
                });
                if !permitted {
                    return plain(StatusCode::FORBIDDEN, "CORS: header not allowed");
                }
                let names: Vec<&str> = list.iter().map(HeaderName::as_str).collect();
                HeaderValue::from_str(&names.join(", ")).ok()
            }
        };
        let mut res = StatusCode::NO_CONTENT.into_response();
        let headers = res.headers_mut();
        self.origin_headers(origin, headers);
        let methods: Vec<&str> = self.methods.iter().map(Method::as_str).collect();
        if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        if let Some(v) = allow_headers {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        if let Some(age) = self.max_age {
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age.as_secs()));
        }
        headers.append(
            VARY,
            HeaderValue::from_static(
                "access-control-request-method, access-control-request-headers",
            ),
        );
        res
    }
}

impl Middleware for Cors {
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> {
        let origin = req.headers().get(ORIGIN).cloned();
        let preflight = req.method() == Method::OPTIONS
            && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
        let answer = match &origin {
            Some(origin) if preflight => Some(self.preflight(origin, &req)),
            _ => None,
        };
        let decorate = origin.filter(|o| self.origin_allowed(o));
        async move {
            if let Some(res) = answer {
                return res;
            }
            let mut res = next.run(req).await;
            if let Some(origin) = decorate {
                self.origin_headers(&origin, res.headers_mut());
                if !self.expose.is_empty() {
                    let names: Vec<&str> = self.expose.iter().map(HeaderName::as_str).collect();
                    if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
                        res.headers_mut().insert(ACCESS_CONTROL_EXPOSE_HEADERS, v);
                    }
                }
            }
            res
        }
    }
}
