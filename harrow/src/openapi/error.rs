//! [`OpenApiError`]: a route the document cannot describe, or a setting
//! that does not hold together.

use std::fmt;

use crate::routing::Origin;

/// Why the OpenAPI document could not be built: a route whose types cannot
/// be described (naming the handler, where it is defined and the type), or
/// a security scheme required but never declared.
///
/// Building the document is part of starting an app that serves it, so
/// these are reported with the app's other route errors, as
/// [`RouteError::OpenApi`](crate::RouteError::OpenApi); and
/// [`OpenApi::document`](super::OpenApi::document) returns them too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiError {
    origin: Option<Box<Origin>>,
    message: String,
}

impl OpenApiError {
    /// An error about the route of `origin`.
    pub(crate) fn at(origin: Origin, message: impl Into<String>) -> Self {
        OpenApiError {
            origin: Some(Box::new(origin)),
            message: message.into(),
        }
    }

    /// An error about the document's own settings.
    pub(crate) fn setting(message: impl Into<String>) -> Self {
        OpenApiError {
            origin: None,
            message: message.into(),
        }
    }

    /// The handler at fault, when it is about one.
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_deref()
    }

    /// What is wrong, without the handler.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for OpenApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(origin) => write!(
                f,
                "the OpenAPI document cannot describe handler {origin}: {}",
                self.message
            ),
            None => write!(f, "the OpenAPI document: {}", self.message),
        }
    }
}

impl std::error::Error for OpenApiError {}
