//! State through the public API: per-app values, `Rc`/`RefCell` inside,
//! a missing type, and one copy per worker over a real server.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use harrow::test::{TestClient, spawn_server};
use harrow::{App, IntoResponse, RouteError, State, StatusCode};

async fn hit(State(hits): State<Rc<Cell<u32>>>) -> String {
    hits.set(hits.get() + 1);
    hits.get().to_string()
}

async fn push(State(list): State<Rc<RefCell<Vec<String>>>>, body: String) -> String {
    list.borrow_mut().push(body);
    list.borrow().join(",")
}

#[test]
fn rc_state_is_shared_by_the_requests_of_one_app() {
    let client = TestClient::new(App::new().state(Rc::new(Cell::new(0u32))).get("/", hit));
    assert_eq!(client.get("/").send().text(), "1");
    assert_eq!(client.get("/").send().text(), "2");
    assert_eq!(client.get("/").send().text(), "3");
}

#[test]
fn each_app_has_its_own_state() {
    let a = TestClient::new(App::new().state(Rc::new(Cell::new(0u32))).get("/", hit));
    let b = TestClient::new(App::new().state(Rc::new(Cell::new(100u32))).get("/", hit));
    assert_eq!(a.get("/").send().text(), "1");
    assert_eq!(b.get("/").send().text(), "101");
    assert_eq!(a.get("/").send().text(), "2");
}

#[test]
fn several_state_types_side_by_side_with_a_body() {
    let app = App::new()
        .state(Rc::new(RefCell::new(Vec::<String>::new())))
        .state(Rc::new(Cell::new(0u32)))
        .post("/push", push)
        .get("/hit", hit);
    let client = TestClient::new(app);
    assert_eq!(client.post("/push").body("a").send().text(), "a");
    assert_eq!(client.post("/push").body("b").send().text(), "a,b");
    assert_eq!(client.get("/hit").send().text(), "1");
}

/// Issue 12: a state type never registered stops the start, naming the
/// handler and the type, instead of answering 500 with the detail.
#[test]
fn a_missing_state_type_stops_the_start_naming_handler_and_type() {
    let errors = App::new()
        .get("/", hit)
        .post("/push", push)
        .state(Rc::new(Cell::new(0u32)))
        .into_service()
        .unwrap_err();
    assert_eq!(errors.iter().count(), 1, "{errors}");
    assert!(matches!(errors.first(), RouteError::MissingState { .. }));
    assert_eq!(
        errors.to_string(),
        "handler `state::push` takes state of type `Rc<RefCell<Vec<String>>>`, which \
         `App::state` was never given"
    );
}

mod books {
    use harrow::prelude::*;
    use std::rc::Rc;

    pub(crate) struct Catalogue;

    #[get("/books")]
    pub(crate) async fn list(State(_c): State<Rc<Catalogue>>, _q: Query<()>) -> &'static str {
        "books"
    }

    #[get("/maybe")]
    pub(crate) async fn maybe(c: Option<State<Rc<Catalogue>>>) -> &'static str {
        if c.is_some() { "some" } else { "none" }
    }
}

#[test]
fn an_attribute_route_missing_state_is_named_with_its_line() {
    let errors = App::new()
        .routes(harrow::routes![books::list])
        .into_service()
        .unwrap_err();
    let text = errors.to_string();
    assert!(
        text.starts_with("handler `list` at tests/state.rs:"),
        "{text}"
    );
    assert!(text.contains("state of type `Rc<Catalogue>`"), "{text}");
    let client = TestClient::new(
        App::new()
            .state(Rc::new(books::Catalogue))
            .routes(harrow::routes![books::list]),
    );
    assert_eq!(client.get("/books").send().text(), "books");
}

#[test]
fn optional_state_is_not_required() {
    let client = TestClient::new(App::new().routes(harrow::routes![books::maybe]));
    assert_eq!(client.get("/maybe").send().text(), "none");
}

#[test]
fn the_fallback_is_checked_too() {
    let errors = App::new().fallback(hit).into_service().unwrap_err();
    assert!(
        matches!(errors.first(), RouteError::MissingState { .. }),
        "{errors}"
    );
}

/// Reading state behind the check's back (here by hand, from the whole
/// request) still answers a plain 500, with the detail in the log only.
#[test]
fn state_read_by_hand_when_missing_is_a_plain_500() {
    use harrow::FromRequestParts;
    async fn by_hand(cx: harrow::RequestContext, req: harrow::Request) -> harrow::Response {
        let (mut parts, _) = req.into_parts();
        match State::<Rc<Cell<u32>>>::from_request_parts(&mut parts, &cx).await {
            Ok(State(hits)) => hits.get().to_string().into_response(),
            Err(rejection) => rejection.into_response(),
        }
    }
    let res = TestClient::new(App::new().get("/", by_hand))
        .get("/")
        .send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
}

/// Issue 13: state and the peer travel with the request's context, not a
/// thread-local: a task the handler spawns, and code that runs after the
/// handler's first await, see them.
#[test]
fn the_context_reaches_a_spawned_task() {
    async fn spawned(cx: harrow::RequestContext) -> String {
        let task = harrow::rt::spawn(async move {
            harrow::rt::sleep(std::time::Duration::from_millis(1)).await;
            let hits = cx.state::<Rc<Cell<u32>>>().map(|h| h.get());
            format!("{hits:?} from {}", cx.remote_addr())
        });
        task.await
    }
    let peer: std::net::SocketAddr = "10.1.2.3:4567".parse().unwrap();
    let client = TestClient::new(App::new().state(Rc::new(Cell::new(7u32))).get("/", spawned));
    let res = client.get("/").remote_addr(peer).send();
    assert_eq!(res.text(), "Some(7) from 10.1.2.3:4567");
}

#[test]
fn the_factory_runs_per_worker_and_each_worker_keeps_its_state() {
    let built = Arc::new(AtomicUsize::new(0));
    let counter = built.clone();
    let server = spawn_server(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        App::new().state(Rc::new(Cell::new(0u32))).get("/", hit)
    });
    // One build to validate the routes, one for the single worker.
    assert_eq!(built.load(Ordering::SeqCst), 2);
    for expected in ["1", "2", "3"] {
        assert_eq!(harrow_tests::get(server.addr(), "/").text(), expected);
    }
}
