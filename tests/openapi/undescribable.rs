//! Handlers the document cannot describe, each with the error that says
//! so: the handler, where it is defined and the type at fault.

use harrow::prelude::*;
use harrow::{FromRequestParts, RequestContext};

/// An extractor with no `DescribeInput`.
pub(crate) struct Secret;

impl FromRequestParts for Secret {
    type Rejection = StatusCode;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(Secret)
    }
}

/// A response with no `DescribeOutput`.
pub(crate) struct Teapot;

impl IntoResponse for Teapot {
    fn into_response(self) -> Response {
        StatusCode::IM_A_TEAPOT.into_response()
    }
}

/// A body type with no schema.
#[derive(serde::Deserialize)]
pub(crate) struct Unschemed {
    pub(crate) a: u8,
}

#[get("/opaque")]
pub(crate) async fn opaque() -> impl IntoResponse {
    "hidden type"
}

#[get("/secret")]
pub(crate) async fn secret(_s: Secret) -> &'static str {
    "ok"
}

#[get("/teapot")]
pub(crate) async fn teapot() -> Teapot {
    Teapot
}

#[post("/unschemed")]
pub(crate) async fn unschemed(Json(u): Json<Unschemed>) -> String {
    u.a.to_string()
}

#[get("/raw")]
pub(crate) async fn raw() -> Response {
    ().into_response()
}

#[get("/guarded", security = ["token"])]
pub(crate) async fn guarded() -> &'static str {
    "ok"
}

#[get("/pair/{a}")]
pub(crate) async fn pair(Path((a, b)): Path<(u8, u8)>) -> String {
    format!("{a}{b}")
}

#[get("/one", operation_id = "same")]
pub(crate) async fn one() {}

#[get("/two", operation_id = "same")]
pub(crate) async fn two() {}

/// Each broken app, with the parts its error must name.
pub(crate) fn cases() -> Vec<(App, Vec<&'static str>)> {
    vec![
        (
            App::new().routes(harrow::routes![opaque]),
            vec![
                "handler `opaque` at tests/openapi/undescribable.rs:",
                "`impl IntoResponse`",
                "responses(200 = Json<Book>",
            ],
        ),
        (
            App::new().routes(harrow::routes![secret]),
            vec![
                "handler `secret`",
                "argument `_s` has type `Secret`",
                "DescribeInput",
            ],
        ),
        (
            App::new().routes(harrow::routes![teapot]),
            vec![
                "handler `teapot`",
                "the return type has type `Teapot`",
                "DescribeOutput",
            ],
        ),
        (
            App::new().routes(harrow::routes![unschemed]),
            vec![
                "handler `unschemed`",
                "argument 1 has type `Json<Unschemed>`",
                "JsonSchema",
            ],
        ),
        (
            App::new().routes(harrow::routes![raw]),
            vec!["handler `raw`", "`Response` does not say which responses"],
        ),
        (
            App::new().routes(harrow::routes![guarded]),
            vec![
                "handler `guarded`",
                "security scheme `token`, never declared",
            ],
        ),
        (
            App::new().routes(harrow::routes![pair]),
            vec![
                "handler `pair`",
                "`Path<(u8, u8)>` does not fit the path's parameters (a)",
            ],
        ),
        (
            App::new().routes(harrow::routes![one, two]),
            vec![
                "handler `two`",
                "operation id `same` is also that of handler `one`",
            ],
        ),
    ]
}
