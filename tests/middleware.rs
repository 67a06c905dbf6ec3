//! Middleware through the public API: ordering, app and scope layering,
//! and each built-in.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harrow::middleware::{
    AccessLog, CatchPanic, Cors, Middleware, Next, RequestId, SetRequestId, Timeout, from_fn,
};
use harrow::test::{TestClient, spawn_server};
use harrow::{App, IntoResponse, Method, Request, Response, Scope, StatusCode, rt};

async fn ok() -> &'static str {
    "ok"
}

async fn slow() -> &'static str {
    rt::sleep(Duration::from_millis(300)).await;
    "slow"
}

async fn boom() -> &'static str {
    panic!("handler exploded")
}

type Log = Rc<RefCell<Vec<String>>>;

/// A middleware that logs `name in` and `name out` around the rest of the chain.
fn recorder(log: &Log, name: &'static str) -> impl Middleware {
    let log = log.clone();
    from_fn(move |req: Request, next: Next| {
        let log = log.clone();
        async move {
            log.borrow_mut().push(format!("{name} in"));
            let res = next.run(req).await;
            log.borrow_mut().push(format!("{name} out"));
            res
        }
    })
}

#[test]
fn the_layer_added_last_runs_first() {
    let log: Log = Rc::default();
    let app = App::new()
        .get("/", ok)
        .layer(recorder(&log, "inner"))
        .layer(recorder(&log, "outer"));
    let res = TestClient::new(app).get("/").send();
    assert_eq!(res.text(), "ok");
    assert_eq!(
        *log.borrow(),
        ["outer in", "inner in", "inner out", "outer out"]
    );
}

#[test]
fn app_layers_see_404s_and_scope_layers_only_their_routes() {
    let log: Log = Rc::default();
    let app = App::new()
        .get("/public", ok)
        .nest(
            "/admin",
            Scope::new()
                .get("/panel", ok)
                .layer(recorder(&log, "scope")),
        )
        .layer(recorder(&log, "app"));
    let client = TestClient::new(app);
    client.get("/public").send();
    assert_eq!(*log.borrow(), ["app in", "app out"]);
    log.borrow_mut().clear();
    client.get("/admin/panel").send();
    assert_eq!(
        *log.borrow(),
        ["app in", "scope in", "scope out", "app out"]
    );
    log.borrow_mut().clear();
    assert_eq!(
        client.get("/missing").send().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(*log.borrow(), ["app in", "app out"]);
}

#[test]
fn from_fn_can_answer_without_calling_next() {
    async fn require_key(req: Request, next: Next) -> Response {
        if req.headers().get("x-key").is_some_and(|v| v == "secret") {
            next.run(req).await
        } else {
            (StatusCode::UNAUTHORIZED, "missing or wrong x-key").into_response()
        }
    }
    let client = TestClient::new(App::new().get("/", ok).layer(from_fn(require_key)));
    let res = client.get("/").send();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.text(), "missing or wrong x-key");
    assert_eq!(
        client.get("/").header("x-key", "secret").send().text(),
        "ok"
    );
}

#[test]
fn request_id_is_generated_propagated_and_extractable() {
    async fn show(id: RequestId) -> String {
        id.0
    }
    let client = TestClient::new(App::new().get("/", show).layer(SetRequestId::new()));
    let res = client.get("/").send();
    let id = res.header("x-request-id").expect("an id").to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(res.text(), id);
    let other = client.get("/").send();
    assert_ne!(other.header("x-request-id"), Some(id.as_str()));
    let res = client.get("/").header("x-request-id", "abc-123").send();
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
    assert_eq!(res.text(), "abc-123");
}

#[test]
fn request_id_extractor_without_the_middleware_is_500() {
    async fn show(id: RequestId) -> String {
        id.0
    }
    let res = TestClient::new(App::new().get("/", show)).get("/").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "no request id: add the SetRequestId middleware");
}

#[test]
fn timeout_answers_503_by_default_and_lets_fast_requests_through() {
    let app = App::new()
        .get("/slow", slow)
        .get("/fast", ok)
        .layer(Timeout::new(Duration::from_millis(50)));
    let client = TestClient::new(app);
    let res = client.get("/slow").send();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.text(), "request timed out");
    assert_eq!(client.get("/fast").send().text(), "ok");
}

#[test]
fn timeout_status_can_be_504() {
    let app = App::new()
        .get("/slow", slow)
        .layer(Timeout::new(Duration::from_millis(20)).status(StatusCode::GATEWAY_TIMEOUT));
    let res = TestClient::new(app).get("/slow").send();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
}

#[test]
fn a_panicking_handler_becomes_500_and_the_app_keeps_serving() {
    let client = TestClient::new(App::new().get("/boom", boom).get("/ok", ok));
    let res = client.get("/boom").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
    assert_eq!(client.get("/ok").send().text(), "ok");
}

#[test]
fn catch_panic_inside_a_layer_lets_outer_middleware_see_the_500() {
    let seen: Rc<RefCell<Option<StatusCode>>> = Rc::default();
    let seen_in = seen.clone();
    let observe = from_fn(move |req: Request, next: Next| {
        let seen = seen_in.clone();
        async move {
            let res = next.run(req).await;
            *seen.borrow_mut() = Some(res.status());
            res
        }
    });
    let app = App::new()
        .get("/boom", boom)
        .layer(CatchPanic::new())
        .layer(observe);
    let res = TestClient::new(app).get("/boom").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(*seen.borrow(), Some(StatusCode::INTERNAL_SERVER_ERROR));
}

#[test]
fn a_panic_over_a_socket_is_500_and_the_worker_survives() {
    let server = spawn_server(|| App::new().get("/boom", boom).get("/ok", ok));
    let res = harrow_tests::get(server.addr(), "/boom");
    assert_eq!(
        (res.status, res.text().as_str()),
        (500, "internal server error")
    );
    for _ in 0..3 {
        let res = harrow_tests::get(server.addr(), "/ok");
        assert_eq!((res.status, res.text().as_str()), (200, "ok"));
    }
}

fn cors_app() -> App {
    App::new().get("/data", ok).post("/data", ok).layer(
        Cors::new()
            .allow_origin("https://app.example.com")
            .allow_methods([Method::GET, Method::POST])
            .allow_headers(["content-type"])
            .max_age(Duration::from_secs(600)),
    )
}

#[test]
fn cors_preflight_from_an_allowed_origin() {
    let res = TestClient::new(cors_app())
        .options("/data")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "Content-Type")
        .send();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        res.header("access-control-allow-methods"),
        Some("GET, POST")
    );
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(res.header("access-control-max-age"), Some("600"));
}

#[test]
fn cors_refuses_other_origins_methods_and_headers() {
    let client = TestClient::new(cors_app());
    let preflight = |origin: &str, method: &str, headers: &str| {
        client
            .options("/data")
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", headers)
            .send()
    };
    let res = preflight("https://evil.example", "GET", "content-type");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.text(), "CORS: origin not allowed");
    let res = preflight("https://app.example.com", "DELETE", "content-type");
    assert_eq!(res.text(), "CORS: method not allowed");
    let res = preflight("https://app.example.com", "GET", "x-secret");
    assert_eq!(res.text(), "CORS: header not allowed");
}

#[test]
fn cors_marks_simple_requests_from_allowed_origins_only() {
    let client = TestClient::new(cors_app());
    let res = client
        .get("/data")
        .header("origin", "https://app.example.com")
        .send();
    assert_eq!(res.text(), "ok");
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(res.header("vary"), Some("origin"));
    let res = client
        .get("/data")
        .header("origin", "https://evil.example")
        .send();
    assert_eq!(res.header("access-control-allow-origin"), None);
    let res = client.get("/data").send();
    assert_eq!(res.header("access-control-allow-origin"), None);
    let any = TestClient::new(
        App::new()
            .get("/", ok)
            .layer(Cors::new().allow_any_origin()),
    );
    let res = any.get("/").header("origin", "https://x.example").send();
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
}

/// A tracing subscriber that records every event's fields as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("{} ", event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn access_log_records_method_path_and_status() {
    let capture = Capture::default();
    let app = App::new()
        .get("/hello", ok)
        .layer(AccessLog::new())
        .layer(SetRequestId::new());
    let client = TestClient::new(app);
    tracing::subscriber::with_default(capture.clone(), || {
        client.get("/hello").header("x-request-id", "req-1").send();
        client.post("/hello").send();
    });
    let lines = capture.0.lock().unwrap().clone();
    let access: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("harrow::access "))
        .collect();
    assert_eq!(access.len(), 2, "{lines:?}");
    assert!(
        access[0].contains("method=GET") && access[0].contains("status=200"),
        "{}",
        access[0]
    );
    assert!(access[0].contains("path=/hello"), "{}", access[0]);
    assert!(access[0].contains("request_id=\"req-1\""), "{}", access[0]);
    assert!(
        access[1].contains("method=POST") && access[1].contains("status=405"),
        "{}",
        access[1]
    );
}
