//! The request context: what a request carries besides its `http` parts,
//! handed explicitly to every extractor and middleware.
//!
//! It holds the application's state, what the server knows of the
//! connection the request came on (the peer's address, later TLS details),
//! and the matched path parameters. Nothing of it travels through a
//! thread-local or the request's extensions: a future moved elsewhere, a
//! task spawned from a handler or a body read later sees the same values.

use std::net::SocketAddr;
use std::rc::Rc;

use harrow_server::ConnInfo;
use http::request::Parts;

use crate::app::state_map::StateMap;
use crate::extract::{FromRequestParts, PathParams};

/// The context of one request: the application's state, the connection it
/// came on, and the path parameters its route matched.
///
/// Extractors receive it (see [`FromRequestParts`]), middleware reads it
/// from [`Next::context`](crate::middleware::Next::context), and a handler
/// can take it whole as an argument. It is cheap to clone (a reference
/// count and a few words), and, like the state in it, is not `Send`: it
/// belongs to the worker that serves the request.
///
/// ```
/// use harrow::{App, RequestContext};
/// use std::rc::Rc;
///
/// async fn about(cx: RequestContext) -> String {
///     let site = cx.state::<Rc<str>>().unwrap_or_else(|| Rc::from("?"));
///     format!("{site}, asked from {}", cx.remote_addr())
/// }
/// let app = App::new().state::<Rc<str>>(Rc::from("example.com")).get("/about", about);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct RequestContext {
    app: Rc<StateMap>,
    conn: ConnInfo,
    params: PathParams,
    /// Where the router says which route it matched, when a metrics layer
    /// asked to know.
    #[cfg(feature = "metrics")]
    route: Option<Rc<crate::metrics::RouteSlot>>,
}

impl RequestContext {
    /// The context of a request on `conn` to an app with `state`.
    pub(crate) fn new(app: Rc<StateMap>, conn: ConnInfo) -> Self {
        RequestContext {
            app,
            conn,
            params: PathParams::default(),
            #[cfg(feature = "metrics")]
            route: None,
        }
    }

    /// A clone of the application's state value of type `T` (given to
    /// [`App::state`](crate::App::state)), when there is one.
    pub fn state<T: Clone + 'static>(&self) -> Option<T> {
        self.app.get::<T>().cloned()
    }

    /// The application's state value of type `T`, borrowed.
    pub fn state_ref<T: 'static>(&self) -> Option<&T> {
        self.app.get::<T>()
    }

    /// What the server knows of the connection the request came on.
    pub fn conn(&self) -> &ConnInfo {
        &self.conn
    }

    /// The address of the client (behind a proxy, the proxy's).
    pub fn remote_addr(&self) -> SocketAddr {
        self.conn.remote()
    }

    /// The parameters the request's route matched, in template order;
    /// empty before routing and for routes without any.
    pub fn path_params(&self) -> &PathParams {
        &self.params
    }

    /// Records the parameters the route matched.
    pub(crate) fn set_path_params(&mut self, params: PathParams) {
        self.params = params;
    }

    /// The statistics of the server this request came through (every
    /// worker's connections and bytes), to report them; `None` without a
    /// server, in the in-process [`TestClient`](crate::test::TestClient).
    #[cfg(feature = "metrics")]
    pub fn server_stats(&self) -> Option<&harrow_server::ServerStats> {
        self.app.get::<crate::metrics::ServerSlot>()?.get()
    }

    /// The slot the router will leave the matched route's template in:
    /// the one already asked for if another layer did, else `make`'s.
    #[cfg(feature = "metrics")]
    pub(crate) fn watch_route(
        &mut self,
        make: impl FnOnce() -> Rc<crate::metrics::RouteSlot>,
    ) -> Rc<crate::metrics::RouteSlot> {
        self.route.get_or_insert_with(make).clone()
    }

    /// Tells the layers watching that the route with this template matched.
    #[cfg(feature = "metrics")]
    pub(crate) fn matched_route(&self, template: &Rc<str>) {
        if let Some(slot) = &self.route {
            slot.set(template);
        }
    }
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("conn", &self.conn)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// The context itself, as a handler argument.
impl FromRequestParts for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(cx.clone())
    }
}
