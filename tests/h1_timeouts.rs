//! Timeouts, asserted by bounds: a trickled head, a dripped body, a client
//! that stops reading, an idle keep-alive connection, a connection's life.

use harrow_tests::server;

use std::io::Write;
use std::time::{Duration, Instant};

use harrow_server::Config;
use harrow_tests::{Raw, body_of};
use server::{each_driver, start};

fn short(config: Config) -> Config {
    Config {
        header_read_timeout: Some(Duration::from_millis(400)),
        body_read_timeout: Some(Duration::from_millis(400)),
        keep_alive_timeout: Some(Duration::from_millis(300)),
        write_timeout: Some(Duration::from_millis(300)),
        ..config
    }
}

/// Sends `bytes` one at a time every `gap` until the server stops taking
/// them; returns how long it took and what the server answered.
fn trickle(raw: &mut Raw, bytes: &[u8], gap: Duration) -> (Duration, String) {
    let started = Instant::now();
    for b in bytes {
        if raw.stream.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(gap);
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    let answer = raw.read_to_close();
    (started.elapsed(), answer)
}

#[test]
fn a_trickled_head_is_cut_off_by_the_header_timeout() {
    each_driver(|config| {
        let server = start(short(config));
        let mut raw = Raw::connect(server.local_addr());
        let head = format!(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: {}\r\n\r\n",
            "s".repeat(200)
        );
        let (took, answer) = trickle(&mut raw, head.as_bytes(), Duration::from_millis(20));
        assert!(took < Duration::from_secs(2), "cut off after {took:?}");
        assert!(
            answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{answer:?}"
        );
    });
}

#[test]
fn a_dripped_body_is_cut_off_by_the_body_timeout() {
    each_driver(|config| {
        let server = start(short(config));
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 200\r\n\r\n");
        let (took, answer) = trickle(&mut raw, &[b'd'; 200], Duration::from_millis(20));
        assert!(took < Duration::from_secs(2), "cut off after {took:?}");
        assert!(
            answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{answer:?}"
        );
    });
}

#[test]
fn a_silent_new_connection_is_closed_by_the_header_timeout() {
    each_driver(|config| {
        let server = start(short(config));
        let mut raw = Raw::connect(server.local_addr());
        let started = Instant::now();
        assert!(raw.closed_within(Duration::from_secs(3)));
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "closed too early: {:?}",
            started.elapsed()
        );
    });
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    each_driver(|config| {
        let server = start(short(config));
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&raw.read_response()), "hello");
        let started = Instant::now();
        assert!(
            raw.closed_within(Duration::from_secs(3)),
            "idle connection stayed open"
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "closed after {took:?}"
        );
    });
}

#[test]
fn a_client_that_stops_reading_is_cut_off_by_the_write_timeout() {
    each_driver(|config| {
        let server = start(short(config));
        let mut raw = Raw::connect(server.local_addr());
        // 64 MiB will not fit in the socket buffers; we read nothing for a while.
        raw.send(b"GET /big/64 HTTP/1.1\r\nHost: a\r\n\r\n");
        std::thread::sleep(Duration::from_millis(1500));
        raw.stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut total = 0usize;
        let mut buf = vec![0u8; 1 << 16];
        let started = Instant::now();
        loop {
            match raw.read_some(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        assert!(
            total < 64 << 20,
            "the whole body arrived: the server never gave up"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the connection was not closed"
        );
    });
}

#[test]
fn a_response_stream_that_goes_silent_ends_with_the_connections_life() {
    each_driver(|config| {
        let server = start(Config {
            connection_timeout: Some(Duration::from_millis(800)),
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        let started = Instant::now();
        raw.send(b"GET /silent HTTP/1.1\r\nHost: a\r\n\r\n");
        let all = raw.read_to_close();
        let took = started.elapsed();
        assert!(all.starts_with("HTTP/1.1 200 OK\r\n"), "{all}");
        assert!(all.contains("first\n"), "{all}");
        // Ended by the connection's life cap (800 ms), not by the client.
        assert!(
            took >= Duration::from_millis(700) && took < Duration::from_secs(3),
            "closed after {took:?}"
        );
    });
}

#[test]
fn connection_timeout_bounds_a_connections_life() {
    each_driver(|config| {
        let server = start(Config {
            connection_timeout: Some(Duration::from_millis(500)),
            ..config
        });
        let mut raw = Raw::connect(server.local_addr());
        let started = Instant::now();
        let mut served = 0;
        while started.elapsed() < Duration::from_secs(3) {
            if raw
                .stream
                .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                .is_err()
            {
                break;
            }
            let res = raw.read_response();
            if res.is_empty() {
                break;
            }
            served += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        let took = started.elapsed();
        assert!(served > 0);
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_secs(2),
            "lived {took:?}"
        );
    });
}
