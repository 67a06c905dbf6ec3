//! `App`: the builder that collects routes, state, middleware and settings,
//! and turns into the per-worker [`AppService`].

mod placement;
mod scope;
mod service;
pub(crate) mod state_map;

use std::rc::Rc;

use http::Method;

use crate::extract::RequiredState;
use crate::handler::{BoxEndpoint, Handler, endpoint};
use crate::middleware::{Middleware, SharedMiddleware, wrap};
use crate::routing::router::Router;
use crate::routing::{Origin, Route, RouteError, RouteErrors, RouteInfo, RouteTable};
use scope::{ScopedRoute, method_shortcuts};
use state_map::StateMap;

pub use scope::Scope;
pub use service::AppService;

/// A web application: routes, per-worker state, middleware and settings.
///
/// Build one in an app factory (`Fn() -> App`) that the server calls once
/// per worker thread, so each worker owns its routes and state: `Rc` and
/// `RefCell` are fine inside. Nothing is checked while building; routes are
/// validated when the app becomes a service ([`App::into_service`]), which
/// `harrow::run`, `start`, `serve` and the test client do before serving,
/// returning every [`RouteError`] found, each naming the handlers at fault.
///
/// ```
/// use std::rc::Rc;
/// use harrow::{App, Path, Scope, State};
/// use harrow::middleware::SetRequestId;
///
/// async fn hello() -> &'static str { "Hello, world!" }
/// async fn user(Path(id): Path<u64>, State(site): State<Rc<str>>) -> String {
///     format!("user {id} of {site}")
/// }
///
/// fn app() -> App {
///     App::new()
///         .state::<Rc<str>>(Rc::from("example.com"))
///         .get("/hello", hello)
///         .nest("/api", Scope::new().get("/users/{id}", user))
///         .layer(SetRequestId::new())
/// }
/// assert!(app().into_service().is_ok());
/// ```
pub struct App {
    /// The routes and the scopes nested in it: a scope mounted at the root,
    /// whose own layers stay empty (the app's wrap the router instead).
    root: Scope,
    states: StateMap,
    layers: Vec<SharedMiddleware>,
    fallback: Option<Fallback>,
    catch_panics: bool,
    auto_routes: bool,
    /// The OpenAPI document to build and serve when the app starts
    /// ([`App::openapi`], in `crate::openapi`).
    #[cfg(feature = "openapi")]
    pub(crate) openapi: Option<crate::openapi::OpenApi>,
}

/// The fallback handler, with what the start-up check needs to know of it.
struct Fallback {
    endpoint: BoxEndpoint,
    name: &'static str,
    required: RequiredState,
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An application with no routes: every request is a 404.
    pub fn new() -> Self {
        App {
            root: Scope::new(),
            states: StateMap::default(),
            layers: Vec::new(),
            fallback: None,
            catch_panics: true,
            auto_routes: false,
            #[cfg(feature = "openapi")]
            openapi: None,
        }
    }

    /// Adds a route.
    pub fn route(mut self, route: Route) -> Self {
        self.root = self.root.route(route);
        self
    }

    method_shortcuts!();

    /// Mounts the routes of `scope` under `prefix` (e.g. `/api`), with the
    /// scope's middleware around them only.
    pub fn nest(mut self, prefix: &str, scope: Scope) -> Self {
        self.root = self.root.nest(prefix, scope);
        self
    }

    /// Also serves every annotated handler linked into the program that this
    /// app does not place itself (with `routes![...]`, [`Scope::module`] or
    /// [`registered_routes`](crate::registered_routes)), at the path its
    /// attribute names. This is the automatic route table that
    /// `#[harrow::main]` adds; a hand-written `main` asks for it here.
    ///
    /// The table is completed when the app is checked, so the order of the
    /// calls does not matter: a handler mounted in a scope (behind that
    /// scope's middleware) is never also served at its bare path.
    ///
    /// ```standalone_crate
    /// use harrow::prelude::*;
    /// use harrow::test::TestClient;
    ///
    /// #[get("/stats")]
    /// async fn stats() -> &'static str { "3 books" }
    ///
    /// #[get("/hello")]
    /// async fn hello() -> &'static str { "hi" }
    ///
    /// let app = App::new()
    ///     .auto_routes()
    ///     .nest("/admin", Scope::new().routes(routes![stats]));
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/hello").send().text(), "hi");
    /// assert_eq!(client.get("/admin/stats").send().text(), "3 books");
    /// assert_eq!(client.get("/stats").send().status(), 404);
    /// ```
    pub fn auto_routes(mut self) -> Self {
        self.auto_routes = true;
        self
    }

    /// Adds a state value, taken by handlers with [`State<T>`](crate::State).
    /// One value per type; a second value of the same type replaces the first.
    pub fn state<T: Clone + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// Wraps the whole application in `middleware`: every request passes
    /// through it, including those answered 404 or 405. The layer added last
    /// runs first.
    pub fn layer(mut self, middleware: impl Middleware) -> Self {
        self.layers.push(Rc::new(middleware));
        self
    }

    /// Answers requests whose path matches no route (instead of a plain 404).
    pub fn fallback<H: Handler<T>, T: 'static>(mut self, handler: H) -> Self {
        let mut required = RequiredState::default();
        H::required_state(&mut required);
        self.fallback = Some(Fallback {
            endpoint: endpoint(handler),
            name: std::any::type_name::<H>(),
            required,
        });
        self
    }

    /// Whether a panicking handler or middleware becomes a 500 (the default)
    /// rather than unwinding into the server. See
    /// [`CatchPanic`](crate::middleware::CatchPanic).
    pub fn catch_panics(mut self, enabled: bool) -> Self {
        self.catch_panics = enabled;
        self
    }

    /// The routes added so far, sorted by path, for listing; with
    /// [`App::auto_routes`], the automatic table's too.
    pub fn route_table(&self) -> RouteTable {
        let auto = self.auto_added();
        let routes = self.root.routes.iter().map(|r| &r.route).chain(&auto);
        RouteTable::new(routes.map(RouteInfo::of).collect())
    }

    /// Runs `f` on every route of the app, scope prefixes included, the
    /// automatic table's too: what its OpenAPI document describes.
    #[cfg(feature = "openapi")]
    pub(crate) fn with_routes<R>(&self, f: impl FnOnce(&[&Route]) -> R) -> R {
        let auto = self.auto_added();
        let routes: Vec<&Route> = self
            .root
            .routes
            .iter()
            .map(|r| &r.route)
            .chain(&auto)
            .collect();
        f(&routes)
    }

    /// The automatic table's routes, when asked for: the registered ones
    /// this app does not place.
    fn auto_added(&self) -> Vec<Route> {
        if self.auto_routes {
            placement::unplaced(&self.root.routes)
        } else {
            Vec::new()
        }
    }

    /// Validates the routes and builds the service that answers requests.
    ///
    /// Fails on a duplicate method and path (naming both handlers and
    /// their sites), on templates that match the same requests, on an
    /// annotated handler placed twice, on a handler taking a `State<T>`
    /// whose type was never given to [`App::state`], and on malformed paths
    /// or prefixes, reporting every such error at once.
    /// Call it on the thread that will serve: the service is not `Send`.
    pub fn into_service(self) -> Result<AppService, RouteErrors> {
        let auto = self.auto_added();
        let mut errors = self.root.errors;
        let mut placed = self.root.routes;
        placed.extend(auto.into_iter().map(ScopedRoute::bare));
        #[cfg_attr(not(feature = "openapi"), allow(unused_mut))]
        let mut placed = placement::once_each(placed, &mut errors);
        #[cfg(feature = "openapi")]
        if let Some(api) = &self.openapi {
            let routes: Vec<&Route> = placed.iter().map(|s| &s.route).collect();
            let served = crate::openapi::routes(api, &routes, &mut errors);
            placed.extend(served.into_iter().map(ScopedRoute::bare));
        }
        let mut needs: Vec<(Origin, &RequiredState)> = placed
            .iter()
            .map(|scoped| (scoped.route.origin(), &scoped.route.required))
            .collect();
        if let Some(fallback) = &self.fallback {
            let origin = Origin {
                handler: fallback.name.to_owned(),
                site: None,
            };
            needs.push((origin, &fallback.required));
        }
        for (origin, required) in needs {
            for type_name in required.missing(|id| self.states.contains(id)) {
                errors.push(RouteError::MissingState {
                    type_name,
                    origin: Box::new(origin.clone()),
                });
            }
        }
        let routes = placed
            .into_iter()
            .map(|scoped| {
                let mut route = scoped.route;
                route.endpoint = wrap(route.endpoint, &scoped.layers);
                route
            })
            .collect();
        let fallback = self.fallback.map(|f| f.endpoint);
        let router: BoxEndpoint = Rc::new(Router::build(routes, fallback, &mut errors));
        if let Some(errors) = RouteErrors::new(errors) {
            return Err(errors);
        }
        let chain = wrap(router, &self.layers);
        Ok(AppService::new(chain, self.states, self.catch_panics))
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.route_table())
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}
