//! End to end: routes declared with the attributes, in several modules and
//! in a library crate, served from the automatic registry and from explicit
//! `routes![...]` lists, with path parameters bound by name and type.

use harrow::http::{Method, StatusCode};
use harrow::prelude::*;
use harrow::test::TestClient;
use serde::Deserialize;

#[get("/hello")]
async fn hello() -> &'static str {
    "Hello, world!"
}

mod users {
    use harrow::prelude::*;

    #[get("/users/{id}")]
    pub(crate) async fn show(id: u64) -> String {
        format!("user {id}")
    }

    #[get("/users/{id}/posts/{slug}")]
    pub(crate) async fn post(id: u32, slug: String) -> String {
        format!("post {slug} of user {id}")
    }

    pub(crate) mod admin {
        use harrow::prelude::*;

        #[delete("/users/{id}")]
        pub(crate) async fn remove(id: u64) -> (StatusCode, String) {
            (StatusCode::ACCEPTED, format!("removing {id}"))
        }
    }
}

mod items {
    use harrow::http::Method;
    use harrow::prelude::*;

    #[route("/items", method = "GET", method = "POST")]
    pub(crate) async fn items(method: Method, body: String) -> String {
        format!("{method} items: {body}")
    }
}

#[derive(Deserialize)]
struct Page {
    size: u32,
}

#[get("/search/{*terms}")]
async fn search(terms: String, Query(page): Query<Page>) -> String {
    format!("{terms} ({} per page)", page.size)
}

#[post("/echo")]
async fn echo(body: String) -> String {
    body
}

/// Two handlers claiming `GET /dup`; kept out of the served registry below
/// and checked on their own.
mod dup_a {
    use harrow::prelude::*;

    #[get("/dup")]
    pub(crate) async fn first() -> &'static str {
        "a"
    }
}

mod dup_b {
    use harrow::prelude::*;

    #[get("/dup")]
    pub(crate) async fn second() -> &'static str {
        "b"
    }
}

/// The registry without the deliberate duplicates.
fn registered_app() -> App {
    let routes = harrow::registered_routes()
        .into_iter()
        .filter(|r| r.path() != "/dup");
    App::new().routes(routes)
}

/// Sends one request through the app, in process.
fn send(app: App, method: Method, uri: &str, body: &str) -> (StatusCode, String) {
    let client = TestClient::new(app);
    let res = client.request(method, uri).body(body.to_owned()).send();
    (res.status(), res.text().to_owned())
}

fn get_text(app: App, uri: &str) -> (StatusCode, String) {
    send(app, Method::GET, uri, "")
}

#[test]
fn registry_serves_handlers_from_every_module() {
    let cases = [
        (Method::GET, "/hello", "", StatusCode::OK, "Hello, world!"),
        (Method::GET, "/users/42", "", StatusCode::OK, "user 42"),
        (
            Method::GET,
            "/users/7/posts/intro",
            "",
            StatusCode::OK,
            "post intro of user 7",
        ),
        (
            Method::DELETE,
            "/users/9",
            "",
            StatusCode::ACCEPTED,
            "removing 9",
        ),
        (Method::GET, "/items", "", StatusCode::OK, "GET items: "),
        (
            Method::POST,
            "/items",
            "pen",
            StatusCode::OK,
            "POST items: pen",
        ),
        (
            Method::GET,
            "/search/rust/web?size=5",
            "",
            StatusCode::OK,
            "rust/web (5 per page)",
        ),
        (Method::POST, "/echo", "ping", StatusCode::OK, "ping"),
    ];
    for (method, uri, body, status, text) in cases {
        let (s, t) = send(registered_app(), method.clone(), uri, body);
        assert_eq!((s, t.as_str()), (status, text), "{method} {uri}");
    }
}

#[test]
fn registry_includes_a_library_crates_handlers() {
    assert_eq!(harrow_macro_lib::version(), env!("CARGO_PKG_VERSION"));
    let (status, text) = get_text(registered_app(), "/lib/ping");
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "pong from the library")
    );
    let (status, text) = get_text(registered_app(), "/lib/square/-12");
    assert_eq!((status, text.as_str()), (StatusCode::OK, "144"));
}

#[test]
fn registry_records_where_each_handler_is() {
    let entries = harrow::registered_routes();
    let show = entries
        .iter()
        .find(|r| r.path() == "/users/{id}" && r.methods() == [Method::GET])
        .expect("users::show is registered");
    let site = show.site().expect("macro routes have a site");
    assert_eq!(site.name, "show");
    assert_eq!(site.file, file!());
    assert!(site.line > 0);
}

#[test]
fn a_path_parameter_that_does_not_parse_is_a_400_naming_it() {
    let (status, text) = get_text(registered_app(), "/users/abc");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text,
        r#"invalid path parameter `id`: expected u64, got "abc""#
    );

    let (status, text) = get_text(registered_app(), "/users/-1/posts/x");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text,
        r#"invalid path parameter `id`: expected u32, got "-1""#
    );
}

#[test]
fn an_extractor_rejection_stops_the_handler() {
    let (status, _) = get_text(registered_app(), "/search/rust?size=many");
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn explicit_lists_mix_with_builder_routes() {
    async fn health() -> &'static str {
        "ok"
    }
    let app = || {
        App::new()
            .routes(harrow::routes![hello, users::show, items::items])
            .get("/health", health)
    };
    assert_eq!(get_text(app(), "/health").1, "ok");
    assert_eq!(get_text(app(), "/users/5").1, "user 5");
    assert_eq!(get_text(app(), "/hello").1, "Hello, world!");
    assert_eq!(get_text(app(), "/echo").0, StatusCode::NOT_FOUND);
    let table = app().route_table().to_string();
    assert!(table.contains("GET, POST  /items"), "{table}");
    assert!(table.contains("show (tests/macros.rs:"), "{table}");
}

#[test]
fn duplicate_routes_name_both_handlers_and_their_lines() {
    let err = App::new()
        .routes(harrow::routes![dup_a::first, dup_b::second])
        .into_service()
        .expect_err("duplicate routes are refused");
    let message = err.to_string();
    assert!(message.contains("GET /dup"), "{message}");
    assert!(message.contains("`first` at tests/macros.rs:"), "{message}");
    assert!(
        message.contains("`second` at tests/macros.rs:"),
        "{message}"
    );

    let err = App::new()
        .routes(harrow::registered_routes())
        .into_service()
        .expect_err("the registry holds the duplicates too");
    assert!(err.to_string().contains("GET /dup"), "{err}");
}

#[test]
fn the_original_functions_stay_callable() {
    let text = harrow_server::rt::block_on(users::show(3));
    assert_eq!(text, "user 3");
}
