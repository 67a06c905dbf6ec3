//! Issue 12: an annotated handler is served in one place. A handler mounted
//! in a scope behind an authentication layer used to be served a second
//! time, without the layer, at its bare path by the automatic route table.

use harrow::middleware::{Next, from_fn};
use harrow::prelude::*;
use harrow::test::TestClient;
use harrow::{RouteError, Scope};

#[get("/stats")]
async fn stats() -> &'static str {
    "secret stats"
}

#[get("/books")]
async fn books() -> &'static str {
    "books"
}

mod reports {
    use harrow::prelude::*;

    #[get("/daily")]
    pub(crate) async fn daily() -> &'static str {
        "daily report"
    }

    pub(crate) mod archive {
        use harrow::prelude::*;

        #[get("/2024")]
        pub(crate) async fn year() -> &'static str {
            "2024 report"
        }
    }
}

async fn require_token(req: Request, next: Next) -> Response {
    match req.headers().get("x-token") {
        Some(token) if token == "s3cret" => next.run(req).await,
        _ => (StatusCode::UNAUTHORIZED, "token required").into_response(),
    }
}

fn get(client: &TestClient, path: &str) -> (u16, String) {
    let res = client.get(path).send();
    (res.status().as_u16(), res.text().to_owned())
}

#[test]
fn a_handler_in_a_guarded_scope_is_not_served_at_its_bare_path() {
    let admin = Scope::new()
        .routes(routes![stats])
        .layer(from_fn(require_token));
    let client = TestClient::new(App::new().nest("/admin", admin).auto_routes());
    assert_eq!(get(&client, "/admin/stats"), (401, "token required".into()));
    assert_eq!(get(&client, "/stats"), (404, "not found".into()));
    assert_eq!(get(&client, "/books"), (200, "books".into()));
    let res = client
        .get("/admin/stats")
        .header("x-token", "s3cret")
        .send();
    assert_eq!(res.text(), "secret stats");
}

#[test]
fn the_order_of_the_calls_does_not_matter() {
    let app = App::new()
        .auto_routes()
        .nest("/admin", Scope::new().routes(routes![stats]));
    let table = app.route_table();
    let paths: Vec<&str> = table.iter().map(|r| r.path.as_str()).collect();
    assert!(paths.contains(&"/admin/stats"), "{paths:?}");
    assert!(!paths.contains(&"/stats"), "{paths:?}");
    let client = TestClient::new(app);
    assert_eq!(get(&client, "/stats").0, 404);
}

#[test]
fn a_module_scope_takes_the_module_and_those_below_it() {
    let scope = Scope::module("placement::reports").layer(from_fn(require_token));
    let client = TestClient::new(App::new().nest("/reports", scope).auto_routes());
    assert_eq!(get(&client, "/reports/daily").0, 401);
    assert_eq!(get(&client, "/reports/2024").0, 401);
    assert_eq!(get(&client, "/daily").0, 404);
    assert_eq!(get(&client, "/2024").0, 404);
    assert_eq!(get(&client, "/stats"), (200, "secret stats".into()));
}

#[test]
fn placing_a_handler_twice_refuses_to_start_in_every_form() {
    let twice_listed = App::new()
        .routes(routes![stats])
        .nest("/admin", Scope::new().routes(routes![stats]));
    let listed_and_registered = App::new()
        .nest("/admin", Scope::new().routes(routes![stats]))
        .routes(harrow::registered_routes());
    let module_and_listed = App::new()
        .nest("/r", Scope::module("placement::reports"))
        .routes(routes![reports::daily]);
    let same_path_twice = App::new().routes(routes![books, books]);
    for (app, first, second) in [
        (twice_listed, "/stats", "/admin/stats"),
        (listed_and_registered, "/admin/stats", "/stats"),
        (module_and_listed, "/r/daily", "/daily"),
        (same_path_twice, "/books", "/books"),
    ] {
        let errors = app.into_service().expect_err("a handler placed twice");
        let placed_twice: Vec<&RouteError> = errors
            .iter()
            .filter(|e| matches!(e, RouteError::PlacedTwice { .. }))
            .collect();
        assert_eq!(placed_twice.len(), 1, "{errors}");
        let text = placed_twice[0].to_string();
        assert!(
            text.contains(&format!("at `{first}` and again at `{second}`")),
            "{text}"
        );
        assert!(text.contains("tests/placement.rs:"), "{text}");
        assert_eq!(errors.iter().count(), 1, "one error per mistake: {errors}");
    }
}

#[test]
fn a_module_without_handlers_is_an_error() {
    let errors = App::new()
        .nest("/r", Scope::module("placement::reprots"))
        .into_service()
        .expect_err("no handler in that module");
    assert!(matches!(errors.first(), RouteError::EmptyModule { .. }));
    assert!(
        errors
            .to_string()
            .contains("Scope::module(\"placement::reprots\")"),
        "{errors}"
    );
}
