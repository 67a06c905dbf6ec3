//! Issue 11: a program that installed no `tracing` subscriber still sees the
//! server's warnings and errors on stderr, and the startup line says which
//! IO driver serves; a program with its own subscriber gets them there
//! instead. `tests/bin/quiet_main.rs` runs as a child process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the fixture on the epoll fallback; returns it and its address.
#[expect(
    clippy::zombie_processes,
    reason = "the child goes back to the caller, which stops and waits for it"
)]
fn start(own_subscriber: bool) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quiet-main"));
    cmd.env("MONOIO_FORCE_LEGACY_DRIVER", "1")
        .env_remove("FIXTURE_OWN_SUBSCRIBER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if own_subscriber {
        cmd.env("FIXTURE_OWN_SUBSCRIBER", "1");
    }
    let mut child = cmd.spawn().expect("the fixture starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).expect("read stdout") == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the fixture exited before listening");
        }
        if let Some(rest) = line.trim().strip_prefix("listening on http://") {
            assert!(
                rest.ends_with("(epoll, 1 worker)"),
                "the startup line names the driver: {line}"
            );
            let addr = rest.split(' ').next().unwrap_or_default().to_owned();
            return (child, addr);
        }
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read");
    reply
}

/// Stops the fixture with SIGTERM and returns what it printed on stderr.
fn stop(mut child: Child) -> String {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the fixture did not stop within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    stderr
}

#[test]
fn without_a_subscriber_warnings_and_errors_reach_stderr() {
    let (child, addr) = start(false);
    assert!(get(&addr, "/panic").starts_with("HTTP/1.1 500"));
    assert!(get(&addr, "/hello").ends_with("hello"));
    let stderr = stop(child);
    assert!(
        stderr.contains("WARN harrow_server::driver: io_uring is not available"),
        "the epoll fallback warning: {stderr}"
    );
    assert!(
        stderr.contains("MONOIO_FORCE_LEGACY_DRIVER is set"),
        "the reason for it: {stderr}"
    );
    assert!(
        stderr.contains("ERROR") && stderr.contains("boom on purpose"),
        "the cause of the 500: {stderr}"
    );
    assert!(
        !stderr.contains("INFO"),
        "only warnings and errors: {stderr}"
    );
}

#[test]
fn an_own_subscriber_takes_over() {
    let (child, addr) = start(true);
    assert!(get(&addr, "/panic").starts_with("HTTP/1.1 500"));
    let stderr = stop(child);
    assert!(
        stderr.contains("custom: io_uring is not available"),
        "the program's subscriber got the warning: {stderr}"
    );
    assert!(
        stderr.contains("custom: a handler panicked: boom on purpose"),
        "and the cause of the 500: {stderr}"
    );
    assert!(
        !stderr.contains("WARN harrow_server"),
        "no fallback line: {stderr}"
    );
}
