//! [`DescribeInput`] and its implementations for harrow's extractors.

use bytes::Bytes;
use http::{Extensions, HeaderMap, Method, StatusCode, Uri, Version};
use schemars::JsonSchema;
use serde_json::Value;

use super::operation::Operation;
use super::schemas::Side;
use crate::extract::{Extension, Header, PathParams, RemoteAddr, State, TypedHeader};
use crate::middleware::RequestId;
use crate::{Form, FromRequestParts, Json, Path, Query, Request, RequestContext};

/// How an extractor shows in the OpenAPI document: the parameters it
/// reads, the body it consumes, the rejections it answers with, the
/// security schemes it checks.
///
/// Every extractor of harrow implements it (`Query<T>`, `Json<T>`, `Path<T>`
/// and `Form<T>` when `T` derives [`JsonSchema`]). Implement it for an
/// extractor of your own; one that adds nothing to the document (it reads
/// something the document does not describe) says so with an empty
/// `describe`. An argument whose type has no implementation makes the
/// document fail to build with an error naming the handler and the type;
/// it never leaves a silent hole.
///
/// ```
/// use harrow::openapi::{DescribeInput, Operation};
/// use harrow::StatusCode;
///
/// /// The user a bearer token belongs to.
/// struct CurrentUser(String);
///
/// impl DescribeInput for CurrentUser {
///     fn describe(op: &mut Operation<'_>) {
///         op.security("bearer");
///         op.rejection(StatusCode::UNAUTHORIZED, "The bearer token is missing or unknown.");
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no description for the OpenAPI document",
    note = "implement `harrow::openapi::DescribeInput` for it, with an empty `describe` if it adds nothing to the document"
)]
pub trait DescribeInput {
    /// Adds what the extractor reads and answers to `op`.
    fn describe(op: &mut Operation<'_>);
}

/// The extractors that read nothing the document describes.
macro_rules! describes_nothing {
    ($($ty:ty),* $(,)?) => {
        $(
            impl DescribeInput for $ty {
                fn describe(_: &mut Operation<'_>) {}
            }
        )*
    };
}

describes_nothing!(
    Method,
    Uri,
    Version,
    Extensions,
    HeaderMap,
    RemoteAddr,
    crate::ConnInfo,
    Request,
    RequestContext,
    PathParams,
    RequestId,
);

/// Application state: not part of the request.
impl<T> DescribeInput for State<T> {
    fn describe(_: &mut Operation<'_>) {}
}

/// A value a middleware put in the request: not part of the request as
/// the client sends it.
impl<T> DescribeInput for Extension<T> {
    fn describe(_: &mut Operation<'_>) {}
}

/// Each query parameter of `T`: a struct's fields, with their types,
/// descriptions and whether they are required; a map as one free-form
/// parameter.
impl<T: JsonSchema> DescribeInput for Query<T> {
    fn describe(op: &mut Operation<'_>) {
        op.query_of::<T>();
        op.rejection(
            StatusCode::BAD_REQUEST,
            "The query string does not fit the parameters.",
        );
    }
}

/// The path parameters, matched to `T`: one value, a tuple in template
/// order, or a struct whose fields are named like them.
impl<T: JsonSchema> DescribeInput for Path<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.schemas.inline_for::<T>(Side::Input).to_value();
        let resolved = op.schemas.resolve(Side::Input, &schema).clone();
        let names = op.path_parameters().to_vec();
        match path_shape(&resolved, &names) {
            Ok(params) => {
                for (name, schema) in params {
                    op.add_path_param(&name, schema);
                }
            }
            Err(problem) => op.draft.problems.push(format!(
                "its `Path<{}>` does not fit the path's parameters ({}): {problem}",
                short_name::<T>(),
                names.join(", ")
            )),
        }
        op.rejection(
            StatusCode::BAD_REQUEST,
            "A path parameter does not parse as its type.",
        );
    }
}

/// Which schema each path parameter gets from `Path<T>`'s schema.
fn path_shape(schema: &Value, names: &[String]) -> Result<Vec<(String, Value)>, String> {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let mut out = Vec::new();
        for (field, s) in properties {
            if !names.contains(field) {
                return Err(format!("the path has no parameter `{field}`"));
            }
            out.push((field.clone(), s.clone()));
        }
        return Ok(out);
    }
    if let Some(items) = schema.get("prefixItems").and_then(Value::as_array) {
        if items.len() != names.len() {
            return Err(format!(
                "a tuple of {} for {} parameters",
                items.len(),
                names.len()
            ));
        }
        return Ok(names.iter().cloned().zip(items.iter().cloned()).collect());
    }
    let each = schema
        .get("items")
        .or_else(|| schema.get("additionalProperties"))
        .filter(|s| s.is_object());
    if let Some(each) = each {
        return Ok(names.iter().map(|n| (n.clone(), each.clone())).collect());
    }
    match names {
        [one] => Ok(vec![(one.clone(), schema.clone())]),
        _ => Err(format!("one value for {} parameters", names.len())),
    }
}

/// A JSON body of `T`'s schema, required.
impl<T: JsonSchema> DescribeInput for Json<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.schema_for::<T>();
        op.body("application/json", Some(schema));
        op.rejection(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not `application/json`.",
        );
        op.rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than the server's limit.",
        );
        op.rejection(StatusCode::BAD_REQUEST, "The body is not valid JSON.");
        op.rejection(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The JSON body does not fit the schema.",
        );
    }
}

/// A url-encoded form body of `T`'s schema, required.
impl<T: JsonSchema> DescribeInput for Form<T> {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.schema_for::<T>();
        op.body("application/x-www-form-urlencoded", Some(schema));
        op.rejection(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not `application/x-www-form-urlencoded`.",
        );
        op.rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than the server's limit.",
        );
        op.rejection(StatusCode::BAD_REQUEST, "The body could not be read.");
        op.rejection(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The form does not fit the schema.",
        );
    }
}

/// Any body, as bytes; it may be empty.
impl DescribeInput for Bytes {
    fn describe(op: &mut Operation<'_>) {
        op.body("application/octet-stream", None);
        op.body_optional();
        op.rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than the server's limit.",
        );
        op.rejection(StatusCode::BAD_REQUEST, "The body could not be read.");
    }
}

/// A text body; it may be empty.
impl DescribeInput for String {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.schema_for::<String>();
        op.body("text/plain", Some(schema));
        op.body_optional();
        op.rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than the server's limit.",
        );
        op.rejection(
            StatusCode::BAD_REQUEST,
            "The body could not be read, or is not UTF-8.",
        );
    }
}

/// A required header, as a string. The headers OpenAPI describes elsewhere
/// (`Accept`, `Content-Type`, `Authorization`) are left out, as it asks.
impl<H: Header> DescribeInput for TypedHeader<H> {
    fn describe(op: &mut Operation<'_>) {
        let reserved = ["accept", "content-type", "authorization"];
        if !reserved.contains(&H::name().to_ascii_lowercase().as_str()) {
            let schema = op.schema_for::<String>();
            op.parameter(super::Parameter::header(H::name(), schema));
        }
        op.rejection(
            StatusCode::BAD_REQUEST,
            &format!("The `{}` header is missing or malformed.", H::name()),
        );
    }
}

/// `T`, optional: its parameters not required, its rejections never sent.
impl<T: FromRequestParts + DescribeInput> DescribeInput for Option<T> {
    fn describe(op: &mut Operation<'_>) {
        op.optional(T::describe);
    }
}

/// `T`, whose rejections the handler receives instead of the client.
impl<T: FromRequestParts + DescribeInput> DescribeInput for Result<T, T::Rejection> {
    fn describe(op: &mut Operation<'_>) {
        op.without_rejections(T::describe);
    }
}

/// `T`'s name without module paths: `Json<Book>`, not
/// `harrow::extract::json::Json<app::Book>`.
pub(crate) fn short_name<T: ?Sized>() -> String {
    shorten(std::any::type_name::<T>())
}

/// A type name without module paths.
pub(crate) fn shorten(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn path_shapes_match_the_template() {
        let int = json!({"type": "integer"});
        let one = path_shape(&int, &names(&["id"])).unwrap();
        assert_eq!(one, [("id".to_owned(), int.clone())]);
        let tuple = json!({"type": "array", "prefixItems": [{"type": "string"}, int]});
        let two = path_shape(&tuple, &names(&["user", "id"])).unwrap();
        assert_eq!(two[1], ("id".to_owned(), int.clone()));
        assert!(path_shape(&tuple, &names(&["id"])).is_err());
        let object = json!({"properties": {"id": int}});
        assert!(path_shape(&object, &names(&["id", "x"])).is_ok());
        assert_eq!(
            path_shape(&object, &names(&["user"])).unwrap_err(),
            "the path has no parameter `id`"
        );
        assert!(path_shape(&int, &names(&["a", "b"])).is_err());
    }
}

#[cfg(feature = "cookies")]
describes_nothing!(
    crate::cookies::CookieJar,
    crate::cookies::SignedCookieJar,
    crate::cookies::PrivateCookieJar,
);

#[cfg(feature = "sessions")]
describes_nothing!(crate::sessions::Session);

/// A `multipart/form-data` body, its parts read as they arrive.
#[cfg(feature = "multipart")]
impl DescribeInput for crate::multipart::Multipart {
    fn describe(op: &mut Operation<'_>) {
        op.body("multipart/form-data", None);
        op.rejection(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not `multipart/form-data` with a boundary.",
        );
        op.rejection(
            StatusCode::PAYLOAD_TOO_LARGE,
            "A part, or the whole body, is larger than the limits.",
        );
        op.rejection(StatusCode::BAD_REQUEST, "The body is not well-formed.");
    }
}

/// The id a reconnecting event-stream client sends back.
impl DescribeInput for crate::sse::LastEventId {
    fn describe(op: &mut Operation<'_>) {
        let schema = op.schema_for::<String>();
        op.parameter(
            super::Parameter::header("Last-Event-ID", schema)
                .description("The id of the last event received, when reconnecting.")
                .optional(),
        );
    }
}

// The handshake's fields are the protocol's, not the operation's; the
// route declares its `101` with `responses(...)`.
#[cfg(feature = "ws")]
describes_nothing!(crate::ws::WebSocketUpgrade);
