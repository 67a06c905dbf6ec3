//! [`OpenApi`], the one entry point: what the document says of the API as a
//! whole and where it is served; and [`Document`], what it builds.

use serde::Serialize;

use super::build;
use super::model::Node;
use super::security::SecurityScheme;
use super::serve::Viewer;
use super::yaml;
use crate::App;
use crate::routing::{RouteError, RouteErrors};

/// The OpenAPI 3.1 document of an [`App`]: its title and version, the
/// security schemes, and where to serve it. The operations come from the
/// app's annotated handlers, wherever it places them.
///
/// Give it to the app with [`App::openapi`] to serve the document (built
/// when the app starts, so a route that cannot be described stops the
/// start with an error naming it), or ask for the document with
/// [`OpenApi::document`] to write it to a file or test it.
///
/// ```
/// use harrow::openapi::{JsonSchema, OpenApi};
/// use harrow::prelude::*;
/// use serde::Serialize;
///
/// #[derive(Serialize, JsonSchema)]
/// struct Book {
///     title: String,
/// }
///
/// /// Every book.
/// #[get("/books")]
/// async fn books() -> Json<Vec<Book>> {
///     Json(vec![Book { title: "Dune".into() }])
/// }
///
/// let api = OpenApi::new("Bookshop", "1.0.0")
///     .serve_json("/openapi.json")
///     .serve_docs("/docs");
/// let app = App::new().routes(routes![books]);
/// let document = api.document(&app).unwrap().to_value();
/// assert_eq!(document["paths"]["/books"]["get"]["summary"], "Every book.");
/// let app = app.openapi(api);
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct OpenApi {
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) description: Option<String>,
    pub(crate) servers: Vec<String>,
    pub(crate) schemes: Vec<(String, SecurityScheme)>,
    pub(crate) security: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) prefix_tags: Vec<(String, String)>,
    pub(crate) json_path: Option<String>,
    pub(crate) yaml_path: Option<String>,
    pub(crate) docs: Option<(String, Viewer)>,
}

impl OpenApi {
    /// A document titled `title` for version `version` of the API (the
    /// API's version, not OpenAPI's).
    pub fn new(title: &str, version: &str) -> Self {
        OpenApi {
            title: title.to_owned(),
            version: version.to_owned(),
            description: None,
            servers: Vec::new(),
            schemes: Vec::new(),
            security: Vec::new(),
            tags: Vec::new(),
            prefix_tags: Vec::new(),
            json_path: None,
            yaml_path: None,
            docs: None,
        }
    }

    /// What the API is for (Markdown).
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_owned());
        self
    }

    /// Adds a server the API is reached at, such as
    /// `https://api.example.com`; without one, clients use the host that
    /// served the document.
    pub fn server(mut self, url: &str) -> Self {
        self.servers.push(url.to_owned());
        self
    }

    /// Declares a security scheme under `name`, for operations to require.
    pub fn security_scheme(mut self, name: &str, scheme: SecurityScheme) -> Self {
        self.schemes.retain(|(n, _)| n != name);
        self.schemes.push((name.to_owned(), scheme));
        self
    }

    /// Requires the scheme `name` of every operation that says nothing
    /// itself; called again, it adds an alternative (either scheme will
    /// do). A route opts out with `security = []` on its attribute.
    pub fn security(mut self, name: &str) -> Self {
        if !self.security.iter().any(|s| s == name) {
            self.security.push(name.to_owned());
        }
        self
    }

    /// Describes the tag `name`, shown above its operations.
    pub fn tag(mut self, name: &str, description: &str) -> Self {
        self.tags.retain(|(n, _)| n != name);
        self.tags.push((name.to_owned(), description.to_owned()));
        self
    }

    /// Tags the operations whose path starts with `prefix` (a scope's
    /// prefix, such as `/admin`) with `tag`, unless their attribute names
    /// tags. Without it, an operation is tagged with its handler's module
    /// (`books` for `my_app::books`; none for the crate root).
    pub fn tag_prefix(mut self, prefix: &str, tag: &str) -> Self {
        self.prefix_tags
            .push((prefix.trim_end_matches('/').to_owned(), tag.to_owned()));
        self
    }

    /// Serves the document as JSON at `path` (such as `/openapi.json`).
    pub fn serve_json(mut self, path: &str) -> Self {
        self.json_path = Some(path.to_owned());
        self
    }

    /// Serves the document as YAML at `path` (such as `/openapi.yaml`).
    pub fn serve_yaml(mut self, path: &str) -> Self {
        self.yaml_path = Some(path.to_owned());
        self
    }

    /// Serves an interactive documentation page at `path` (such as
    /// `/docs`), with [Swagger UI](Viewer::SwaggerUi).
    pub fn serve_docs(self, path: &str) -> Self {
        self.serve_docs_with(path, Viewer::SwaggerUi)
    }

    /// Serves an interactive documentation page at `path` with `viewer`.
    /// The page loads the viewer's script from a CDN, in the reader's
    /// browser; the server itself fetches nothing.
    pub fn serve_docs_with(mut self, path: &str, viewer: Viewer) -> Self {
        self.docs = Some((path.to_owned(), viewer));
        self
    }

    /// The document of `app`: every annotated handler it serves, at its
    /// full path (scope prefixes included), except those marked
    /// `#[doc(hidden)]`. Routes added by hand (`App::get("/p", f)`) have no
    /// attribute to read and are left out.
    ///
    /// Fails with every route that cannot be described, each naming the
    /// handler and the type at fault.
    pub fn document(&self, app: &App) -> Result<Document, RouteErrors> {
        app.with_routes(|routes| build::build(self, routes))
            .map_err(|errors| {
                RouteErrors::new(errors.into_iter().map(RouteError::OpenApi).collect())
                    .expect("at least one error")
            })
    }
}

/// An OpenAPI 3.1 document, as [`OpenApi::document`] builds it.
///
/// ```
/// # use harrow::openapi::OpenApi;
/// # use harrow::App;
/// let document = OpenApi::new("Empty", "0.1.0").document(&App::new()).unwrap();
/// assert!(document.to_json().starts_with("{\n  \"openapi\": \"3.1.0\""));
/// assert!(document.to_yaml().starts_with("openapi: \"3.1.0\"\n"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub(crate) node: Node,
}

impl Document {
    /// Pretty-printed JSON, with the fields in the specification's order.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.node).expect("a document serializes")
    }

    /// YAML, with the fields in the specification's order.
    pub fn to_yaml(&self) -> String {
        yaml::to_yaml(&self.node)
    }

    /// The document as a JSON value, to inspect or change (its objects sort
    /// their keys).
    pub fn to_value(&self) -> serde_json::Value {
        self.node.to_value()
    }
}

impl Serialize for Document {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.node.serialize(serializer)
    }
}

impl App {
    /// Builds `api`'s document when the app starts and serves it where
    /// `api` says ([`OpenApi::serve_json`], [`serve_yaml`](OpenApi::serve_yaml),
    /// [`serve_docs`](OpenApi::serve_docs)). A route that cannot be
    /// described stops the start, reported with the other route errors.
    ///
    /// ```
    /// use harrow::openapi::OpenApi;
    /// use harrow::prelude::*;
    /// use harrow::test::TestClient;
    ///
    /// /// Says hello.
    /// #[get("/hello")]
    /// async fn hello() -> &'static str { "hi" }
    ///
    /// let app = App::new()
    ///     .routes(routes![hello])
    ///     .openapi(OpenApi::new("Hello", "1.0.0").serve_json("/openapi.json"));
    /// let client = TestClient::new(app);
    /// let document: serde_json::Value = client.get("/openapi.json").send().json();
    /// assert_eq!(document["paths"]["/hello"]["get"]["operationId"], "hello");
    /// ```
    pub fn openapi(mut self, api: OpenApi) -> Self {
        self.openapi = Some(api);
        self
    }
}
