//! Startup, graceful drain and fault isolation.

use harrow_tests::server;

use std::time::{Duration, Instant};

use harrow_server::{Config, Driver};
use harrow_tests::{Raw, body_of};
use server::{each_driver, start};

#[test]
fn a_handler_panic_is_a_500_and_the_worker_keeps_serving() {
    each_driver(|config| {
        let server = start(config);
        let mut other = Raw::connect(server.local_addr());
        other.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&other.read_response()), "hello");

        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET /panic HTTP/1.1\r\nHost: a\r\n\r\n");
        let res = raw.read_response();
        assert!(
            res.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
            "{res}"
        );
        assert_eq!(body_of(&res), "internal server error\n");

        // The same worker serves a new connection and the old one.
        let mut fresh = Raw::connect(server.local_addr());
        fresh.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&fresh.read_response()), "/path");
        other.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&other.read_response()), "hello");
    });
}

/// Issue 11: a panic in the service's synchronous `call`, before it has
/// made a future, is a 500 too; the worker and its other connections live on.
#[test]
fn a_panic_before_the_future_is_a_500_and_the_worker_keeps_serving() {
    each_driver(|config| {
        let server = server::start_panicky(config);
        let mut other = Raw::connect(server.local_addr());
        other.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&other.read_response()), "hello");

        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET /sync-panic HTTP/1.1\r\nHost: a\r\n\r\n");
        let res = raw.read_response();
        assert!(
            res.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
            "{res}"
        );
        assert_eq!(body_of(&res), "internal server error\n");
        // The same connection, another one and a new one are all served.
        raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&raw.read_response()), "/path");
        other.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&other.read_response()), "hello");
        let mut fresh = Raw::connect(server.local_addr());
        fresh.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&fresh.read_response()), "hello");
    });
}

#[test]
fn graceful_drain_finishes_in_flight_requests_and_closes_idle_ones() {
    each_driver(|config| {
        let driver = config.driver;
        let server = start(Config {
            drain_timeout: Duration::from_secs(5),
            ..config
        });
        let addr = server.local_addr();
        let mut idle = Raw::connect(addr);
        idle.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&idle.read_response()), "hello");

        let mut busy = Raw::connect(addr);
        let target = format!("/sleep/600?drain-{driver:?}");
        busy.send(format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        server::wait_until_arrived(&target, Duration::from_secs(5));

        let started = Instant::now();
        let stopper = std::thread::spawn(move || server.shutdown());
        // The idle connection is closed at once.
        assert!(
            idle.closed_within(Duration::from_millis(400)),
            "idle connection not closed promptly"
        );
        // The in-flight request completes, told the connection closes.
        let res = busy.read_to_close();
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        assert!(res.contains("connection: close\r\n"), "{res}");
        assert_eq!(body_of(&res), "slept");
        stopper.join().unwrap().unwrap();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(3),
            "shutdown took {took:?}"
        );
        // Nothing listens any more.
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "still accepting after shutdown"
        );
    });
}

#[test]
fn drain_timeout_bounds_shutdown() {
    each_driver(|config| {
        let driver = config.driver;
        let server = start(Config {
            drain_timeout: Duration::from_millis(300),
            ..config
        });
        let mut busy = Raw::connect(server.local_addr());
        let target = format!("/sleep/10000?drain-timeout-{driver:?}");
        busy.send(format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        server::wait_until_arrived(&target, Duration::from_secs(5));
        let started = Instant::now();
        server.shutdown().unwrap();
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "shutdown waited {took:?} despite a 300 ms drain timeout"
        );
        assert!(busy.closed_within(Duration::from_secs(2)));
    });
}

#[test]
fn dropping_the_handle_shuts_down_and_several_workers_share_the_port() {
    each_driver(|config| {
        let server = start(Config {
            workers: Some(2),
            ..config
        });
        let addr = server.local_addr();
        for _ in 0..8 {
            let mut raw = Raw::connect(addr);
            raw.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(body_of(&raw.read_response()), "hello");
        }
        drop(server);
        assert!(std::net::TcpStream::connect(addr).is_err());
    });
}

#[test]
fn serve_refuses_several_workers() {
    let err = harrow_server::rt::block_on(harrow_server::serve_with_config(
        harrow_server::service_fn(server::handle),
        "127.0.0.1:0",
        async {},
        Config {
            workers: Some(2),
            ..Default::default()
        },
    ))
    .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(
        err.to_string().contains("use harrow_server::run or start"),
        "{err}"
    );
}

#[test]
fn serve_runs_on_the_callers_runtime_until_told_to_stop() {
    harrow_server::rt::block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let stop = async move {
            while rx.try_recv().is_err() {
                harrow_server::rt::sleep(Duration::from_millis(20)).await;
            }
        };
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let client = std::thread::spawn(move || {
            // The server binds once this thread's runtime polls it.
            let stream = server::eventually("the bind", Duration::from_secs(5), || {
                std::net::TcpStream::connect(addr).ok()
            });
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut raw = Raw { stream };
            raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
            let body = body_of(&raw.read_response()).to_string();
            tx.send(()).unwrap();
            body
        });
        harrow_server::serve_with_shutdown(harrow_server::service_fn(server::handle), addr, stop)
            .await
            .unwrap();
        assert_eq!(client.join().unwrap(), "/path");
    });
}

#[test]
fn an_io_uring_worker_with_a_polling_kernel_thread_serves() {
    if !server::drivers().contains(&Driver::IoUring) {
        return;
    }
    let server = start(Config {
        driver: Driver::IoUring,
        workers: Some(1),
        uring_sqpoll: Some(Duration::from_millis(50)),
        ..Default::default()
    });
    for i in 0..3 {
        let res = harrow_tests::get(server.local_addr(), &format!("/path?{i}"));
        assert_eq!(res.status, 200);
        assert_eq!(res.text(), format!("/path?{i}"));
    }
    server.shutdown().unwrap();
}
