//! SIGTERM and SIGINT start a graceful drain. In a test binary of its own,
//! because it signals its own process.

#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use harrow_server::Config;
use server::{Raw, body_of, start};

fn signal_self_after(signal: &'static str, delay: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let pid = std::process::id().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    })
}

#[test]
fn sigterm_then_sigint_drain_the_server() {
    for signal in ["-TERM", "-INT"] {
        let server = start(Config {
            workers: Some(2),
            ..Default::default()
        });
        let addr = server.local_addr();
        let mut busy = Raw::connect(addr);
        busy.send(b"GET /sleep/500 HTTP/1.1\r\nHost: a\r\n\r\n");
        let killer = signal_self_after(signal, Duration::from_millis(200));
        let started = Instant::now();
        server.wait_for_signal().unwrap();
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
