//! [`SecurityScheme`]: how clients authenticate, as the document says it.

use super::model::Node;

/// A way of authenticating, declared once with
/// [`OpenApi::security_scheme`](super::OpenApi::security_scheme) under a
/// name that operations then require: through
/// [`OpenApi::security`](super::OpenApi::security) for all of them, a route
/// attribute's `security = ["name"]`, or an extractor's
/// [`Operation::security`](super::Operation::security).
///
/// ```
/// use harrow::openapi::{OpenApi, SecurityScheme};
///
/// let api = OpenApi::new("Bookshop", "1.0.0")
///     .security_scheme("bearer", SecurityScheme::bearer().bearer_format("JWT"))
///     .security_scheme("session", SecurityScheme::cookie("session"))
///     .security("bearer");
/// # let _ = api;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    kind: Kind,
    description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Http {
        scheme: &'static str,
        bearer_format: Option<String>,
    },
    ApiKey {
        location: &'static str,
        name: String,
    },
}

impl SecurityScheme {
    fn of(kind: Kind) -> Self {
        SecurityScheme {
            kind,
            description: None,
        }
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer() -> Self {
        Self::of(Kind::Http {
            scheme: "bearer",
            bearer_format: None,
        })
    }

    /// `Authorization: Basic <user:password>`.
    pub fn basic() -> Self {
        Self::of(Kind::Http {
            scheme: "basic",
            bearer_format: None,
        })
    }

    /// A key in the request header `name`.
    pub fn header(name: &str) -> Self {
        Self::of(Kind::ApiKey {
            location: "header",
            name: name.to_owned(),
        })
    }

    /// A key in the query parameter `name`.
    pub fn query(name: &str) -> Self {
        Self::of(Kind::ApiKey {
            location: "query",
            name: name.to_owned(),
        })
    }

    /// A key in the cookie `name`, such as a session cookie.
    pub fn cookie(name: &str) -> Self {
        Self::of(Kind::ApiKey {
            location: "cookie",
            name: name.to_owned(),
        })
    }

    /// What a bearer token is (`"JWT"`); a hint for readers only.
    pub fn bearer_format(mut self, format: &str) -> Self {
        if let Kind::Http { bearer_format, .. } = &mut self.kind {
            *bearer_format = Some(format.to_owned());
        }
        self
    }

    /// How to get credentials, in a sentence or two.
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_owned());
        self
    }

    /// The security scheme object.
    pub(crate) fn node(&self) -> Node {
        let node = match &self.kind {
            Kind::Http {
                scheme,
                bearer_format,
            } => Node::object()
                .field("type", "http")
                .field("scheme", *scheme)
                .field_opt("bearerFormat", bearer_format.clone()),
            Kind::ApiKey { location, name } => Node::object()
                .field("type", "apiKey")
                .field("in", *location)
                .field("name", name.as_str()),
        };
        node.field_opt("description", self.description.clone())
    }
}
