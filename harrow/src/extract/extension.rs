//! `Extension<T>`: a value that middleware put in the request's extensions.

use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::path::short_type_name;
use crate::extract::rejection::MissingExtension;

/// A clone of the request extension of type `T`, typically inserted by a
/// middleware for the handlers behind it. A missing value is a 500 naming
/// the type (a middleware is not installed where the handler expects it).
///
/// ```
/// use harrow::extract::Extension;
/// use harrow::middleware::{from_fn, Next};
/// use harrow::{App, Request};
///
/// #[derive(Clone)]
/// struct User(String);
///
/// async fn authenticate(mut req: Request, next: Next) -> harrow::Response {
///     req.extensions_mut().insert(User("ann".into()));
///     next.run(req).await
/// }
///
/// async fn me(Extension(User(name)): Extension<User>) -> String {
///     name
/// }
/// let app = App::new().get("/me", me).layer(from_fn(authenticate));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extension<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequestParts for Extension<T> {
    type Rejection = MissingExtension;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| MissingExtension {
                type_name: short_type_name::<T>(),
            })
    }
}
