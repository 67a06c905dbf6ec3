//! The test client and test server themselves.

use std::time::Duration;

use harrow::test::{TestClient, spawn_server};
use harrow::{App, HeaderMap, Json, Method, RouteError, StatusCode, rt};
use serde::{Deserialize, Serialize};

async fn method(m: Method) -> String {
    m.to_string()
}

async fn headers(h: HeaderMap) -> String {
    let mut values: Vec<&str> = h
        .get_all("x-tag")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    values.sort_unstable();
    values.join(",")
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

async fn flip(Json(p): Json<Point>) -> Json<Point> {
    Json(Point { x: p.y, y: p.x })
}

fn app() -> App {
    let route = harrow::Route::with_methods(
        [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ],
        "/m",
        method,
    );
    App::new()
        .route(route)
        .get("/headers", headers)
        .post("/flip", flip)
}

#[test]
fn every_method_helper_sends_its_method() {
    let c = TestClient::new(app());
    assert_eq!(c.get("/m").send().text(), "GET");
    assert_eq!(c.post("/m").send().text(), "POST");
    assert_eq!(c.put("/m").send().text(), "PUT");
    assert_eq!(c.patch("/m").send().text(), "PATCH");
    assert_eq!(c.delete("/m").send().text(), "DELETE");
    assert_eq!(c.head("/m").send().status(), StatusCode::OK);
    assert_eq!(c.options("/m").send().status(), StatusCode::NO_CONTENT);
    assert_eq!(
        c.request(Method::TRACE, "/m").send().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[test]
fn headers_repeat_and_json_round_trips() {
    let c = TestClient::new(app());
    let res = c
        .get("/headers")
        .header("x-tag", "b")
        .header("x-tag", "a")
        .send();
    assert_eq!(res.text(), "a,b");
    let res = c.post("/flip").json(&Point { x: 1, y: 2 }).send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Point>(), Point { x: 2, y: 1 });
    assert_eq!(res.headers()["content-type"], "application/json");
}

#[test]
fn try_new_returns_the_route_error() {
    async fn a() {}
    let err = TestClient::try_new(App::new().get("/x", a).get("/x", a)).unwrap_err();
    assert!(matches!(err.first(), RouteError::Duplicate { .. }));
}

#[test]
#[should_panic(expected = "the app's routes are invalid: duplicate route `GET /x`")]
fn new_panics_with_the_route_error() {
    async fn a() {}
    TestClient::new(App::new().get("/x", a).get("/x", a));
}

/// Two requests run at once on one runtime: the first waits for the
/// second to arrive, which it could not if they ran one after the other.
#[test]
fn requests_may_run_concurrently_on_one_runtime() {
    use std::cell::Cell;
    use std::rc::Rc;

    async fn first(harrow::State(met): harrow::State<Rc<Cell<bool>>>) -> &'static str {
        // Bounded, so a failure is an answer rather than a hung test.
        for _ in 0..5000 {
            if met.get() {
                return "met";
            }
            rt::sleep(Duration::from_millis(1)).await;
        }
        "alone"
    }
    async fn second(harrow::State(met): harrow::State<Rc<Cell<bool>>>) -> &'static str {
        met.set(true);
        "arrived"
    }
    let app = App::new()
        .state(Rc::new(Cell::new(false)))
        .get("/first", first)
        .get("/second", second);
    let c = TestClient::new(app);
    let (a, b) = rt::block_on(async {
        let a = rt::spawn(async { 1 });
        let first = c.get("/first").send_async();
        let second = c.get("/second").send_async();
        let (x, y) = join(first, second).await;
        assert_eq!(a.await, 1);
        (x, y)
    });
    assert_eq!((a.text(), b.text()), ("met", "arrived"));
}

/// Polls two futures together until both finish.
async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let std::task::Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let std::task::Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.take().unwrap(), rb.take().unwrap())
}

#[test]
fn spawn_server_listens_on_a_local_port_and_shuts_down() {
    let server = spawn_server(app);
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(server.url("/m"), format!("http://{addr}/m"));
    assert_eq!(harrow_tests::get(addr, "/m").text(), "GET");
    server.shutdown().expect("a clean shutdown");
    assert!(std::net::TcpStream::connect(addr).is_err());
}
