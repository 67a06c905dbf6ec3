//! Issue 18: the OpenAPI 3.1 document derived from the route attributes.
//!
//! The sample API (`openapi/sample.rs`) covers every extractor and response
//! form; its document must match the golden files `openapi/sample.json`
//! and `openapi/sample.yaml` (rewrite them with `HARROW_BLESS=1` and review
//! the diff), validate against the OpenAPI 3.1 schema (vendored as
//! `openapi/oas-3.1-schema.json`, the OpenAPI Initiative's 2022-10-07
//! release), and describe what the running server really accepts and
//! answers: requests built from the document alone are sent to it, and its
//! responses checked against the documented schemas.

#[path = "openapi/sample.rs"]
mod sample;
#[path = "openapi/serde_cases.rs"]
mod serde_cases;
#[path = "openapi/undescribable.rs"]
mod undescribable;

/// The book's example program, whose document the book shows.
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/openapi.rs"]
mod bookshop;

use std::path::PathBuf;

use harrow::openapi::OpenApi;
use harrow::test::{TestClient, spawn_server};
use harrow::{App, RouteError};
use serde_json::{Value, json};

const OAS_SCHEMA: &str = include_str!("openapi/oas-3.1-schema.json");

/// The sample's document, as JSON.
fn sample_document() -> Value {
    match sample::api().document(&sample::app()) {
        Ok(doc) => doc.to_value(),
        Err(e) => panic!("the sample cannot be described: {e}"),
    }
}

/// Compares `actual` with the golden file `name`, or rewrites the file when
/// `HARROW_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("openapi")
        .join(name);
    if std::env::var_os("HARROW_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .map_or(expected.lines().count().min(actual.lines().count()), |n| n);
        panic!(
            "{} differs from the document built now, first at line {}:\n  golden: {:?}\n  built:  {:?}\n\
             rerun with HARROW_BLESS=1 to rewrite it, then review the diff",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn the_sample_document_matches_its_golden_files() {
    let doc = sample::api().document(&sample::app()).expect("described");
    golden("sample.json", &(doc.to_json() + "\n"));
    golden("sample.yaml", &doc.to_yaml());
}

#[test]
fn the_books_example_document_matches_the_book() {
    let doc = bookshop::api()
        .document(&bookshop::app())
        .expect("described");
    golden("bookshop.yaml", &doc.to_yaml());
    assert_valid_openapi(&doc.to_value());
}

#[test]
fn the_yaml_reads_back_as_the_json() {
    let doc = sample::api().document(&sample::app()).expect("described");
    let from_yaml: Value = serde_yaml_ng::from_str(&doc.to_yaml()).expect("valid YAML");
    assert_eq!(from_yaml, doc.to_value());
}

/// A validator for the OpenAPI 3.1 schema.
fn oas_validator() -> (boon::Schemas, boon::SchemaIndex) {
    let schema: Value = serde_json::from_str(OAS_SCHEMA).expect("the vendored schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:oas-3.1", schema)
        .expect("the schema loads");
    let index = compiler
        .compile("urn:oas-3.1", &mut schemas)
        .expect("the schema compiles");
    (schemas, index)
}

/// Validates `doc` against the OpenAPI 3.1 schema, and each of its
/// component schemas against JSON Schema 2020-12 (boon checks a schema
/// against its meta-schema as it compiles it).
fn assert_valid_openapi(doc: &Value) {
    let (schemas, index) = oas_validator();
    if let Err(e) = schemas.validate(doc, index) {
        panic!("not a valid OpenAPI 3.1 document: {e:#}");
    }
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:doc", doc.clone())
        .expect("the document loads");
    let mut compiled = boon::Schemas::new();
    let components = doc["components"]["schemas"].as_object();
    for name in components.into_iter().flatten().map(|(n, _)| n) {
        let location = format!("urn:doc#/components/schemas/{}", name.replace('/', "~1"));
        if let Err(e) = compiler.compile(&location, &mut compiled) {
            panic!("component `{name}` is not a valid JSON Schema: {e:#}");
        }
    }
}

#[test]
fn the_documents_are_valid_openapi_3_1() {
    assert_valid_openapi(&sample_document());
    assert_valid_openapi(&serde_cases::document());
    let empty = OpenApi::new("Empty", "0").document(&App::new()).unwrap();
    assert_valid_openapi(&empty.to_value());
}

#[test]
fn the_validator_refuses_a_broken_document() {
    let (schemas, index) = oas_validator();
    let mut doc = sample_document();
    doc["paths"]["/books"]["get"]["responses"] = json!({"200": {}});
    assert!(
        schemas.validate(&doc, index).is_err(),
        "a response needs a description"
    );
    let mut doc = sample_document();
    doc["openapi"] = json!("3.0.3");
    assert!(schemas.validate(&doc, index).is_err());
}

#[test]
fn the_app_serves_the_document_and_its_page() {
    let client = TestClient::new(sample::app().openapi(sample::api()));
    let doc = sample::api().document(&sample::app()).expect("described");

    let res = client.get("/openapi.json").send();
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), doc.to_json());

    let res = client.get("/openapi.yaml").send();
    assert_eq!(res.header("content-type"), Some("application/yaml"));
    assert_eq!(res.text(), doc.to_yaml());

    let res = client.get("/docs").send();
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    let page = res.text();
    assert!(page.contains("swagger-ui-bundle.js"), "{page}");
    assert!(
        page.contains(r#"const source = {"url": "/openapi.json"};"#),
        "{page}"
    );
    assert!(page.contains("<title>Sample</title>"));

    // The served routes are not operations of the document.
    let value = doc.to_value();
    assert!(value["paths"].get("/openapi.json").is_none());
    assert!(value["paths"].get("/internal").is_none(), "#[doc(hidden)]");
}

#[test]
fn an_app_whose_routes_cannot_be_described_does_not_start() {
    let app = App::new()
        .routes(harrow::routes![undescribable::opaque])
        .openapi(OpenApi::new("Broken", "0").serve_json("/openapi.json"));
    let errors = match TestClient::try_new(app) {
        Ok(_) => panic!("started"),
        Err(e) => e,
    };
    let first = errors.first();
    assert!(matches!(first, RouteError::OpenApi(_)), "{first:?}");
    let message = first.to_string();
    assert!(
        message.contains("handler `opaque` at tests/openapi/undescribable.rs:"),
        "{message}"
    );
    assert!(message.contains("`impl IntoResponse`"), "{message}");
    // Without the document, the same route serves.
    let client = TestClient::new(App::new().routes(harrow::routes![undescribable::opaque]));
    assert_eq!(client.get("/opaque").send().status(), 200);
}

#[test]
fn every_undescribable_type_is_named_with_its_handler() {
    for (app, expected) in undescribable::cases() {
        let errors = match OpenApi::new("Broken", "0")
            .security_scheme("bearer", harrow::openapi::SecurityScheme::bearer())
            .document(&app)
        {
            Ok(_) => panic!("described: {expected:?}"),
            Err(e) => e,
        };
        let text = errors.to_string();
        for part in expected {
            assert!(text.contains(part), "`{text}` lacks `{part}`");
        }
    }
}

mod round_trip {
    //! Requests built from the document alone, sent to the running sample
    //! server; each response's status must be one the document lists for
    //! the operation and its JSON body must fit the listed schema.

    use super::*;

    /// A value that fits `schema`: its example when it has one, else the
    /// first thing each keyword allows.
    fn instance(doc: &Value, schema: &Value) -> Value {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = r.trim_start_matches('#');
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {r}"));
            return instance(doc, target);
        }
        if let Some(example) = schema.get("examples").and_then(|e| e.get(0)) {
            return example.clone();
        }
        if let Some(value) = schema.get("const") {
            return value.clone();
        }
        if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
            return first.clone();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(key).and_then(|a| a.get(0)) {
                return instance(doc, first);
            }
        }
        let ty = match schema.get("type") {
            Some(Value::Array(types)) => types.iter().find(|t| *t != "null").cloned(),
            other => other.cloned(),
        };
        match ty.as_ref().and_then(Value::as_str) {
            Some("integer") => {
                let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
                json!(min.max(1))
            }
            Some("number") => json!(1.5),
            Some("boolean") => json!(true),
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("uuid") => json!("67e55044-10b1-426f-9247-bb680e5fe0c8"),
                _ => json!("Dune"),
            },
            Some("array") => match schema.get("prefixItems").and_then(Value::as_array) {
                Some(items) => Value::Array(items.iter().map(|s| instance(doc, s)).collect()),
                None => match schema.get("items") {
                    Some(items) => json!([instance(doc, items)]),
                    None => json!([]),
                },
            },
            _ => {
                let mut object = serde_json::Map::new();
                let properties = schema.get("properties").and_then(Value::as_object);
                for (name, s) in properties.into_iter().flatten() {
                    object.insert(name.clone(), instance(doc, s));
                }
                Value::Object(object)
            }
        }
    }

    fn text(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// The request for one operation: method, target, headers and body.
    fn request(
        doc: &Value,
        path: &str,
        method: &str,
        op: &Value,
    ) -> (String, Vec<(String, String)>, Vec<u8>) {
        let mut target = path.to_owned();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().expect("a name");
            let value = instance(doc, &p["schema"]);
            match p["in"].as_str() {
                Some("path") => {
                    let value = if name == "path" {
                        "a/b.txt".to_owned()
                    } else {
                        text(&value)
                    };
                    target = target.replace(&format!("{{{name}}}"), &value);
                }
                Some("query") if p.get("explode") == Some(&json!(true)) => {
                    query.push(("any".to_owned(), "thing".to_owned()));
                }
                Some("query") => query.push((name.to_owned(), text(&value))),
                Some("header") => headers.push((name.to_owned(), text(&value))),
                other => panic!("unexpected parameter place {other:?}"),
            }
        }
        if !query.is_empty() {
            let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            target = format!("{target}?{}", pairs.join("&"));
        }
        let security = op.get("security").or_else(|| doc.get("security"));
        let wants_bearer = security
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|s| s.get("bearer").is_some()));
        if wants_bearer {
            headers.push(("authorization".into(), "Bearer secret".into()));
        }
        let mut body = Vec::new();
        if let Some(content) = op["requestBody"]["content"].as_object() {
            let (media, spec) = content.iter().next().expect("a media type");
            let value = match spec.get("example") {
                Some(example) => example.clone(),
                None => instance(doc, spec.get("schema").unwrap_or(&json!({}))),
            };
            body = match media.as_str() {
                "application/json" => serde_json::to_vec(&value).expect("JSON"),
                "application/x-www-form-urlencoded" => {
                    let pairs: Vec<String> = value
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={}", text(v)))
                        .collect();
                    pairs.join("&").into_bytes()
                }
                "text/plain" => b"hello".to_vec(),
                _ => vec![0, 1, 2],
            };
            headers.push(("content-type".into(), media.clone()));
        }
        let _ = method;
        (target, headers, body)
    }

    /// The documented response for `status`: its code, its class, or the
    /// default.
    fn documented(op: &Value, status: u16) -> Option<&Value> {
        let responses = &op["responses"];
        responses
            .get(status.to_string())
            .or_else(|| responses.get(format!("{}XX", status / 100)))
            .or_else(|| responses.get("default"))
    }

    /// Checks `body` against the schema at `pointer` of `doc`.
    fn check_body(doc: &Value, pointer: &str, body: &[u8], what: &str) {
        let value: Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e})"));
        let mut compiler = boon::Compiler::new();
        compiler
            .add_resource("urn:doc", doc.clone())
            .expect("the document loads");
        let mut schemas = boon::Schemas::new();
        let location = format!(
            "urn:doc#{}",
            pointer.replace('{', "%7B").replace('}', "%7D")
        );
        let index = compiler
            .compile(&location, &mut schemas)
            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
        if let Err(e) = schemas.validate(&value, index) {
            panic!("{what}: the body {value} does not fit the documented schema: {e:#}");
        }
    }

    fn escape(segment: &str) -> String {
        segment.replace('~', "~0").replace('/', "~1")
    }

    #[test]
    #[should_panic(expected = "does not fit the documented schema")]
    fn a_body_that_does_not_fit_its_schema_is_caught() {
        let pointer = "/paths/~1books~1{id}/get/responses/200/content/application~1json/schema";
        check_body(
            &sample_document(),
            pointer,
            br#"{"id": "one"}"#,
            "GET /books/{id}",
        );
    }

    #[test]
    fn requests_built_from_the_document_are_served_as_documented() {
        let server = spawn_server(|| sample::app().openapi(sample::api()));
        let served = harrow_tests::get(server.addr(), "/openapi.json");
        let doc: Value = serde_json::from_slice(&served.body).expect("the document is JSON");
        let mut checked = 0;
        let mut json_bodies = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let what = format!("{} {path}", method.to_uppercase());
                let (target, headers, body) = request(&doc, path, method, op);
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let res = harrow_tests::request(
                    server.addr(),
                    &method.to_uppercase(),
                    &target,
                    &headers,
                    &body,
                );
                let status = res.status;
                let Some(response) = documented(op, status) else {
                    panic!(
                        "{what} ({target}) answered {status}, which the document does not list: {}",
                        res.text()
                    );
                };
                assert!(
                    status < 500,
                    "{what} ({target}) failed: {status} {}",
                    res.text()
                );
                let key = [
                    status.to_string(),
                    format!("{}XX", status / 100),
                    "default".into(),
                ]
                .into_iter()
                .find(|k| op["responses"].get(k).is_some())
                .expect("listed");
                let content_type = res.header("content-type").unwrap_or("");
                let essence = content_type.split(';').next().unwrap_or("").trim();
                let listed: Vec<&String> = response["content"]
                    .as_object()
                    .map(|c| c.keys().collect())
                    .unwrap_or_default();
                assert!(
                    listed.is_empty() || listed.iter().any(|m| *m == essence || *m == "*/*"),
                    "{what}: answered `{content_type}`, but {key} lists {listed:?}"
                );
                let json = essence == "application/json";
                if json {
                    let pointer = format!(
                        "/paths/{}/{method}/responses/{key}/content/application~1json/schema",
                        escape(path)
                    );
                    assert!(
                        response["content"]["application/json"]["schema"].is_object(),
                        "{what}: answered JSON that {key} does not document"
                    );
                    check_body(&doc, &pointer, &res.body, &what);
                    json_bodies += 1;
                }
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} operations checked");
        assert!(json_bodies >= 6, "only {json_bodies} JSON bodies checked");
        server.shutdown().expect("clean shutdown");
    }
}
