//! SIGTERM and SIGINT start a graceful drain, and SIGHUP reloads the TLS
//! certificate. In a test binary of its own, because it signals its own
//! process.

use harrow_tests::server;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use harrow_server::Config;
use harrow_tests::{Raw, body_of};
use server::start;

/// Whether this process has a thread named `name` (its `comm`).
fn has_thread(name: &str) -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return false;
    };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
    })
}

/// Signals this process once `target` reached the test service and the
/// server listens for signals (its `harrow-signals` thread runs): before
/// that, the signal would end the process instead of draining it.
fn signal_self_when_ready(signal: &'static str, target: String) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        server::wait_until_arrived(&target, Duration::from_secs(5));
        server::eventually("the signal listener", Duration::from_secs(5), || {
            has_thread("harrow-signals").then_some(())
        });
        let pid = std::process::id().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    })
}

/// The tests signal their own process: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn sigterm_then_sigint_drain_the_server() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    for signal in ["-TERM", "-INT"] {
        let server = start(Config {
            workers: Some(2),
            handle_signals: true,
            ..Default::default()
        });
        let addr = server.local_addr();
        let mut busy = Raw::connect(addr);
        let target = format!("/sleep/500?{signal}");
        busy.send(format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        let killer = signal_self_when_ready(signal, target);
        let started = Instant::now();
        server.wait().unwrap();
        killer.join().unwrap();
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(3),
            "{signal}: shutdown took {took:?}"
        );
        // The request in flight when the signal came was answered.
        let res = busy.read_to_close();
        assert_eq!(body_of(&res), "slept", "{signal}: {res}");
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "{signal}: still accepting"
        );
    }
}

#[test]
fn sigterm_during_startup_drains_instead_of_killing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    static SENT: AtomicBool = AtomicBool::new(false);
    let started = Instant::now();
    // The factory runs on a worker thread while the server starts; the
    // signal it sends arrives before `start_with_config` has returned a
    // handle.
    let server = harrow_server::start_with_config(
        || {
            if !SENT.swap(true, Ordering::SeqCst) {
                let pid = std::process::id().to_string();
                let status = std::process::Command::new("kill")
                    .args(["-TERM", &pid])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
            harrow_server::service_fn(|_req, _conn| async {
                http::Response::new(harrow_server::Body::from("hi"))
            })
        },
        "127.0.0.1:0",
        Config {
            workers: Some(2),
            handle_signals: true,
            ..Default::default()
        },
    )
    .expect("the server starts");
    let addr = server.local_addr();
    let result = server.wait();
    assert!(result.is_ok(), "{result:?}");
    assert!(SENT.load(Ordering::SeqCst));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still accepting"
    );
}

#[test]
fn sighup_reloads_the_tls_certificate_and_keeps_serving() {
    use harrow_tests::tls::{TestCa, client_config, https_get};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let ca = TestCa::new("sighup");
    let dir = harrow_tests::TempDir::new("sighup");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let first = ca.server("first");
    std::fs::write(&cert, &first.cert).unwrap();
    std::fs::write(&key, &first.key).unwrap();
    let server = start(Config {
        workers: Some(2),
        handle_signals: true,
        tls: Some(harrow_server::TlsConfig::from_pem_files(&cert, &key)),
        ..Default::default()
    });
    let addr = server.local_addr();
    let served = || {
        https_get(addr, client_config(&ca, &[], None), &["/"]).unwrap()[0]
            .server_cert
            .clone()
    };
    let before = served();

    let second = ca.server("second");
    std::fs::write(&cert, &second.cert).unwrap();
    std::fs::write(&key, &second.key).unwrap();
    server::eventually("the signal listener", Duration::from_secs(5), || {
        has_thread("harrow-signals").then_some(())
    });
    let pid = std::process::id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    // The process lives on (SIGHUP's default would end it), and new
    // connections get the second certificate.
    let after = server::eventually("the reload", Duration::from_secs(5), || {
        let now = served();
        (now != before).then_some(now)
    });
    assert_ne!(after, before);
    server.shutdown().unwrap();
}
