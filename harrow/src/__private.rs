//! The only paths the macros' output names. Not public API: nothing here is
//! covered by semver, and users never need to name it.
//!
//! Keeping every generated path behind this one door (serde's and
//! thiserror's `private` modules) means the macro crate can change without
//! touching user code, and user names never collide with generated ones.

use std::marker::PhantomData;
use std::str::FromStr;

pub use http::Method;
pub use http::request::Parts;
pub use inventory;
pub use std::time::Duration;

pub use crate::extract::RequiredState;
pub use crate::launch::{DEFAULT_ADDR, FactoryOutput, MainArgs, main};
pub use crate::routing::registry::Registered;
pub use crate::{Driver, Protocols, Request, Response, Route, Site};

use crate::Body;
use crate::extract::{FromRequest, FromRequestParts};
use crate::response::IntoResponse;

/// Implemented by the struct a route attribute declares under the
/// handler's name, so `routes![handler]` can ask it for its route.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route handler",
    label = "not annotated with a route attribute",
    note = "`routes![...]` lists functions annotated with `#[get(\"/path\")]`, `#[post(...)]`, `#[route(...)]`, …"
)]
pub trait HandlerRoute {
    /// The handler's route.
    fn route() -> Route;
}

/// The route a route attribute describes, with its site, its module and
/// the state types its arguments take.
pub fn route<H, T>(
    methods: &[Method],
    path: &'static str,
    handler: H,
    site: Site,
    module: &'static str,
    state: fn(&mut RequiredState),
) -> Route
where
    H: crate::Handler<T>,
    T: 'static,
{
    Route::with_methods(methods.iter().cloned(), path, handler)
        .with_site(site)
        .in_module(module)
        .requiring(state)
}

/// A handler argument's type, asked which state types it takes. The
/// generated code calls `(&&&Probe::<T>::new()).required_state(..)`: method
/// lookup tries [`StateViaParts`] first, then [`StateViaRequest`], then
/// [`StateOfNothing`], so a type that is no extractor at all adds nothing
/// here and is reported once, where it is extracted.
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// The probe for `T`.
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// The state a head extractor takes.
pub trait StateViaParts {
    /// Adds it.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T: FromRequestParts> StateViaParts for &&Probe<T> {
    fn required_state(&self, required: &mut RequiredState) {
        T::required_state(required);
    }
}

/// The state a body extractor takes.
pub trait StateViaRequest {
    /// Adds it.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T: FromRequest> StateViaRequest for &Probe<T> {
    fn required_state(&self, required: &mut RequiredState) {
        <T as FromRequest>::required_state(required);
    }
}

/// Nothing, for a type that is no extractor (already an error elsewhere).
pub trait StateOfNothing {
    /// Adds nothing.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T> StateOfNothing for Probe<T> {
    fn required_state(&self, _required: &mut RequiredState) {}
}

/// Splits a request into its head and body.
pub fn split(req: Request) -> (Parts, Body) {
    req.into_parts()
}

/// A path parameter's type: anything parsed with `FromStr`. This trait
/// exists for its error message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a path parameter",
    label = "no `FromStr` impl to parse it from the path",
    note = "a handler argument named like a `{{param}}` of the path is parsed with `FromStr` (`u64`, `String`, …); to take something else, rename the argument or use the `Path<T>` extractor"
)]
pub trait PathParam: FromStr {}

impl<T: FromStr> PathParam for T {}

/// The named path parameter, parsed; a 400 naming it otherwise.
// The error is the response itself, returned at once by the generated code.
#[allow(clippy::result_large_err)]
pub fn path_param<T: PathParam>(parts: &Parts, name: &'static str) -> Result<T, Response> {
    crate::extract::path_param::<T>(parts, name).map_err(IntoResponse::into_response)
}

/// Runs a head extractor; its rejection becomes the response.
pub async fn from_parts<T: FromRequestParts>(parts: &mut Parts) -> Result<T, Response> {
    T::from_request_parts(parts)
        .await
        .map_err(IntoResponse::into_response)
}

/// Runs the last extractor on the reassembled request.
pub async fn from_request<T, M>(parts: Parts, body: Body) -> Result<T, Response>
where
    T: FromRequest<M>,
{
    T::from_request(Request::from_parts(parts, body))
        .await
        .map_err(IntoResponse::into_response)
}

/// Turns the handler's output into the response.
pub fn respond<R: IntoResponse>(out: R) -> Response {
    out.into_response()
}

/// Lists annotated handlers' routes: `routes![hello, users::show]`.
///
/// Each name is a function annotated with a route attribute (which declares
/// a type of the same name that knows the route). The result is a
/// `Vec<Route>`, for [`App::routes`](crate::App::routes).
///
/// ```
/// use harrow::prelude::*;
///
/// #[get("/hello")]
/// async fn hello() -> &'static str {
///     "Hello, world!"
/// }
///
/// mod users {
///     use harrow::prelude::*;
///
///     #[get("/users/{id}")]
///     pub async fn show(id: u64) -> String {
///         format!("user {id}")
///     }
/// }
///
/// let app = App::new().routes(harrow::routes![hello, users::show]);
/// let paths: Vec<String> = app.route_table().iter().map(|r| r.path.clone()).collect();
/// assert_eq!(paths, ["/hello", "/users/{id}"]);
/// ```
#[macro_export]
macro_rules! routes {
    ($($handler:path),* $(,)?) => {
        ::std::vec::Vec::<$crate::Route>::from([
            $(<$handler as $crate::__private::HandlerRoute>::route()),*
        ])
    };
}

/// Whether this build of harrow serves HTTP/2 (its `http2` feature);
/// `#[harrow::main(http2 = true)]` checks it at compile time.
pub const HTTP2: bool = cfg!(feature = "http2");
