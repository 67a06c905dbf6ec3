//! Routing through the public API: templates, 404, 405 + Allow, HEAD,
//! OPTIONS, fallback, scopes, duplicate detection and the route table.

use harrow::extract::PathParams;
use harrow::test::{TestClient, spawn_server, spawn_server_with_config};
use harrow::{App, Config, Driver, Method, Path, Route, RouteError, Scope, Site, StatusCode};

async fn hello() -> &'static str {
    "hello"
}

async fn created() -> (StatusCode, &'static str) {
    (StatusCode::CREATED, "created")
}

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

async fn rest(Path(rest): Path<String>) -> String {
    format!("rest={rest}")
}

async fn other() -> &'static str {
    "other"
}

fn app() -> App {
    App::new()
        .get("/hello", hello)
        .post("/hello", created)
        .get("/users/{id}", user)
        .get("/files/{*path}", rest)
        .delete("/only-delete", hello)
}

#[test]
fn static_param_and_catch_all_routes_match() {
    let client = TestClient::new(app());
    let res = client.get("/hello").send();
    assert_eq!((res.status(), res.text()), (StatusCode::OK, "hello"));
    let res = client.post("/hello").send();
    assert_eq!((res.status(), res.text()), (StatusCode::CREATED, "created"));
    assert_eq!(client.get("/users/42").send().text(), "user 42");
    assert_eq!(
        client.get("/files/a/b/c.txt").send().text(),
        "rest=a/b/c.txt"
    );
}

#[test]
fn path_parameters_are_percent_decoded() {
    async fn name(params: PathParams) -> String {
        params.get("name").unwrap_or("none").to_owned()
    }
    let client = TestClient::new(App::new().get("/hi/{name}", name));
    assert_eq!(client.get("/hi/J%C3%BCrgen%20K").send().text(), "Jürgen K");
    let res = client.get("/hi/%FF").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.text(), "path parameter `name` is not valid UTF-8");
}

#[test]
fn unknown_path_is_a_plain_404() {
    let client = TestClient::new(app());
    for path in ["/nope", "/hello/", "/users", "/"] {
        let res = client.get(path).send();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.text(), "not found");
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
}

#[test]
fn wrong_method_is_405_with_exact_allow_header() {
    let client = TestClient::new(app());
    let cases = [
        (Method::PUT, "/hello", "GET, HEAD, POST, OPTIONS"),
        (Method::DELETE, "/users/1", "GET, HEAD, OPTIONS"),
        (Method::GET, "/only-delete", "DELETE, OPTIONS"),
        (Method::HEAD, "/only-delete", "DELETE, OPTIONS"),
    ];
    for (method, path, allow) in cases {
        let res = client.request(method.clone(), path).send();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
        if method != Method::HEAD {
            assert_eq!(res.text(), "method not allowed");
        }
    }
}

#[test]
fn head_is_answered_by_get_without_body_but_with_length() {
    let client = TestClient::new(app());
    let res = client.head("/users/12345").send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-length"), Some("10"));
    assert!(res.bytes().is_empty());
}

#[test]
fn an_explicit_head_route_wins_over_get() {
    async fn head_only() -> (StatusCode, [(&'static str, &'static str); 1], ()) {
        (StatusCode::OK, [("x-head", "yes")], ())
    }
    let client = TestClient::new(App::new().get("/x", hello).head("/x", head_only));
    let res = client.head("/x").send();
    assert_eq!(res.header("x-head"), Some("yes"));
}

#[test]
fn options_is_answered_with_allow_unless_a_handler_claims_it() {
    async fn custom() -> &'static str {
        "custom options"
    }
    let client = TestClient::new(app().options("/users/{id}", custom));
    let res = client.options("/hello").send();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    assert!(res.bytes().is_empty());
    let res = client.options("/users/3").send();
    assert_eq!(res.text(), "custom options");
}

#[test]
fn fallback_answers_unmatched_paths_only() {
    async fn fallback(uri: harrow::Uri) -> (StatusCode, String) {
        (StatusCode::NOT_FOUND, format!("nothing at {}", uri.path()))
    }
    let client = TestClient::new(app().fallback(fallback));
    let res = client.get("/missing/page").send();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.text(), "nothing at /missing/page");
    // A known path with the wrong method is still 405, not the fallback.
    assert_eq!(
        client.put("/hello").send().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[test]
fn scopes_prefix_their_routes_and_nest() {
    let admin = Scope::new().get("/stats", other);
    let api = Scope::new()
        .get("/", hello)
        .get("/users/{id}", user)
        .nest("/admin", admin);
    let client = TestClient::new(App::new().nest("/api", api));
    assert_eq!(client.get("/api").send().text(), "hello");
    assert_eq!(client.get("/api/users/7").send().text(), "user 7");
    assert_eq!(client.get("/api/admin/stats").send().text(), "other");
    assert_eq!(
        client.get("/users/7").send().status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn one_route_may_answer_several_methods() {
    let route = Route::with_methods([Method::PUT, Method::PATCH], "/doc", other);
    let client = TestClient::new(App::new().route(route));
    assert_eq!(client.put("/doc").send().text(), "other");
    assert_eq!(client.patch("/doc").send().text(), "other");
    assert_eq!(
        client.get("/doc").send().header("allow"),
        Some("PUT, PATCH, OPTIONS")
    );
}

#[test]
fn duplicate_route_names_both_handlers_and_sites() {
    let app = App::new()
        .route(Route::new(Method::GET, "/x", hello).with_site(Site::new("hello", "src/a.rs", 10)))
        .route(Route::new(Method::GET, "/x", other).with_site(Site::new("other", "src/b.rs", 20)));
    let err = app.into_service().unwrap_err();
    assert_eq!(
        err.to_string(),
        "duplicate route `GET /x`: handled by `hello` at src/a.rs:10 and again by `other` at src/b.rs:20"
    );
    match err.first() {
        RouteError::Duplicate { first, second, .. } => {
            assert_eq!(first.site.map(|s| s.line), Some(10));
            assert_eq!(second.site.map(|s| s.line), Some(20));
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[test]
fn duplicate_without_sites_names_handler_functions() {
    let err = App::new()
        .get("/x", hello)
        .get("/x", other)
        .into_service()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("routing::hello"), "{text}");
    assert!(text.contains("routing::other"), "{text}");
}

#[test]
fn duplicate_through_a_scope_is_detected() {
    let err = App::new()
        .get("/api/x", hello)
        .nest("/api", Scope::new().get("/x", other))
        .into_service()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("duplicate route `GET /api/x`"),
        "{err}"
    );
}

#[test]
fn same_method_twice_in_one_multi_method_set_is_not_a_duplicate() {
    let route = Route::with_methods([Method::GET, Method::GET], "/x", hello);
    assert_eq!(route.methods(), &[Method::GET]);
    assert!(App::new().route(route).into_service().is_ok());
}

#[test]
fn templates_that_match_the_same_requests_conflict() {
    let err = App::new()
        .get("/users/{id}", user)
        .post("/users/{name}", other)
        .into_service()
        .unwrap_err();
    assert!(
        matches!(err.first(), RouteError::Conflict { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("/users/{name}") && text.contains("/users/{id}"),
        "{text}"
    );
    assert!(
        text.contains("routing::user") && text.contains("routing::other"),
        "{text}"
    );
}

#[test]
fn malformed_paths_and_prefixes_are_errors() {
    let err = App::new().get("users", hello).into_service().unwrap_err();
    assert!(matches!(err.first(), RouteError::InvalidPath { .. }));
    assert!(
        err.to_string().contains("a path must start with `/`"),
        "{err}"
    );
    let err = App::new()
        .get("/a/{*rest}/b", hello)
        .into_service()
        .unwrap_err();
    assert!(
        matches!(err.first(), RouteError::InvalidPath { .. }),
        "{err:?}"
    );
    let err = App::new()
        .nest("api", Scope::new().get("/x", hello))
        .into_service()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid scope prefix `api`: a prefix must start with `/`"
    );
}

#[test]
fn every_route_error_is_reported_at_once() {
    let errors = App::new()
        .get("/x", hello)
        .get("/x", other)
        .get("/users/{id}", user)
        .get("/users/{name}", other)
        .nest("api", Scope::new().get("/y", hello))
        .into_service()
        .unwrap_err();
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            RouteError::InvalidPrefix { .. } => "prefix",
            RouteError::Duplicate { .. } => "duplicate",
            RouteError::Conflict { .. } => "conflict",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["prefix", "duplicate", "conflict"]);
    let text = errors.to_string();
    assert!(text.starts_with("3 route errors:\n  "), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
}

/// Issue 12: Rocket's and axum 0.7's parameter syntax is refused with the
/// spelling to use, not served as literal text that no request matches.
#[test]
fn other_frameworks_parameter_syntax_is_an_error_naming_the_fix() {
    let errors = App::new()
        .get("/hello/<name>", hello)
        .get("/users/:id", user)
        .into_service()
        .unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(text[0].ends_with("write `{name}`"), "{text:?}");
    assert!(text[1].ends_with("write `{id}`"), "{text:?}");
}

#[test]
fn a_route_without_methods_is_an_error() {
    let route = Route::with_methods([], "/x", hello).with_site(Site::new("hello", "src/a.rs", 4));
    let err = App::new().route(route).into_service().unwrap_err();
    assert!(matches!(err.first(), RouteError::NoMethods { .. }));
    assert_eq!(
        err.to_string(),
        "route `/x` of `hello` at src/a.rs:4 answers no method"
    );
}

#[test]
fn route_table_lists_every_route_sorted_by_path() {
    let app = App::new()
        .route(Route::new(Method::GET, "/b", hello).with_site(Site::new("hello", "src/main.rs", 3)))
        .post("/a", other)
        .nest("/api", Scope::new().get("/users/{id}", user));
    let table = app.route_table();
    let paths: Vec<&str> = table.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/a", "/api/users/{id}", "/b"]);
    let text = table.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("POST  /a  "), "{text}");
    assert!(lines[2].ends_with("hello (src/main.rs:3)"), "{text}");
}

#[test]
fn over_a_socket_404_405_and_head_behave_the_same() {
    let server = spawn_server(app);
    socket_routing(server.addr());
}

#[test]
fn over_a_socket_on_the_epoll_driver_too() {
    let config = Config {
        workers: Some(1),
        driver: Driver::Epoll,
        ..Config::default()
    };
    let server = spawn_server_with_config(app, config).expect("the server starts on epoll");
    socket_routing(server.addr());
}

fn socket_routing(addr: std::net::SocketAddr) {
    let res = harrow_tests::get(addr, "/users/5");
    assert_eq!((res.status, res.text().as_str()), (200, "user 5"));
    let res = harrow_tests::get(addr, "/nope");
    assert_eq!((res.status, res.text().as_str()), (404, "not found"));
    let res = harrow_tests::request(addr, "PUT", "/hello", &[], b"");
    assert_eq!(res.status, 405);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    let res = harrow_tests::request(addr, "HEAD", "/users/12345", &[], b"");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-length"), Some("10"));
    assert!(res.body.is_empty());
}
