//! Path parameters: [`Path<T>`] for typed values, [`path_param`] for one
//! value by name, [`PathParams`] for the raw strings.

mod de;
mod params;

use std::str::FromStr;

use http::request::Parts;
use serde::de::DeserializeOwned;

pub(crate) use params::ParamNames;
pub use params::PathParams;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::rejection::PathRejection;

/// The matched path parameters, deserialized: one value (`Path<u64>`), a
/// tuple in template order (`Path<(String, u32)>`), or a struct with
/// `Deserialize` whose fields are named like the parameters.
///
/// A value that does not parse is a 400 naming the parameter, e.g.
/// ``invalid path parameter `id`: expected u64, got "abc"``. A shape that
/// does not fit the route (two values for a one-parameter route, a struct
/// field the template lacks) is a 500, since it is a bug in the program.
///
/// ```
/// use harrow::{App, Path};
///
/// async fn file(Path((user, id)): Path<(String, u64)>) -> String {
///     format!("{user} #{id}")
/// }
/// let app = App::new().get("/users/{user}/files/{id}", file);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    type Rejection = PathRejection;

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        T::deserialize(de::ParamsDeserializer::new(cx.path_params())).map(Path)
    }
}

/// Parses the path parameter `name` into `T`: what the route attributes
/// use to bind a parameter to a handler argument of the same name.
///
/// A value that does not parse is a 400 rejection naming the parameter, the
/// expected type and the value; a route without that parameter is a 500.
///
/// ```
/// use harrow::extract::path_param;
/// use harrow::{App, IntoResponse, RequestContext, Response};
///
/// async fn user(cx: RequestContext) -> Response {
///     match path_param::<u64>(&cx, "id") {
///         Ok(id) => format!("user {id}").into_response(),
///         Err(rejection) => rejection.into_response(),
///     }
/// }
/// let app = App::new().get("/users/{id}", user);
/// # let _ = app;
/// ```
pub fn path_param<T: FromStr>(cx: &RequestContext, name: &str) -> Result<T, PathRejection> {
    let value = cx
        .path_params()
        .get(name)
        .ok_or_else(|| PathRejection::Missing {
            name: name.to_owned(),
        })?;
    value.parse().map_err(|_| PathRejection::InvalidParam {
        name: name.to_owned(),
        expected: short_type_name::<T>(),
        got: value.to_owned(),
    })
}

/// A type a path parameter parses into: anything with `FromStr` (`u64`,
/// `String`, …). The route attributes bind a `{name}` of the path to the
/// handler argument of the same name through it; it exists for its error
/// message, and every `FromStr` type has it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a path parameter",
    label = "no `FromStr` impl to parse it from the path",
    note = "a handler argument named like a `{{param}}` of the path is parsed with `FromStr` (`u64`, `String`, …); to take something else, rename the argument or use the `Path<T>` extractor"
)]
pub trait PathParam: Sized {
    /// The path parameter `name`, parsed: [`path_param`].
    fn from_path(cx: &RequestContext, name: &str) -> Result<Self, PathRejection>;
}

impl<T: FromStr> PathParam for T {
    fn from_path(cx: &RequestContext, name: &str) -> Result<Self, PathRejection> {
        path_param(cx, name)
    }
}

/// `alloc::string::String` → `String`, `core::option::Option<u8>` → `Option<u8>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    shorten_type_name(std::any::type_name::<T>())
}

/// A type name as `std::any::type_name` gives it, without module paths.
pub(crate) fn shorten_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name::<u64>(), "u64");
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(short_type_name::<Option<String>>(), "Option<String>");
    }

    fn context_with(pairs: &[(&str, &str)]) -> RequestContext {
        let conn = harrow_server::ConnInfo::new(([127, 0, 0, 1], 9).into());
        let mut cx = RequestContext::new(Default::default(), conn);
        cx.set_path_params(PathParams::decode(pairs.iter().copied()).unwrap());
        cx
    }

    #[test]
    fn path_param_parses_by_name_or_explains() {
        let cx = context_with(&[("id", "abc"), ("n", "5")]);
        assert_eq!(path_param::<u8>(&cx, "n").unwrap(), 5);
        let err = path_param::<u64>(&cx, "id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid path parameter `id`: expected u64, got \"abc\""
        );
        assert_eq!(err.status(), 400);
        let err = path_param::<u64>(&cx, "missing").unwrap_err();
        assert_eq!(err.status(), 500);
    }
}
