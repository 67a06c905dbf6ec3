//! `rt::spawn_blocking` over a real socket, under each driver: while a job
//! blocks a pool thread, the one worker that awaits it keeps answering
//! other requests, and the job's result then reaches its request.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use harrow::test::spawn_server_with_config;
use harrow::{App, State};
use harrow_tests::{get, server};

/// A door the blocking job waits at until the test opens it, and a channel
/// that tells the test the job is waiting.
#[derive(Clone)]
struct Door {
    open: Arc<(Mutex<bool>, Condvar)>,
    waiting: Arc<Mutex<mpsc::Sender<()>>>,
}

impl Door {
    fn open(&self) {
        let (lock, cvar) = &*self.open;
        *lock.lock().unwrap() = true;
        cvar.notify_all();
    }
}

async fn slow(State(door): State<Door>) -> String {
    let thread = harrow::rt::spawn_blocking(move || {
        let _ = door.waiting.lock().unwrap().send(());
        let (lock, cvar) = &*door.open;
        let mut open = lock.lock().unwrap();
        while !*open {
            open = cvar.wait(open).unwrap();
        }
        std::thread::current().name().unwrap_or("?").to_owned()
    })
    .await;
    format!("done on {thread}")
}

async fn ping() -> &'static str {
    "pong"
}

#[test]
fn a_blocking_job_leaves_its_worker_free() {
    server::each_driver(|config| {
        let (tx, waiting) = mpsc::channel();
        let door = Door {
            open: Arc::new((Mutex::new(false), Condvar::new())),
            waiting: Arc::new(Mutex::new(tx)),
        };
        let state = door.clone();
        let app = move || {
            App::new()
                .state(state.clone())
                .get("/slow", slow)
                .get("/ping", ping)
        };
        // One worker: the ping must be served by the worker awaiting the job.
        let server = spawn_server_with_config(app, config).expect("the server starts");
        let addr = server.addr();
        let slow = std::thread::spawn(move || get(addr, "/slow"));
        waiting
            .recv_timeout(Duration::from_secs(10))
            .expect("the blocking job started");

        for _ in 0..3 {
            let res = get(addr, "/ping");
            assert_eq!((res.status, res.text().as_str()), (200, "pong"));
        }
        assert!(!slow.is_finished(), "the slow request is still waiting");

        door.open();
        let res = slow.join().expect("the slow request's thread");
        assert_eq!(res.text(), "done on harrow-blocking");
    });
}
