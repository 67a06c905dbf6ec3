//! [`DescribeOutput`] and its implementations for what handlers return.

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use harrow_server::Body;
use http::{HeaderMap, StatusCode};
use schemars::{JsonSchema, json_schema};

use super::draft::ResponseDraft;
use super::responses::{ResponseDoc, Responses, Status};
use crate::extract::rejection::{
    BytesRejection, FormRejection, HeaderRejection, JsonRejection, MissingExtension, MissingState,
    PathRejection, QueryRejection, StringRejection,
};
use crate::response::{IntoResponseHeaders, InvalidHeader};
use crate::{Error, Html, Json, Redirect, Response};

/// How a return type shows in the OpenAPI document: the responses it may
/// be sent as, each a status with its content.
///
/// Every response type of harrow implements it: `Json<T>` (when `T`
/// derives [`JsonSchema`]) is `200` with `T`'s schema, `Result<T, E>` is
/// both sides' responses, `Option<T>` adds a `404`, a status chosen at run
/// time (`(StatusCode, T)`, [`Error`]) is the `default` response. Implement
/// it for an error type of your own to list its statuses. A return type
/// with no implementation makes the document fail to build with an error
/// naming the handler and the type; so does one that says nothing of its
/// responses (`impl IntoResponse`, [`Response`]) unless the route
/// attribute declares them with `responses(…)`.
///
/// ```
/// use harrow::openapi::{DescribeOutput, ResponseDoc, Responses};
/// use harrow::StatusCode;
///
/// /// No content, or a conflict.
/// enum Saved { Done, Stale }
///
/// impl DescribeOutput for Saved {
///     fn describe(responses: &mut Responses<'_>) {
///         responses.add(ResponseDoc::new(StatusCode::NO_CONTENT, "Saved"));
///         responses.add(ResponseDoc::new(StatusCode::CONFLICT, "Changed meanwhile").text());
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no description for the OpenAPI document",
    note = "implement `harrow::openapi::DescribeOutput` for it, listing the responses it may be sent as"
)]
pub trait DescribeOutput {
    /// Adds the responses a value of this type may be sent as.
    fn describe(responses: &mut Responses<'_>);
}

fn ok() -> Status {
    Status::Code(StatusCode::OK)
}

/// An empty `200`.
impl DescribeOutput for () {
    fn describe(responses: &mut Responses<'_>) {
        responses.add(ResponseDoc::new(ok(), "OK"));
    }
}

/// Headers only: an empty `200`.
impl DescribeOutput for HeaderMap {
    fn describe(responses: &mut Responses<'_>) {
        <() as DescribeOutput>::describe(responses);
    }
}

/// Never sent.
impl DescribeOutput for Infallible {
    fn describe(_: &mut Responses<'_>) {}
}

macro_rules! described_as {
    ($media:literal, $schema:expr, [$($ty:ty),*]) => {
        $(
            impl DescribeOutput for $ty {
                fn describe(responses: &mut Responses<'_>) {
                    responses.add(ResponseDoc::new(ok(), "OK").content($media, $schema));
                }
            }
        )*
    };
}

described_as!(
    "text/plain",
    Some(json_schema!({"type": "string"})),
    [&'static str, String, Cow<'static, str>]
);
described_as!(
    "application/octet-stream",
    None,
    [Bytes, Vec<u8>, &'static [u8]]
);

/// `200` with `T`'s schema as `application/json`.
impl<T: JsonSchema> DescribeOutput for Json<T> {
    fn describe(responses: &mut Responses<'_>) {
        let schema = responses.schema_for::<T>();
        responses.add(ResponseDoc::new(ok(), "OK").json(schema));
    }
}

/// `200` as `text/html`.
impl<T> DescribeOutput for Html<T> {
    fn describe(responses: &mut Responses<'_>) {
        let schema = json_schema!({"type": "string"});
        responses.add(ResponseDoc::new(ok(), "OK").content("text/html", Some(schema)));
    }
}

/// A redirect (`3XX`) with its `Location`.
impl DescribeOutput for Redirect {
    fn describe(responses: &mut Responses<'_>) {
        let location = json_schema!({"type": "string"});
        responses.add(ResponseDoc::new(Status::Class(3), "A redirect").header(
            "Location",
            location,
            Some("Where to go instead"),
        ));
    }
}

/// A body the handler built: `200`, its type unknown.
impl DescribeOutput for Body {
    fn describe(responses: &mut Responses<'_>) {
        responses.add(ResponseDoc::new(ok(), "OK").content("*/*", None));
    }
}

/// A status chosen at run time: the `default` response, with the status's
/// reason as text for errors.
impl DescribeOutput for StatusCode {
    fn describe(responses: &mut Responses<'_>) {
        responses.add(
            ResponseDoc::new(
                Status::Default,
                "A status chosen by the handler; an error status carries its reason as text.",
            )
            .text()
            .chosen(),
        );
    }
}

/// An error with a status chosen at run time and a plain message: the
/// `default` response.
impl DescribeOutput for Error {
    fn describe(responses: &mut Responses<'_>) {
        responses.add(
            ResponseDoc::new(
                Status::Default,
                "An error: its status and a plain-text message.",
            )
            .text(),
        );
    }
}

/// A response built by hand says nothing of itself: the route attribute
/// must declare its responses.
impl DescribeOutput for Response {
    fn describe(responses: &mut Responses<'_>) {
        responses.opaque("Response");
    }
}

/// Both sides' responses.
impl<T: DescribeOutput, E: DescribeOutput> DescribeOutput for Result<T, E> {
    fn describe(responses: &mut Responses<'_>) {
        T::describe(responses);
        E::describe(responses);
    }
}

/// `T`'s responses, and `404` for `None`.
impl<T: DescribeOutput> DescribeOutput for Option<T> {
    fn describe(responses: &mut Responses<'_>) {
        T::describe(responses);
        responses.add(ResponseDoc::new(StatusCode::NOT_FOUND, "Not Found").text());
    }
}

/// `T`'s responses, sent with a status chosen at run time: the `default`
/// response, which the statuses declared on the route attribute replace.
fn with_chosen_status<T: DescribeOutput>(responses: &mut Responses<'_>) {
    let inner = responses.isolated(T::describe);
    for mut response in inner {
        if matches!(response.status, Status::Code(c) if c.is_success()) {
            response.status = Status::Default;
            response.description = format!(
                "{}, with a status the handler chooses.",
                response.description.trim_end_matches('.')
            );
            response.chosen = true;
        }
        responses.add(ResponseDoc(response));
    }
}

impl<T: DescribeOutput> DescribeOutput for (StatusCode, T) {
    fn describe(responses: &mut Responses<'_>) {
        with_chosen_status::<T>(responses);
    }
}

/// `T`'s responses (the headers are not known ahead).
impl<H: IntoResponseHeaders, T: DescribeOutput> DescribeOutput for (H, T) {
    fn describe(responses: &mut Responses<'_>) {
        T::describe(responses);
    }
}

impl<H: IntoResponseHeaders, T: DescribeOutput> DescribeOutput for (StatusCode, H, T) {
    fn describe(responses: &mut Responses<'_>) {
        with_chosen_status::<T>(responses);
    }
}

/// Adds plain-text responses, one per `(status, description)`.
fn plain(responses: &mut Responses<'_>, list: &[(StatusCode, &str)]) {
    for (status, description) in list {
        responses.add(ResponseDoc::new(*status, description).text());
    }
}

const TOO_LARGE: (StatusCode, &str) = (
    StatusCode::PAYLOAD_TOO_LARGE,
    "The body is larger than the server's limit.",
);
const TIMED_OUT: (StatusCode, &str) = (
    StatusCode::REQUEST_TIMEOUT,
    "The body did not arrive in time.",
);
const INTERNAL: (StatusCode, &str) = (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");

impl DescribeOutput for PathRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[
                (
                    StatusCode::BAD_REQUEST,
                    "A path parameter does not parse as its type.",
                ),
                INTERNAL,
            ],
        );
    }
}

impl DescribeOutput for QueryRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[(
                StatusCode::BAD_REQUEST,
                "The query string does not fit the parameters.",
            )],
        );
    }
}

impl DescribeOutput for BytesRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[
                TOO_LARGE,
                TIMED_OUT,
                (StatusCode::BAD_REQUEST, "The body could not be read."),
            ],
        );
    }
}

impl DescribeOutput for StringRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[
                TOO_LARGE,
                TIMED_OUT,
                (
                    StatusCode::BAD_REQUEST,
                    "The body could not be read, or is not UTF-8.",
                ),
            ],
        );
    }
}

impl DescribeOutput for JsonRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "The body is not `application/json`.",
                ),
                TOO_LARGE,
                TIMED_OUT,
                (StatusCode::BAD_REQUEST, "The body is not valid JSON."),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The JSON body does not fit the schema.",
                ),
            ],
        );
    }
}

impl DescribeOutput for FormRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "The body is not `application/x-www-form-urlencoded`.",
                ),
                TOO_LARGE,
                TIMED_OUT,
                (StatusCode::BAD_REQUEST, "The body could not be read."),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The form does not fit the schema.",
                ),
            ],
        );
    }
}

impl DescribeOutput for HeaderRejection {
    fn describe(responses: &mut Responses<'_>) {
        plain(
            responses,
            &[(StatusCode::BAD_REQUEST, "A header is missing or malformed.")],
        );
    }
}

macro_rules! internal_error {
    ($($ty:ty),*) => {
        $(
            /// A program error: `500` with a plain message.
            impl DescribeOutput for $ty {
                fn describe(responses: &mut Responses<'_>) {
                    plain(responses, &[INTERNAL]);
                }
            }
        )*
    };
}

internal_error!(MissingState, MissingExtension, InvalidHeader);

/// A response of `status` with `description` and no content: what a bare
/// `responses(404 = "…")` declares.
pub(crate) fn declared(status: Status, description: &str) -> ResponseDraft {
    ResponseDoc::new(status, description).0
}

/// A file: `200` with the whole file, of a type known only at run time.
#[cfg(feature = "fs")]
impl DescribeOutput for crate::fs::NamedFile {
    fn describe(responses: &mut Responses<'_>) {
        responses.add(ResponseDoc::new(ok(), "The file").content("*/*", None));
    }
}

/// Why a file could not be served: `404`, `403` or `500`.
#[cfg(feature = "fs")]
impl DescribeOutput for crate::fs::FileError {
    fn describe(responses: &mut Responses<'_>) {
        let text = json_schema!({"type": "string"});
        for (status, why) in [
            (StatusCode::NOT_FOUND, "No such file"),
            (StatusCode::FORBIDDEN, "The file may not be served"),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read",
            ),
        ] {
            responses.add(
                ResponseDoc::new(Status::Code(status), why)
                    .content("text/plain", Some(text.clone())),
            );
        }
    }
}

/// An event stream: `200` as `text/event-stream`.
impl<S> DescribeOutput for crate::sse::Sse<S> {
    fn describe(responses: &mut Responses<'_>) {
        let text = json_schema!({"type": "string"});
        responses.add(
            ResponseDoc::new(ok(), "A stream of server-sent events")
                .content("text/event-stream", Some(text)),
        );
    }
}
