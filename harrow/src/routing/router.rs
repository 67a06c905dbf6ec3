//! The router: a matchit tree of path templates, each with its method table.
//!
//! Lookup order for one request: match the path (no match: the fallback,
//! or 404); pick the handler for the method; HEAD falls back to GET (the
//! server drops the body and keeps its length); OPTIONS without a handler
//! is answered 204 with `Allow`; any other method is 405 with `Allow`
//! listing exactly the methods the path answers.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::future::ready;
use std::sync::Arc;

use http::header::{ALLOW, HeaderValue};
use http::{Method, StatusCode};

use super::error::RouteError;
use super::route::{Origin, Route};
use super::template;
use crate::context::RequestContext;
use crate::extract::{ParamNames, PathParams};
use crate::handler::{BoxEndpoint, BoxFuture, Endpoint};
use crate::request::Request;
use crate::response::{IntoResponse, Response, plain};

/// All the handlers of one path template.
struct PathEntry {
    /// Shared: a metrics layer keeps it as the label of the route's series.
    template: std::rc::Rc<str>,
    methods: Vec<(Method, BoxEndpoint, Origin)>,
    allow: HeaderValue,
    /// The template's parameter names, as matchit reports them: taken from
    /// the first request that matches, then shared by every match's
    /// [`PathParams`].
    names: OnceCell<Arc<ParamNames>>,
}

impl PathEntry {
    fn find(&self, method: &Method) -> Option<&BoxEndpoint> {
        self.methods
            .iter()
            .find(|(m, _, _)| m == method)
            .map(|(_, ep, _)| ep)
    }
}

/// Routes by path, then by method.
pub(crate) struct Router {
    tree: matchit::Router<usize>,
    paths: Vec<PathEntry>,
    fallback: Option<BoxEndpoint>,
}

impl Router {
    /// Builds the router, adding to `errors` every duplicate method+path,
    /// every pair of templates that match the same requests and every
    /// malformed template; a route in error is left out and the rest checked.
    pub(crate) fn build(
        routes: Vec<Route>,
        fallback: Option<BoxEndpoint>,
        errors: &mut Vec<RouteError>,
    ) -> Router {
        let mut by_template: HashMap<String, usize> = HashMap::new();
        let mut paths: Vec<PathEntry> = Vec::new();
        let mut tree = matchit::Router::new();
        for route in routes {
            let origin = route.origin();
            if !route.path.starts_with('/') {
                errors.push(RouteError::InvalidPath {
                    path: route.path,
                    reason: "a path must start with `/`".into(),
                    origin: Box::new(origin),
                });
                continue;
            }
            if let Some(reason) = template::foreign_param(&route.path) {
                errors.push(RouteError::InvalidPath {
                    path: route.path,
                    reason,
                    origin: Box::new(origin),
                });
                continue;
            }
            if route.methods.is_empty() {
                errors.push(RouteError::NoMethods {
                    path: route.path,
                    origin: Box::new(origin),
                });
                continue;
            }
            let index = match by_template.get(&route.path) {
                Some(&i) => i,
                None => {
                    let i = paths.len();
                    if let Err(e) = tree.insert(route.path.clone(), i) {
                        errors.push(insert_error(e, &route.path, &paths, origin));
                        continue;
                    }
                    by_template.insert(route.path.clone(), i);
                    paths.push(PathEntry {
                        template: route.path.as_str().into(),
                        methods: Vec::new(),
                        allow: HeaderValue::from_static(""),
                        names: OnceCell::new(),
                    });
                    i
                }
            };
            let entry = &mut paths[index];
            for method in route.methods {
                if let Some((_, _, first)) = entry.methods.iter().find(|(m, _, _)| *m == method) {
                    errors.push(RouteError::Duplicate {
                        method,
                        path: route.path.clone(),
                        first: Box::new(first.clone()),
                        second: Box::new(origin.clone()),
                    });
                    continue;
                }
                entry
                    .methods
                    .push((method, route.endpoint.clone(), origin.clone()));
            }
        }
        for entry in &mut paths {
            entry.allow = allow_header(entry.methods.iter().map(|(m, _, _)| m));
        }
        Router {
            tree,
            paths,
            fallback,
        }
    }
}

fn insert_error(
    e: matchit::InsertError,
    path: &str,
    paths: &[PathEntry],
    second: Origin,
) -> RouteError {
    match e {
        matchit::InsertError::Conflict { with } => {
            let first = paths
                .iter()
                .find(|p| *p.template == *with)
                .and_then(|p| p.methods.first())
                .map(|(_, _, o)| o.clone())
                .unwrap_or_else(|| Origin {
                    handler: "another route".into(),
                    site: None,
                });
            RouteError::Conflict {
                path: path.to_owned(),
                with,
                first: Box::new(first),
                second: Box::new(second),
            }
        }
        other => RouteError::InvalidPath {
            path: path.to_owned(),
            reason: other.to_string(),
            origin: Box::new(second),
        },
    }
}

/// The methods a path answers, in a fixed order: what it registered, plus
/// HEAD when it has GET and OPTIONS, which are always answered.
fn allowed_methods<'a>(registered: impl Iterator<Item = &'a Method>) -> Vec<Method> {
    let mut methods: Vec<Method> = registered.cloned().collect();
    if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
        methods.push(Method::HEAD);
    }
    if !methods.contains(&Method::OPTIONS) {
        methods.push(Method::OPTIONS);
    }
    let rank = |m: &Method| match *m {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => 7,
    };
    methods.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.as_str().cmp(b.as_str()))
    });
    methods
}

fn allow_header<'a>(registered: impl Iterator<Item = &'a Method>) -> HeaderValue {
    let methods = allowed_methods(registered);
    let list: Vec<&str> = methods.iter().map(Method::as_str).collect();
    HeaderValue::from_str(&list.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn with_allow(mut res: Response, allow: &HeaderValue) -> Response {
    res.headers_mut().insert(ALLOW, allow.clone());
    res
}

fn now(res: Response) -> BoxFuture {
    Box::pin(ready(res))
}

impl Endpoint for Router {
    fn call(&self, req: Request, mut cx: RequestContext) -> BoxFuture {
        let (entry, params) = match self.tree.at(req.uri().path()) {
            Ok(found) => {
                let entry = &self.paths[*found.value];
                #[cfg(feature = "metrics")]
                cx.matched_route(&entry.template);
                if found.params.is_empty() {
                    (entry, None)
                } else {
                    let names = entry
                        .names
                        .get_or_init(|| Arc::new(ParamNames::of(&found.params)));
                    match PathParams::matched(names, req.uri().path_and_query(), &found.params) {
                        Ok(params) => (entry, Some(params)),
                        Err(rejection) => return now(rejection.into_response()),
                    }
                }
            }
            Err(_) => {
                return match &self.fallback {
                    Some(fallback) => fallback.call(req, cx),
                    None => now(plain(StatusCode::NOT_FOUND, "not found")),
                };
            }
        };
        let endpoint = match entry.find(req.method()) {
            Some(ep) => ep,
            None if req.method() == Method::HEAD => match entry.find(&Method::GET) {
                Some(ep) => ep,
                None => return now(method_not_allowed(&entry.allow)),
            },
            // RFC 8441: over HTTP/2 a WebSocket opens with a CONNECT whose
            // `:protocol` is `websocket`, where HTTP/1.1 uses a GET; the
            // GET route's handler answers both.
            None if is_websocket_connect(&req) => match entry.find(&Method::GET) {
                Some(ep) => ep,
                None => return now(method_not_allowed(&entry.allow)),
            },
            None if req.method() == Method::OPTIONS => {
                return now(with_allow(
                    StatusCode::NO_CONTENT.into_response(),
                    &entry.allow,
                ));
            }
            None => return now(method_not_allowed(&entry.allow)),
        };
        if let Some(params) = params {
            cx.set_path_params(params);
        }
        endpoint.call(req, cx)
    }
}

/// Whether `req` is an HTTP/2 extended CONNECT for a WebSocket.
fn is_websocket_connect(req: &Request) -> bool {
    req.method() == Method::CONNECT
        && harrow_server::upgrade::connect_protocol(req.extensions())
            .is_some_and(|p| p.eq_ignore_ascii_case("websocket"))
}

fn method_not_allowed(allow: &HeaderValue) -> Response {
    with_allow(
        plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        allow,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_registered_methods_plus_head_and_options_in_order() {
        let cases: &[(&[Method], &str)] = &[
            (&[Method::GET], "GET, HEAD, OPTIONS"),
            (&[Method::POST, Method::GET], "GET, HEAD, POST, OPTIONS"),
            (&[Method::DELETE], "DELETE, OPTIONS"),
            (&[Method::OPTIONS, Method::PUT], "PUT, OPTIONS"),
        ];
        for (methods, expected) in cases {
            assert_eq!(allow_header(methods.iter()), *expected, "{methods:?}");
        }
    }
}
