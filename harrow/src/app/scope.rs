//! `Scope`: a group of routes under a path prefix, with its own middleware.

use http::Method;

use super::placement;
use crate::handler::Handler;
use crate::middleware::{Middleware, SharedMiddleware};
use crate::routing::{Route, RouteError};

/// A route and the scope middleware around it, innermost first.
pub(crate) struct ScopedRoute {
    pub(crate) route: Route,
    pub(crate) layers: Vec<SharedMiddleware>,
}

impl ScopedRoute {
    /// A route with no scope middleware yet.
    pub(crate) fn bare(route: Route) -> Self {
        ScopedRoute {
            route,
            layers: Vec::new(),
        }
    }
}

/// Generates `get`, `post`, ... for a builder that has `route`.
macro_rules! method_shortcuts {
    () => {
        /// Adds a GET route (HEAD is answered by it too).
        pub fn get<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::GET, path, handler))
        }

        /// Adds a POST route.
        pub fn post<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::POST, path, handler))
        }

        /// Adds a PUT route.
        pub fn put<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::PUT, path, handler))
        }

        /// Adds a DELETE route.
        pub fn delete<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::DELETE, path, handler))
        }

        /// Adds a PATCH route.
        pub fn patch<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::PATCH, path, handler))
        }

        /// Adds a HEAD route, answering HEAD instead of the GET route.
        pub fn head<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::HEAD, path, handler))
        }

        /// Adds an OPTIONS route, answering instead of the automatic `Allow` reply.
        pub fn options<H: Handler<T>, T: 'static>(self, path: &str, handler: H) -> Self {
            self.route(Route::new(Method::OPTIONS, path, handler))
        }

        /// Adds every route of `routes`, e.g. from `routes![...]`.
        pub fn routes(mut self, routes: impl IntoIterator<Item = Route>) -> Self {
            for route in routes {
                self = self.route(route);
            }
            self
        }
    };
}

pub(crate) use method_shortcuts;

/// Routes grouped under a prefix, with middleware that wraps only them.
/// Mount it with [`App::nest`](crate::App::nest) or [`Scope::nest`].
///
/// ```
/// use harrow::{App, Scope};
/// use harrow::middleware::Timeout;
/// use std::time::Duration;
///
/// async fn list() -> &'static str { "[]" }
/// async fn root() -> &'static str { "api root" }
///
/// let api = Scope::new()
///     .get("/", root)                 // serves /api
///     .get("/users", list)            // serves /api/users
///     .layer(Timeout::new(Duration::from_secs(2)));
/// let app = App::new().nest("/api", api);
/// # let _ = app;
/// ```
#[derive(Default)]
pub struct Scope {
    pub(crate) routes: Vec<ScopedRoute>,
    pub(crate) layers: Vec<SharedMiddleware>,
    pub(crate) errors: Vec<RouteError>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Scope::default()
    }

    /// Every annotated handler defined in `module` or in a module below it,
    /// as a scope: mount it with a prefix and give it middleware, as any
    /// other. Pass `module_path!()` from inside the module, as in
    /// `Scope::module(module_path!())`. The handlers it takes are placed, so
    /// [`App::auto_routes`](crate::App::auto_routes) and `#[harrow::main]`
    /// do not serve them a second time at their bare paths.
    ///
    /// A module with no annotated handler is an error when the app starts
    /// (most likely a misspelt path).
    ///
    /// ```standalone_crate
    /// use harrow::prelude::*;
    /// use harrow::test::TestClient;
    ///
    /// mod admin {
    ///     use harrow::prelude::*;
    ///     use harrow::middleware::{from_fn, Next};
    ///
    ///     #[get("/stats")]
    ///     async fn stats() -> &'static str { "secret stats" }
    ///
    ///     async fn require_token(req: Request, next: Next) -> Response {
    ///         match req.headers().get("x-token") {
    ///             Some(token) if token == "s3cret" => next.run(req).await,
    ///             _ => StatusCode::UNAUTHORIZED.into_response(),
    ///         }
    ///     }
    ///
    ///     /// Every handler of this module, behind the token check.
    ///     pub fn scope() -> Scope {
    ///         Scope::module(module_path!()).layer(from_fn(require_token))
    ///     }
    /// }
    ///
    /// let app = App::new().nest("/admin", admin::scope()).auto_routes();
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/admin/stats").send().status(), 401);
    /// let res = client.get("/admin/stats").header("x-token", "s3cret").send();
    /// assert_eq!(res.text(), "secret stats");
    /// assert_eq!(client.get("/stats").send().status(), 404);
    /// ```
    pub fn module(module: &str) -> Scope {
        let routes = placement::in_module(module);
        let mut scope = Scope::new();
        if routes.is_empty() {
            scope.errors.push(RouteError::EmptyModule {
                module: module.to_owned(),
            });
        }
        scope.routes(routes)
    }

    /// Adds a route; its path is relative to the prefix the scope is mounted at.
    pub fn route(mut self, route: Route) -> Self {
        self.routes.push(ScopedRoute::bare(route));
        self
    }

    method_shortcuts!();

    /// Wraps every route of this scope (added before or after) in `middleware`.
    /// The layer added last runs first.
    pub fn layer(mut self, middleware: impl Middleware) -> Self {
        self.layers.push(std::rc::Rc::new(middleware));
        self
    }

    /// Mounts `scope` under `prefix` inside this scope.
    pub fn nest(mut self, prefix: &str, scope: Scope) -> Self {
        let (routes, errors) = mount(prefix, scope);
        self.routes.extend(routes);
        self.errors.extend(errors);
        self
    }
}

/// Prefixes a scope's routes and puts its middleware around them.
pub(crate) fn mount(prefix: &str, scope: Scope) -> (Vec<ScopedRoute>, Vec<RouteError>) {
    let mut errors = scope.errors;
    // A prefix without its `/` is reported once, here; the routes are
    // joined as if it had one, so they are not reported again for it.
    let prefix = match prefix.strip_prefix('/') {
        Some(_) => prefix.to_owned(),
        None => {
            errors.push(RouteError::InvalidPrefix {
                prefix: prefix.to_owned(),
                reason: "a prefix must start with `/`".into(),
            });
            format!("/{prefix}")
        }
    };
    let prefix = prefix.trim_end_matches('/');
    let mut routes = Vec::with_capacity(scope.routes.len());
    for mut scoped in scope.routes {
        let mut path = scoped.route.path.clone();
        if !path.starts_with('/') {
            errors.push(RouteError::InvalidPath {
                path: path.clone(),
                reason: "a path must start with `/`".into(),
                origin: Box::new(scoped.route.origin()),
            });
            // Reported once: joined as if it had its `/`.
            path.insert(0, '/');
        }
        scoped.route.path = match (prefix, path.as_str()) {
            ("", _) => path,
            (prefix, "/") => prefix.to_owned(),
            (prefix, path) => format!("{prefix}{path}"),
        };
        scoped.layers.extend(scope.layers.iter().cloned());
        routes.push(scoped);
    }
    (routes, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn h() {}

    #[test]
    fn mount_joins_prefix_and_paths() {
        let scope = Scope::new().get("/", h).get("/a/{id}", h);
        let (routes, errors) = mount("/api/", scope);
        assert!(errors.is_empty());
        let paths: Vec<&str> = routes.iter().map(|r| r.route.path()).collect();
        assert_eq!(paths, ["/api", "/api/a/{id}"]);
    }

    #[test]
    fn mount_rejects_a_prefix_without_slash() {
        let (_, errors) = mount("api", Scope::new().get("/x", h));
        assert!(matches!(errors[0], RouteError::InvalidPrefix { .. }));
        assert!(errors[0].to_string().contains("`api`"));
    }
}
