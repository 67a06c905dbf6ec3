//! OpenAPI 3.1: a document of the API derived from the route attributes
//! (the `openapi` cargo feature).
//!
//! The route attributes already know each operation's method and path, its
//! path parameters and their types, its extractors and its return type;
//! [`OpenApi`] reads that, with the types' schemas from their
//! [`JsonSchema`] derive, into the document, and serves it with an
//! interactive documentation page.
//!
//! ```
//! use harrow::openapi::{JsonSchema, OpenApi};
//! use harrow::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct Book {
//!     title: String,
//!     year: u16,
//! }
//!
//! /// One book, by its id.
//! #[get("/books/{id}")]
//! async fn book(id: u64) -> Option<Json<Book>> {
//!     (id == 1).then(|| Json(Book { title: "Dune".into(), year: 1965 }))
//! }
//!
//! let app = App::new().routes(routes![book]);
//! let doc = OpenApi::new("Bookshop", "1.0.0").document(&app).unwrap().to_value();
//! let get = &doc["paths"]["/books/{id}"]["get"];
//! assert_eq!(get["summary"], "One book, by its id.");
//! assert_eq!(get["parameters"][0]["schema"]["format"], "int64");
//! assert_eq!(get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Book");
//! assert!(get["responses"]["404"].is_object());
//! ```
//!
//! | from the handler | in the document |
//! |---|---|
//! | method and path (scope prefixes included) | the operation, its path template |
//! | `id: u64` bound to `{id}`, `Path<T>` | path parameters with their schemas |
//! | `Query<T>` | one query parameter per field of `T`, required unless optional |
//! | `Json<T>`, `Form<T>`, `String`, `Bytes` | the request body, with its media type |
//! | `TypedHeader<H>` | a header parameter |
//! | the extractors' rejections | `400`, `413`, `415`, `422` responses |
//! | the return type | the responses: `Json<T>` is `200` with `T`'s schema, `Result<T, E>` both sides, `Option<T>` adds `404` |
//! | the doc comment | summary (first paragraph) and description |
//! | the function's name | `operationId` |
//! | the handler's module | a tag |
//! | `#[deprecated]`, `#[doc(hidden)]` | `deprecated: true`; left out |
//!
//! The route attributes take keys for what the types cannot say:
//! `summary`, `description`, `operation_id`, `tags`, `security`, `example`
//! (of the request body) and `responses(…)`:
//!
//! ```
//! use harrow::prelude::*;
//!
//! #[delete("/books/{id}", tags = ["admin"], security = ["bearer"], responses(
//!     204 = "Deleted",
//!     404 = "No such book",
//! ))]
//! async fn remove(id: u64) -> StatusCode {
//!     StatusCode::NO_CONTENT
//! }
//! ```
//!
//! A type the document cannot describe (an extractor with no
//! [`DescribeInput`], a return type with no [`DescribeOutput`] or one that
//! hides its type, such as `impl IntoResponse`) makes the document fail
//! to build with an error naming the handler, where it is defined and the
//! type. Mark a handler `#[doc(hidden)]` to leave it out.

mod api;
mod build;
mod draft;
mod error;
mod inputs;
mod model;
mod operation;
mod outputs;
pub(crate) mod private;
mod responses;
mod schemas;
mod security;
mod serve;
mod yaml;

pub use api::{Document, OpenApi};
pub use error::OpenApiError;
pub use inputs::DescribeInput;
pub use operation::{Operation, Parameter};
pub use outputs::DescribeOutput;
pub use responses::{ResponseDoc, Responses, Status};
pub use security::SecurityScheme;
pub use serve::Viewer;

/// The schemars crate, whose [`JsonSchema`] derive gives the document its
/// schemas: in scope as `schemars`, the derive needs no dependency of its
/// own (`use harrow::openapi::schemars;`, or the prelude).
pub use schemars;
/// Derive it beside `Serialize` and `Deserialize`: the type's schema, as
/// serde reads and writes it (its `rename`, `rename_all`, `skip`,
/// `default`, `flatten` and enum tagging attributes included).
pub use schemars::JsonSchema;
/// A JSON Schema, as [`Operation::schema_for`] and
/// [`Responses::schema_for`] return it.
pub use schemars::Schema;

pub(crate) use serve::routes;
