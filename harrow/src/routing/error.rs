//! `RouteError`: a route table that cannot be built, naming the handlers
//! involved and where they are defined.

use std::fmt;

use http::Method;

use super::route::Origin;

/// Why an application's routes could not be turned into a router.
///
/// Found when the [`App`](crate::App) becomes a service
/// ([`App::into_service`](crate::App::into_service)), which `harrow::run`,
/// `start`, `serve` and the test client do before serving anything; all of
/// them are reported together as [`RouteErrors`].
///
/// ```
/// use harrow::{App, RouteError};
/// async fn a() {}
/// async fn b() {}
/// let errors = App::new().get("/x", a).get("/x", b).into_service().unwrap_err();
/// let err = errors.first();
/// assert!(matches!(err, RouteError::Duplicate { .. }));
/// assert!(err.to_string().contains("GET /x"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// Two handlers claim the same method and path.
    Duplicate {
        /// The method both claim.
        method: Method,
        /// The path template both use.
        path: String,
        /// The handler registered first.
        first: Box<Origin>,
        /// The handler registered second.
        second: Box<Origin>,
    },
    /// Two templates match the same requests but are spelled differently
    /// (e.g. `/users/{id}` and `/users/{name}`).
    Conflict {
        /// The template being added.
        path: String,
        /// The template already there.
        with: String,
        /// The handler of the template already there.
        first: Box<Origin>,
        /// The handler of the template being added.
        second: Box<Origin>,
    },
    /// A path template is malformed.
    InvalidPath {
        /// The template.
        path: String,
        /// What is wrong with it.
        reason: String,
        /// The handler that uses it.
        origin: Box<Origin>,
    },
    /// A route was given an empty list of methods.
    NoMethods {
        /// The template.
        path: String,
        /// The handler that uses it.
        origin: Box<Origin>,
    },
    /// A scope prefix is malformed.
    InvalidPrefix {
        /// The prefix.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An annotated handler was placed twice: listed in two `routes![...]`,
    /// taken by two [`Scope::module`](crate::Scope::module) calls, or
    /// placed by hand and added again with
    /// [`registered_routes`](crate::registered_routes). Each annotated
    /// handler has one place, so that a scope's middleware cannot be
    /// bypassed through another.
    PlacedTwice {
        /// The handler.
        handler: Box<Origin>,
        /// The full path (prefixes included) it was placed at first.
        first: String,
        /// The full path it was placed at again.
        second: String,
    },
    /// [`Scope::module`](crate::Scope::module) found no annotated handler in
    /// the module or below it.
    EmptyModule {
        /// The module path given.
        module: String,
    },
    /// A handler takes state (a [`State<T>`](crate::State)) of a type never
    /// given to [`App::state`](crate::App::state).
    MissingState {
        /// The state's type, without module paths.
        type_name: String,
        /// The handler that takes it.
        origin: Box<Origin>,
    },
    /// The OpenAPI document the app serves
    /// ([`App::openapi`](crate::App::openapi)) cannot be built: a route
    /// whose types cannot be described, or a setting that does not hold.
    #[cfg(feature = "openapi")]
    OpenApi(crate::openapi::OpenApiError),
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::Duplicate {
                method,
                path,
                first,
                second,
            } => write!(
                f,
                "duplicate route `{method} {path}`: handled by {first} and again by {second}"
            ),
            RouteError::Conflict {
                path,
                with,
                first,
                second,
            } => write!(
                f,
                "route `{path}` of {second} conflicts with route `{with}` of {first}: \
                 both match the same requests"
            ),
            RouteError::InvalidPath {
                path,
                reason,
                origin,
            } => write!(f, "invalid route path `{path}` for {origin}: {reason}"),
            RouteError::NoMethods { path, origin } => {
                write!(f, "route `{path}` of {origin} answers no method")
            }
            RouteError::InvalidPrefix { prefix, reason } => {
                write!(f, "invalid scope prefix `{prefix}`: {reason}")
            }
            RouteError::PlacedTwice {
                handler,
                first,
                second,
            } => write!(
                f,
                "handler {handler} is placed twice, at `{first}` and again at `{second}`: \
                 an annotated handler serves one place"
            ),
            RouteError::MissingState { type_name, origin } => write!(
                f,
                "handler {origin} takes state of type `{type_name}`, which `App::state` \
                 was never given"
            ),
            RouteError::EmptyModule { module } => write!(
                f,
                "`Scope::module(\"{module}\")` found no annotated handler in that module \
                 or below it: pass `module_path!()` from inside the module"
            ),
            #[cfg(feature = "openapi")]
            RouteError::OpenApi(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RouteError {}

/// Every reason an application's routes could not be built: at least one
/// [`RouteError`], in the order they were found, so a start reports them all
/// rather than one per attempt.
///
/// Its `Display` is the one error's line when there is one, and a count
/// followed by one indented line per error otherwise.
///
/// ```
/// use harrow::{App, RouteError};
/// async fn a() {}
/// async fn b() {}
/// let errors = App::new()
///     .get("/x", a)
///     .get("/x", b)
///     .get("no-slash", a)
///     .into_service()
///     .unwrap_err();
/// assert_eq!(errors.iter().count(), 2);
/// assert!(matches!(errors.first(), RouteError::Duplicate { .. }));
/// assert!(errors.to_string().starts_with("2 route errors:\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteErrors {
    /// Never empty.
    errors: Vec<RouteError>,
}

impl RouteErrors {
    /// The errors, or `None` for an empty list.
    pub(crate) fn new(errors: Vec<RouteError>) -> Option<Self> {
        (!errors.is_empty()).then_some(RouteErrors { errors })
    }

    /// The first error found.
    pub fn first(&self) -> &RouteError {
        &self.errors[0]
    }

    /// Every error, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, RouteError> {
        self.errors.iter()
    }

    /// The errors as a vector.
    pub fn into_vec(self) -> Vec<RouteError> {
        self.errors
    }
}

impl From<RouteError> for RouteErrors {
    fn from(e: RouteError) -> Self {
        RouteErrors { errors: vec![e] }
    }
}

impl<'a> IntoIterator for &'a RouteErrors {
    type Item = &'a RouteError;
    type IntoIter = std::slice::Iter<'a, RouteError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for RouteErrors {
    type Item = RouteError;
    type IntoIter = std::vec::IntoIter<RouteError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl fmt::Display for RouteErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.errors.as_slice() {
            return only.fmt(f);
        }
        write!(f, "{} route errors:", self.errors.len())?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RouteErrors {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Site;

    #[test]
    fn one_error_is_one_line_and_several_are_listed() {
        let bad = |prefix: &str| RouteError::InvalidPrefix {
            prefix: prefix.into(),
            reason: "a prefix must start with `/`".into(),
        };
        let one = RouteErrors::from(bad("a"));
        assert_eq!(
            one.to_string(),
            "invalid scope prefix `a`: a prefix must start with `/`"
        );
        let two = RouteErrors::new(vec![bad("a"), bad("b")]).expect("two errors");
        assert_eq!(
            two.to_string(),
            "2 route errors:\n  invalid scope prefix `a`: a prefix must start with `/`\n  \
             invalid scope prefix `b`: a prefix must start with `/`"
        );
        assert!(RouteErrors::new(Vec::new()).is_none());
    }

    #[test]
    fn errors_stay_small_enough_to_return() {
        assert!(std::mem::size_of::<RouteError>() <= 96);
    }

    #[test]
    fn duplicate_names_both_handlers_and_sites() {
        let err = RouteError::Duplicate {
            method: Method::GET,
            path: "/users/{id}".into(),
            first: Box::new(Origin {
                handler: "user".into(),
                site: Some(Site::new("user", "src/a.rs", 3)),
            }),
            second: Box::new(Origin {
                handler: "other".into(),
                site: None,
            }),
        };
        assert_eq!(
            err.to_string(),
            "duplicate route `GET /users/{id}`: handled by `user` at src/a.rs:3 and again by `other`"
        );
    }
}
