//! [`Responses`]: what a handler's return type adds to the description of
//! its operation, one [`ResponseDoc`] per status it may answer with.

use std::fmt;

use http::StatusCode;
use schemars::{JsonSchema, Schema};

use super::draft::{ContentDraft, HeaderDraft, ResponseDraft, add_response};
use super::schemas::{Schemas, Side};

/// Which responses a [`ResponseDoc`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// One status, as in `404`.
    Code(StatusCode),
    /// Every status of a class: `Class(4)` is `4XX`.
    Class(u8),
    /// Any status the others do not name: a status the handler chooses at
    /// run time (`(StatusCode, T)`, `harrow::Error`).
    Default,
}

impl From<StatusCode> for Status {
    fn from(status: StatusCode) -> Self {
        Status::Code(status)
    }
}

impl fmt::Display for Status {
    /// The key of the document's `responses` object: `404`, `4XX`, `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Code(code) => write!(f, "{}", code.as_u16()),
            Status::Class(class) => write!(f, "{class}XX"),
            Status::Default => f.write_str("default"),
        }
    }
}

impl Status {
    /// The status a `responses` key names (`"404"`, `"4XX"`, `"default"`).
    pub(crate) fn parse(key: &str) -> Option<Status> {
        if key == "default" {
            return Some(Status::Default);
        }
        if let Some(class) = key.strip_suffix("XX") {
            return match class.parse::<u8>() {
                Ok(c @ 1..=5) => Some(Status::Class(c)),
                _ => None,
            };
        }
        key.parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .map(Status::Code)
    }

    /// Orders a `responses` object: codes, each class after its codes, then
    /// `default`.
    pub(crate) fn sort_key(&self) -> (u16, u16) {
        match self {
            Status::Code(code) => (code.as_u16() / 100, code.as_u16()),
            Status::Class(class) => (u16::from(*class), 1000),
            Status::Default => (10, 0),
        }
    }

    /// What a response of this status is, when nothing more is known.
    pub(crate) fn reason(&self) -> String {
        match self {
            Status::Code(code) => code.canonical_reason().unwrap_or("Response").to_owned(),
            Status::Class(1) => "Informational".into(),
            Status::Class(2) => "Success".into(),
            Status::Class(3) => "Redirection".into(),
            Status::Class(4) => "Client error".into(),
            Status::Class(_) => "Server error".into(),
            Status::Default => "Any other response".into(),
        }
    }
}

/// One response of an operation: a status, a description, and the content
/// and headers it carries. Add it with [`Responses::add`].
///
/// ```
/// use harrow::openapi::{DescribeOutput, ResponseDoc, Responses};
/// use harrow::StatusCode;
///
/// /// A teapot that says so.
/// struct Teapot;
///
/// impl DescribeOutput for Teapot {
///     fn describe(responses: &mut Responses<'_>) {
///         responses.add(ResponseDoc::new(StatusCode::IM_A_TEAPOT, "Short and stout").text());
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ResponseDoc(pub(crate) ResponseDraft);

impl ResponseDoc {
    /// A response with no content.
    pub fn new(status: impl Into<Status>, description: &str) -> Self {
        ResponseDoc(ResponseDraft {
            status: status.into(),
            description: description.to_owned(),
            content: Vec::new(),
            headers: Vec::new(),
            chosen: false,
        })
    }

    /// Marks the response as sent with a status the handler chooses at
    /// run time: left out when the route attribute declares responses.
    pub(crate) fn chosen(mut self) -> Self {
        self.0.chosen = true;
        self
    }

    /// Adds a media type (`None` for content of any shape).
    pub fn content(mut self, media_type: &str, schema: Option<Schema>) -> Self {
        self.0.content.push(ContentDraft {
            media_type: media_type.to_owned(),
            schema: schema.map(Schema::to_value),
            example: None,
        });
        self
    }

    /// Adds `application/json` content with `schema`.
    pub fn json(self, schema: Schema) -> Self {
        self.content("application/json", Some(schema))
    }

    /// Adds `text/plain` content: a string.
    pub fn text(self) -> Self {
        self.content(
            "text/plain",
            Some(schemars::json_schema!({"type": "string"})),
        )
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, schema: Schema, description: Option<&str>) -> Self {
        self.0.headers.push(HeaderDraft {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            schema: schema.to_value(),
        });
        self
    }
}

/// The responses of the operation being described, as a return type sees
/// them: an implementation of [`DescribeOutput`](super::DescribeOutput)
/// adds one [`ResponseDoc`] for each status its value may be sent with.
///
/// Schemas come from [`Responses::schema_for`]: as serde *serializes* the
/// type, since a response is written.
///
/// ```
/// use harrow::openapi::{DescribeOutput, JsonSchema, ResponseDoc, Responses};
/// use harrow::{IntoResponse, Json, Response, StatusCode};
/// use serde::Serialize;
///
/// #[derive(Serialize, JsonSchema)]
/// struct Problem { message: String }
///
/// /// Why a book could not be stored.
/// enum StoreError { Duplicate, Full }
///
/// impl IntoResponse for StoreError {
///     fn into_response(self) -> Response {
///         let (status, message) = match self {
///             StoreError::Duplicate => (StatusCode::CONFLICT, "this title exists"),
///             StoreError::Full => (StatusCode::INSUFFICIENT_STORAGE, "the shelf is full"),
///         };
///         (status, Json(Problem { message: message.into() })).into_response()
///     }
/// }
///
/// impl DescribeOutput for StoreError {
///     fn describe(responses: &mut Responses<'_>) {
///         let problem = responses.schema_for::<Problem>();
///         responses.add(ResponseDoc::new(StatusCode::CONFLICT, "The title exists").json(problem.clone()));
///         responses.add(ResponseDoc::new(StatusCode::INSUFFICIENT_STORAGE, "The shelf is full").json(problem));
///     }
/// }
/// ```
pub struct Responses<'a> {
    pub(crate) list: &'a mut Vec<ResponseDraft>,
    pub(crate) schemas: &'a mut Schemas,
    /// Return types that cannot be seen into, by their text.
    pub(crate) opaque: &'a mut Vec<String>,
}

impl Responses<'_> {
    /// `T`'s schema as a response carries it (serde's `Serialize` view): a
    /// reference to its component for a named type, the schema itself for
    /// a primitive.
    pub fn schema_for<T: JsonSchema + ?Sized>(&mut self) -> Schema {
        self.schemas.schema_for::<T>(Side::Output)
    }

    /// Adds a response; one of the same status is merged with it (both
    /// descriptions kept, two schemas for one media type offered as
    /// alternatives).
    pub fn add(&mut self, response: ResponseDoc) {
        add_response(self.list, response.0);
    }

    /// Records a return type that says nothing of its responses (a
    /// `Response` built by hand): an error when the document is built,
    /// unless the route attribute declares the responses itself.
    pub(crate) fn opaque(&mut self, type_name: &str) {
        self.opaque.push(type_name.to_owned());
    }

    /// Describes `f`'s responses and returns them, leaving this list as it
    /// was: for wrappers that change what their inner type says.
    pub(crate) fn isolated(&mut self, f: impl FnOnce(&mut Responses<'_>)) -> Vec<ResponseDraft> {
        let mut list = Vec::new();
        f(&mut Responses {
            list: &mut list,
            schemas: self.schemas,
            opaque: self.opaque,
        });
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_keys_and_in_order() {
        for key in ["200", "4XX", "default"] {
            assert_eq!(
                Status::parse(key).map(|s| s.to_string()).as_deref(),
                Some(key)
            );
        }
        assert_eq!(Status::parse("6XX"), None);
        assert_eq!(Status::parse("abc"), None);
        let mut all = ["default", "4XX", "404", "200", "400"].map(|k| Status::parse(k).unwrap());
        all.sort_by_key(Status::sort_key);
        let keys: Vec<String> = all.iter().map(Status::to_string).collect();
        assert_eq!(keys, ["200", "400", "404", "4XX", "default"]);
    }
}
