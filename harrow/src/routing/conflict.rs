//! `RouteError`: a route table that cannot be built, naming the handlers
//! involved and where they are defined.

use std::fmt;

use http::Method;

use super::route::Origin;

/// Why an application's routes could not be turned into a router.
///
/// Found when the [`App`](crate::App) becomes a service
/// ([`App::into_service`](crate::App::into_service)), which `harrow::run`,
/// `start`, `serve` and the test client do before serving anything.
///
/// ```
/// use harrow::{App, RouteError};
/// async fn a() {}
/// async fn b() {}
/// let err = App::new().get("/x", a).get("/x", b).into_service().unwrap_err();
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
        }
    }
}

impl std::error::Error for RouteError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Site;

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
