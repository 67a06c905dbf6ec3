//! Serving the document: routes for its JSON and YAML, and the interactive
//! documentation page, added to the app when it starts.

use bytes::Bytes;
use http::Method;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};

use super::api::{Document, OpenApi};
use super::build;
use crate::response::{IntoResponse, Response};
use crate::routing::{Route, RouteError};

/// The viewer of the interactive documentation page. Each is loaded from
/// the jsDelivr CDN, pinned to one version with its subresource-integrity
/// hash (computed from the files of that version's npm package), so a
/// changed file is refused by the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Viewer {
    /// Swagger UI: operations listed by tag, with "Try it out" forms.
    #[default]
    SwaggerUi,
    /// Redoc: a three-column reference, read-only.
    Redoc,
    /// Scalar: a reference with a request client built in.
    Scalar,
}

const SWAGGER_JS: (&str, &str) = (
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui-bundle.js",
    "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
);
const SWAGGER_CSS: (&str, &str) = (
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui.css",
    "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
);
const REDOC_JS: (&str, &str) = (
    "https://cdn.jsdelivr.net/npm/redoc@2.5.2/bundles/redoc.standalone.js",
    "sha384-70P5pmIdaQdVbxvjhrcTDv1uKcKqalZ3OHi7S2J+uzDl0PW8dO6L+pHOpm9EEjGJ",
);
const SCALAR_JS: (&str, &str) = (
    "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.4/dist/browser/standalone.js",
    "sha384-hwB9WroDTpZaI38gr+u9CXA6ksz5gUYgD2GxXazKl/agT1L2GWUiRFWGJYNiFu4Q",
);

/// The routes serving `api`'s document of `routes`, or the errors that
/// stop it from being built (added to `errors`).
pub(crate) fn routes(api: &OpenApi, routes: &[&Route], errors: &mut Vec<RouteError>) -> Vec<Route> {
    let document = match build::build(api, routes) {
        Ok(document) => document,
        Err(found) => {
            errors.extend(found.into_iter().map(RouteError::OpenApi));
            return Vec::new();
        }
    };
    let mut served = Vec::new();
    if let Some(path) = &api.json_path {
        served.push(fixed(path, "application/json", document.to_json()));
    }
    if let Some(path) = &api.yaml_path {
        served.push(fixed(path, "application/yaml", document.to_yaml()));
    }
    if let Some((path, viewer)) = &api.docs {
        let page = page(*viewer, &api.title, api.json_path.as_deref(), &document);
        served.push(fixed(path, "text/html; charset=utf-8", page));
    }
    served
}

/// A GET route answering `body` as `content_type`.
fn fixed(path: &str, content_type: &'static str, body: String) -> Route {
    let body = Bytes::from(body);
    let handler = move || {
        let body = body.clone();
        async move { respond(content_type, body) }
    };
    Route::new(Method::GET, path, handler)
}

fn respond(content_type: &'static str, body: Bytes) -> Response {
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The documentation page: the viewer, reading the document from
/// `json_path` when it is served, or from the page itself.
pub(crate) fn page(
    viewer: Viewer,
    title: &str,
    json_path: Option<&str>,
    document: &Document,
) -> String {
    // Inside a <script> element nothing may look like a closing tag; JSON
    // allows `<` as `\u003c` inside strings, the only place it can occur.
    let source = match json_path {
        Some(path) => format!("{{\"url\": {}}}", js_string(path)),
        None => format!(
            "{{\"spec\": {}}}",
            serde_json::to_string(&document.node)
                .expect("a document serializes")
                .replace('<', "\\u003c")
        ),
    };
    let title = escape_html(title);
    let (head, body) = match viewer {
        Viewer::SwaggerUi => (
            format!("{}\n    {}", stylesheet(SWAGGER_CSS), script(SWAGGER_JS)),
            format!(
                "<div id=\"docs\"></div>\n    <script>\n      const source = {source};\n      \
                 SwaggerUIBundle({{ ...source, dom_id: \"#docs\", deepLinking: true }});\n    \
                 </script>"
            ),
        ),
        Viewer::Redoc => (
            script(REDOC_JS),
            format!(
                "<div id=\"docs\"></div>\n    <script>\n      const source = {source};\n      \
                 Redoc.init(source.url || source.spec, {{}}, document.getElementById(\"docs\"));\
                 \n    </script>"
            ),
        ),
        Viewer::Scalar => (
            script(SCALAR_JS),
            format!(
                "<div id=\"docs\"></div>\n    <script>\n      const source = {source};\n      \
                 Scalar.createApiReference(\"#docs\", source.url ? {{ url: source.url }} : \
                 {{ content: source.spec }});\n    </script>"
            ),
        ),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
         <title>{title}</title>\n    {head}\n  </head>\n  <body>\n    {body}\n  </body>\n</html>\n"
    )
}

fn script((src, integrity): (&str, &str)) -> String {
    format!("<script src=\"{src}\" integrity=\"{integrity}\" crossorigin=\"anonymous\"></script>")
}

fn stylesheet((href, integrity): (&str, &str)) -> String {
    format!(
        "<link rel=\"stylesheet\" href=\"{href}\" integrity=\"{integrity}\" \
         crossorigin=\"anonymous\">"
    )
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string serializes")
        .replace('<', "\\u003c")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::model::Node;

    #[test]
    fn the_page_reads_the_served_document_or_carries_it() {
        let document = Document {
            node: Node::object().field("x", "</script>"),
        };
        let page = page(
            Viewer::SwaggerUi,
            "A <b> API",
            Some("/openapi.json"),
            &document,
        );
        assert!(page.contains("<title>A &lt;b&gt; API</title>"), "{page}");
        assert!(
            page.contains("const source = {\"url\": \"/openapi.json\"};"),
            "{page}"
        );
        assert!(page.contains(SWAGGER_JS.1));
        let inline = super::page(Viewer::Scalar, "A", None, &document);
        assert!(
            inline.contains("{\"spec\": {\"x\":\"\\u003c/script>\"}}"),
            "{inline}"
        );
        assert!(!inline.contains("</script>\"}"));
        let redoc = super::page(Viewer::Redoc, "A", None, &document);
        assert!(redoc.contains("Redoc.init("));
    }
}
