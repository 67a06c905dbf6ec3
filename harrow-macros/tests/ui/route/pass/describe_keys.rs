//! Every key that describes a route in the OpenAPI document, and a
//! deprecated handler whose own route calls it without a warning.
#![deny(warnings)]

use harrow::openapi::{JsonSchema, OpenApi, SecurityScheme, schemars};
use harrow::{Json, StatusCode, delete, get, post, route};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Book {
    title: String,
}

/// Every book.
///
/// Longer words about it.
#[get(
    "/books",
    summary = "All books",
    description = "Every book on the shelf.",
    operation_id = "listBooks",
    tags = ["books", "shelf"],
    security = [],
)]
async fn list() -> Json<Vec<Book>> {
    Json(Vec::new())
}

#[post(
    "/books",
    security = ["bearer"],
    example = Book { title: "Dune".into() },
    responses(
        201 = (Json<Book>, "Added", example = serde_json::json!({"title": "Dune"})),
        "4XX" = "A mistake",
        default = Json<Book>,
    ),
)]
async fn add(Json(book): Json<Book>) -> (StatusCode, Json<Book>) {
    (StatusCode::CREATED, Json(book))
}

#[deprecated = "use `list`"]
#[delete("/books/{id}", responses(204 = "Deleted"))]
async fn remove(id: u64) -> StatusCode {
    let _ = id;
    StatusCode::NO_CONTENT
}

#[route("/shelf", method = "GET", method = "HEAD", tags = ["shelf"])]
async fn shelf() -> &'static str {
    "shelf"
}

fn main() {
    let app = harrow::App::new().routes(harrow::routes![list, add, remove, shelf]);
    let api = OpenApi::new("Books", "1").security_scheme("bearer", SecurityScheme::bearer());
    let doc = api.document(&app).expect("described").to_value();
    assert_eq!(doc["paths"]["/books"]["get"]["operationId"], "listBooks");
    assert_eq!(doc["paths"]["/books/{id}"]["delete"]["deprecated"], true);
}
