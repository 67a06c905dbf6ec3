//! The sample API of the OpenAPI tests: every extractor and every response
//! form harrow has, the attribute keys, and types with serde attributes.
//! Its document is the golden file `sample.json`; its handlers accept the
//! requests the round-trip test builds from that document.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use harrow::extract::{TypedHeader, UserAgent};
use harrow::openapi::{
    DescribeInput, DescribeOutput, JsonSchema, OpenApi, Operation, ResponseDoc, Responses,
    SecurityScheme,
};
use harrow::prelude::*;
use harrow::{FromRequestParts, RequestContext, Scope};
use serde::{Deserialize, Serialize};

/// The caller, from `Authorization: Bearer secret`.
pub(crate) struct Caller;

impl FromRequestParts for Caller {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        match parts.headers.get("authorization") {
            Some(v) if v == "Bearer secret" => Ok(Caller),
            _ => Err((StatusCode::UNAUTHORIZED, "who are you?")),
        }
    }
}

impl DescribeInput for Caller {
    fn describe(op: &mut Operation<'_>) {
        op.security("bearer");
        op.rejection(
            StatusCode::UNAUTHORIZED,
            "The bearer token is missing or wrong.",
        );
    }
}

/// What went wrong, as JSON.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Problem {
    /// A sentence for people.
    pub(crate) message: String,
}

/// Why the shelf refused.
pub(crate) enum ShelfError {
    /// The title is on the shelf already.
    Duplicate,
}

impl IntoResponse for ShelfError {
    fn into_response(self) -> Response {
        let problem = Problem {
            message: "that title is on the shelf".into(),
        };
        (StatusCode::CONFLICT, Json(problem)).into_response()
    }
}

impl DescribeOutput for ShelfError {
    fn describe(responses: &mut Responses<'_>) {
        let problem = responses.schema_for::<Problem>();
        responses
            .add(ResponseDoc::new(StatusCode::CONFLICT, "The title is on the shelf").json(problem));
    }
}

pub(crate) mod books {
    use super::*;

    /// A book on the shelf.
    #[derive(Serialize, Deserialize, JsonSchema, Clone)]
    pub(crate) struct Book {
        /// Its id.
        pub(crate) id: u64,
        /// Its title.
        pub(crate) title: String,
        /// Shelf labels; absent when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub(crate) labels: Vec<String>,
    }

    /// A book to add.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct NewBook {
        /// Its title.
        pub(crate) title: String,
        /// Shelf labels.
        #[serde(default)]
        pub(crate) labels: Vec<String>,
    }

    /// Which page of the list.
    #[derive(Deserialize, JsonSchema)]
    pub(crate) struct Page {
        /// From 1.
        pub(crate) page: Option<u32>,
        /// Books per page.
        #[serde(default = "ten")]
        pub(crate) per_page: u8,
        /// Words the title holds.
        #[serde(rename = "q")]
        pub(crate) query: Option<String>,
    }

    fn ten() -> u8 {
        10
    }

    fn dune() -> Book {
        Book {
            id: 1,
            title: "Dune".into(),
            labels: Vec::new(),
        }
    }

    /// Lists the books.
    ///
    /// A page at a time, filtered by title.
    #[get("/books")]
    pub(crate) async fn list(Query(page): Query<Page>) -> Json<Vec<Book>> {
        let _ = (page.page, page.per_page, page.query);
        Json(vec![dune()])
    }

    /// One book, by its id.
    #[get("/books/{id}")]
    pub(crate) async fn show(id: u64) -> Option<Json<Book>> {
        (id == 1).then(|| Json(dune()))
    }

    /// Adds a book.
    #[post(
        "/books",
        example = serde_json::json!({"title": "Dune", "labels": ["sf"]}),
        responses(201 = (Json<Book>, "Added"))
    )]
    pub(crate) async fn add(
        _caller: Caller,
        Json(new): Json<NewBook>,
    ) -> Result<(StatusCode, Json<Book>), ShelfError> {
        if new.title == "Duplicate" {
            return Err(ShelfError::Duplicate);
        }
        let book = Book {
            id: 2,
            title: new.title,
            labels: new.labels,
        };
        Ok((StatusCode::CREATED, Json(book)))
    }

    /// Replaces a book or changes it.
    #[route("/books/{id}", method = "PUT", method = "PATCH", tags = ["books", "edits"])]
    pub(crate) async fn save(id: u64, Json(book): Json<NewBook>) -> Result<Json<Book>, Error> {
        Ok(Json(Book {
            id,
            title: book.title,
            labels: book.labels,
        }))
    }

    /// Removes a book.
    #[delete(
        "/books/{id}",
        operation_id = "removeBook",
        responses(204 = "Removed", 404 = "No such book")
    )]
    pub(crate) async fn remove(_caller: Caller, id: u64) -> StatusCode {
        if id == 1 {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_FOUND
        }
    }

    /// Lists books the old way.
    #[deprecated = "use `list`"]
    #[get("/shelf", security = [])]
    pub(crate) async fn shelf() -> Json<Vec<Book>> {
        Json(vec![dune()])
    }
}

pub(crate) mod forms {
    use super::*;

    /// The sign-up form.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub(crate) struct SignUp {
        /// The name to show.
        pub(crate) display_name: String,
        /// Whether to send news.
        #[serde(default)]
        pub(crate) wants_news: bool,
    }

    /// Signs up, then sends the reader home.
    #[post("/sign-up", summary = "Sign up", description = "From an HTML form.")]
    pub(crate) async fn sign_up(Form(form): Form<SignUp>) -> Redirect {
        let _ = (form.display_name, form.wants_news);
        Redirect::to("/")
    }

    /// The sign-up page.
    #[get("/sign-up")]
    pub(crate) async fn page() -> Html<&'static str> {
        Html("<form method=post></form>")
    }
}

pub(crate) mod misc {
    use super::*;

    /// Which way a coordinate is given.
    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    pub(crate) enum Place {
        /// A point.
        Point {
            /// East–west.
            x: i32,
            /// North–south.
            y: i32,
        },
        /// Somewhere with a name.
        Named {
            /// The place's name.
            name: String,
        },
    }

    /// Echoes the text it is sent.
    #[post("/echo/text")]
    pub(crate) async fn echo_text(text: String) -> String {
        text
    }

    /// Echoes the bytes it is sent.
    #[post("/echo/bytes")]
    pub(crate) async fn echo_bytes(body: Bytes) -> Vec<u8> {
        body.to_vec()
    }

    /// Echoes a place.
    #[put("/places")]
    pub(crate) async fn place(
        Json(place): Json<Place>,
    ) -> (StatusCode, [(&'static str, &'static str); 1], Json<Place>) {
        (StatusCode::OK, [("x-echo", "1")], Json(place))
    }

    /// Says who asks.
    #[get("/whoami")]
    pub(crate) async fn whoami(
        TypedHeader(UserAgent(agent)): TypedHeader<UserAgent>,
        method: Method,
        headers: HeaderMap,
    ) -> ([(&'static str, &'static str); 1], String) {
        let _ = (method, headers.len());
        ([("cache-control", "no-store")], agent)
    }

    /// A file, by its path.
    #[get("/files/{*path}")]
    pub(crate) async fn file(path: String) -> Bytes {
        Bytes::from(path)
    }

    /// A user's item, by tuple.
    #[get("/users/{user}/items/{item}")]
    pub(crate) async fn item(Path((user, item)): Path<(String, u32)>) -> String {
        format!("{user}/{item}")
    }

    /// Free-form query.
    #[get("/search")]
    pub(crate) async fn search(
        Query(q): Query<HashMap<String, String>>,
    ) -> Json<HashMap<String, String>> {
        Json(q)
    }

    /// Counts the calls on this worker.
    #[get("/hits")]
    pub(crate) async fn hits(
        State(hits): State<Rc<Cell<u64>>>,
        language: Option<TypedHeader<UserAgent>>,
    ) -> String {
        let _ = language;
        hits.set(hits.get() + 1);
        hits.get().to_string()
    }

    /// Declares what `impl IntoResponse` hides.
    #[get("/declared", responses(418 = "A teapot"))]
    pub(crate) async fn declared() -> impl IntoResponse {
        (StatusCode::IM_A_TEAPOT, "short and stout")
    }

    /// A response built by hand, declared.
    #[get("/raw", responses(200 = (Json<Problem>, "A problem", example = Problem { message: "none".into() })))]
    pub(crate) async fn raw() -> Response {
        Json(Problem {
            message: "none".into(),
        })
        .into_response()
    }

    /// Nothing to say.
    #[post("/ping")]
    pub(crate) async fn ping() {}

    /// Hidden from the document.
    #[doc(hidden)]
    #[get("/internal")]
    pub(crate) async fn internal() -> impl IntoResponse {
        "internal"
    }
}

pub(crate) mod shops {
    use super::*;

    /// The shop's opening hours.
    #[get("/hours")]
    pub(crate) async fn hours() -> &'static str {
        "9 to 5"
    }
}

/// The sample app: every module above, `shops` under a prefix with a
/// parameter of its own.
pub(crate) fn app() -> App {
    App::new()
        .state(Rc::new(Cell::new(0u64)))
        .nest("/", Scope::module("openapi::sample::books"))
        .nest("/", Scope::module("openapi::sample::forms"))
        .nest("/", Scope::module("openapi::sample::misc"))
        .nest("/shops/{shop}", Scope::module("openapi::sample::shops"))
}

/// The sample's document settings.
pub(crate) fn api() -> OpenApi {
    OpenApi::new("Sample", "0.1.0")
        .description("Every extractor and response form of harrow.")
        .server("http://localhost:3000")
        .security_scheme("bearer", SecurityScheme::bearer().bearer_format("opaque"))
        .tag("books", "The shelf.")
        .tag_prefix("/shops", "shops")
        .serve_json("/openapi.json")
        .serve_yaml("/openapi.yaml")
        .serve_docs("/docs")
}
