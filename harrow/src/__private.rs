//! The only paths the macros' output names. Not public API: nothing here is
//! covered by semver, and users never need to name it.
//!
//! Keeping every generated path behind this one door (serde's and
//! thiserror's `private` modules) means the macro crate can change without
//! touching user code, and user names never collide with generated ones.

use std::future::Future;
use std::marker::PhantomData;

pub use http::Method;
pub use http::request::Parts;
pub use inventory;
pub use std::time::Duration;

pub use crate::extract::{FromRequest, FromRequestParts, PathParam, RequiredState};
pub use crate::launch::{DEFAULT_ADDR, MainArgs, main};
pub use crate::response::IntoResponse;
pub use crate::response::future::ResponseFuture;
pub use crate::routing::registry::Registered;
pub use crate::{App, Driver, Protocols, Request, RequestContext, Response, Route, Site};

use crate::StatusCode;

/// The route attributes hand each route's description for the OpenAPI
/// document to this macro: kept with the `openapi` feature, dropped
/// unexpanded without it, so the default build compiles none of it.
pub use crate::__harrow_describe as describe;

/// What the generated describers name.
#[cfg(feature = "openapi")]
pub mod openapi {
    pub use crate::openapi::private::{
        Described, Describing, InputDescribed, InputUndescribed, OutputDescribed,
        OutputUndescribed, ParamDescribed, ParamUndescribed, Probe, example,
    };
}

#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __harrow_describe {
    ($($description:tt)*) => { $($description)* };
}

#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __harrow_describe {
    ($($description:tt)*) => {};
}

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

/// The handler a route attribute generates: an async fn of the request and
/// its context, which extracts the arguments and calls the annotated
/// function.
#[derive(Clone, Copy)]
pub struct Generated<F>(pub F);

/// The `Handler` marker of [`Generated`].
#[derive(Debug)]
pub enum ViaGenerated {}

impl<F, Fut> crate::Handler<ViaGenerated> for Generated<F>
where
    F: Fn(Request, RequestContext) -> Fut + Clone + 'static,
    Fut: Future<Output = Response> + 'static,
{
    fn call(self, req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static {
        (self.0)(req, cx)
    }
}

/// A head extractor of type `T`, for the generated handler wrapper:
/// `(&&Extract::<T>::new()).extract(&mut parts).await`. Method lookup takes
/// [`ExtractParts`] when `T` is one, else [`ExtractNothing`], so this
/// compiles for any type: a type that is no extractor is reported once,
/// where the generated code names `FromRequestParts` at its type.
pub struct Extract<T>(PhantomData<fn() -> T>);

impl<T> Extract<T> {
    /// The extraction of a `T`.
    pub fn new() -> Self {
        Extract(PhantomData)
    }
}

impl<T> Default for Extract<T> {
    fn default() -> Self {
        Extract::new()
    }
}

/// The extraction of a head extractor.
pub trait ExtractParts<T> {
    /// Runs it; its rejection becomes the response.
    fn extract(
        &self,
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<T, Response>>;
}

impl<T: FromRequestParts> ExtractParts<T> for &Extract<T> {
    async fn extract(&self, parts: &mut Parts, cx: &RequestContext) -> Result<T, Response> {
        T::from_request_parts(parts, cx)
            .await
            .map_err(IntoResponse::into_response)
    }
}

/// What stands in for a type that is no extractor, in code that does not
/// compile anyway (the type is reported where it is checked).
pub trait ExtractNothing<T> {
    /// A plain 500.
    fn extract(
        &self,
        parts: &mut Parts,
        cx: &RequestContext,
    ) -> impl Future<Output = Result<T, Response>>;
}

impl<T> ExtractNothing<T> for Extract<T> {
    async fn extract(&self, _parts: &mut Parts, _cx: &RequestContext) -> Result<T, Response> {
        Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn descriptions_are_compiled_with_the_openapi_feature_only() {
        let kept = std::cell::Cell::new(false);
        crate::__harrow_describe! {
            kept.set(true);
        }
        assert_eq!(kept.get(), cfg!(feature = "openapi"));
    }
}
