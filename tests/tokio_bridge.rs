//! The tokio bridge over real sockets, under each driver: a handler makes a
//! real `reqwest` call (tokio's sockets, tokio's timers) to a local server
//! through `harrow::tokio::run`, and the worker keeps answering while the
//! call waits.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use harrow::test::{spawn_server, spawn_server_with_config};
use harrow::{App, Error, Path, State};
use harrow_tests::{get, server};

/// The upstream service's base URL, and a client built once: a
/// `reqwest::Client` is `Send + Sync`, so every worker shares one.
#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
}

async fn fetch(State(up): State<Upstream>, Path(what): Path<String>) -> Result<String, Error> {
    let url = format!("{}/{what}", up.base);
    let body = harrow::tokio::run(async move {
        let res = up.client.get(url).send().await?;
        let status = res.status();
        let text = res.text().await?;
        Ok::<_, reqwest::Error>(format!("{status} {text}"))
    })
    .await?;
    Ok(body)
}

async fn ping() -> &'static str {
    "pong"
}

async fn upstream_hello() -> &'static str {
    "hello from upstream"
}

/// Tells the test a slow request arrived upstream, and holds it until the
/// test says so.
#[derive(Clone)]
struct Hold {
    arrived: Arc<Mutex<mpsc::Sender<()>>>,
    release: Arc<Mutex<mpsc::Receiver<()>>>,
}

async fn upstream_slow(State(hold): State<Hold>) -> &'static str {
    harrow::rt::spawn_blocking(move || {
        let _ = hold.arrived.lock().unwrap().send(());
        let _ = hold.release.lock().unwrap().recv();
    })
    .await;
    "slow from upstream"
}

#[test]
fn reqwest_works_from_a_handler_through_the_bridge() {
    let (arrived_tx, arrived) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let hold = Hold {
        arrived: Arc::new(Mutex::new(arrived_tx)),
        release: Arc::new(Mutex::new(release_rx)),
    };
    let upstream = spawn_server(move || {
        App::new()
            .state(hold.clone())
            .get("/hello", upstream_hello)
            .get("/slow", upstream_slow)
    });
    let state = Upstream {
        base: upstream.url(""),
        client: reqwest::Client::new(),
    };
    server::each_driver(|config| {
        let state = state.clone();
        let app = move || {
            App::new()
                .state(state.clone())
                .get("/fetch/{what}", fetch)
                .get("/ping", ping)
        };
        let server = spawn_server_with_config(app, config).expect("the server starts");
        let addr = server.addr();

        let res = get(addr, "/fetch/hello");
        assert_eq!(res.text(), "200 OK hello from upstream");
        let res = get(addr, "/fetch/missing");
        assert_eq!(res.text(), "404 Not Found not found");

        // While one request waits on tokio, its worker (the only one)
        // answers others.
        let slow = std::thread::spawn(move || get(addr, "/fetch/slow"));
        arrived
            .recv_timeout(Duration::from_secs(10))
            .expect("the slow call reached upstream");
        for _ in 0..3 {
            assert_eq!(get(addr, "/ping").text(), "pong");
        }
        assert!(!slow.is_finished(), "the slow call is still waiting");
        release.send(()).expect("release the slow call");
        assert_eq!(slow.join().unwrap().text(), "200 OK slow from upstream");
    });
}
