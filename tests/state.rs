//! State through the public API: per-app values, `Rc`/`RefCell` inside,
//! a missing type, and one copy per worker over a real server.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use harrow::test::{TestClient, spawn_server};
use harrow::{App, State, StatusCode};

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

#[test]
fn a_missing_state_type_is_a_plain_500() {
    let res = TestClient::new(App::new().get("/", hit)).get("/").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
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
