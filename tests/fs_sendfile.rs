//! Files sent by the kernel (`sendfile`) on plain HTTP/1.1, under each
//! driver: the same bytes as the read path (and the kernel's share counted
//! in the worker's statistics, so the test knows which path ran), ranges at
//! their offsets,
//! keep-alive and pipelined requests framed right after a file, a client
//! that stops reading cut off by the write deadline, and a file that shrinks
//! while it is sent ending the connection instead of hanging it.

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use harrow::fs::ServeDir;
use harrow::{App, Config, ServerHandle};
use harrow_tests::server::{each_driver, eventually};
use harrow_tests::{Raw, TempDir, header_value};

/// Bytes whose every position is recognisable.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The directory at `/on` (zero-copy, the default) and at `/off`.
fn serve(root: &Path, config: Config) -> ServerHandle {
    let root = root.to_owned();
    harrow::start_with_config(
        move || {
            App::new()
                .routes(ServeDir::new(&root).at("/on"))
                .routes(ServeDir::new(&root).zero_copy(false).at("/off"))
        },
        "127.0.0.1:0",
        config,
    )
    .expect("server starts")
}

/// Reads one response with a `Content-Length` body: the lowercased head
/// and the body.
fn read_response(raw: &mut Raw) -> (String, Vec<u8>) {
    let head = raw.read_head().to_ascii_lowercase();
    let len: usize = header_value(&head, "content-length")
        .unwrap_or_else(|| panic!("no content-length in {head}"))
        .parse()
        .unwrap();
    let mut body = vec![0u8; len];
    raw.stream.read_exact(&mut body).unwrap();
    (head, body)
}

#[test]
fn kernel_and_read_paths_send_the_same_bytes_with_framing_intact() {
    let dir = TempDir::new("sendfile-same");
    let big = pattern(3 << 20);
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    std::fs::write(dir.join("mid.bin"), &big[..40 * 1024]).unwrap();
    std::fs::write(dir.join("small.txt"), b"small").unwrap();
    each_driver(|config| {
        let server = serve(dir.path(), config);
        let addr = server.local_addr();
        let mut raw = Raw::connect(addr);
        // (path, Range, status, the expected body)
        let cases: [(&str, Option<&str>, &str, &[u8]); 8] = [
            ("big.bin", None, "200", &big),
            ("mid.bin", None, "200", &big[..40 * 1024]),
            (
                "big.bin",
                Some("bytes=1000000-2999999"),
                "206",
                &big[1_000_000..3_000_000],
            ),
            (
                "big.bin",
                Some("bytes=-70000"),
                "206",
                &big[big.len() - 70_000..],
            ),
            ("small.txt", None, "200", b"small"),
            ("mid.bin", Some("bytes=17-"), "206", &big[17..40 * 1024]),
            ("big.bin", Some("bytes=0-0"), "206", &big[..1]),
            ("big.bin", None, "200", &big),
        ];
        // What the kernel sends: the bodies over 16 KiB, with zero-copy on.
        let kernel: u64 = cases
            .iter()
            .map(|case| case.3.len() as u64)
            .filter(|&len| len > 16 * 1024)
            .sum();
        for side in ["on", "off"] {
            let before = server.stats().workers()[0];
            // Every request of the table pipelined on one connection: each
            // response must end exactly where its length says.
            let mut batch = String::new();
            for (path, range, _, _) in &cases {
                batch.push_str(&format!("GET /{side}/{path} HTTP/1.1\r\nhost: x\r\n"));
                if let Some(range) = range {
                    batch.push_str(&format!("range: {range}\r\n"));
                }
                batch.push_str("\r\n");
            }
            raw.send(batch.as_bytes());
            for (path, range, status, want) in &cases {
                let (head, body) = read_response(&mut raw);
                assert!(
                    head.starts_with(&format!("http/1.1 {status}")),
                    "{side} {path} {range:?}: {head}"
                );
                assert!(body == *want, "{side} {path} {range:?}: the bytes differ");
            }
            let after = server.stats().workers()[0];
            let from_files = after.bytes_sent_from_files - before.bytes_sent_from_files;
            let want = if side == "on" { kernel } else { 0 };
            assert_eq!(from_files, want, "{side}: bytes the kernel sent from files");
        }
        let stats = server.stats().workers()[0];
        assert_eq!(stats.connections_open, 1);
        drop(raw);
        eventually("the connection's close", Duration::from_secs(5), || {
            (server.stats().workers()[0].connections_open == 0).then_some(())
        });
    });
}

/// A sparse file of `size` bytes.
fn sparse(path: &Path, size: u64) {
    std::fs::File::create(path).unwrap().set_len(size).unwrap();
}

/// Asks for `path` and reads the head only.
fn start_download(addr: SocketAddr, path: &str) -> (Raw, u64) {
    let mut raw = Raw::connect(addr);
    raw.send(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes());
    let head = raw.read_head().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let len = header_value(&head, "content-length")
        .unwrap()
        .parse()
        .unwrap();
    (raw, len)
}

/// Reads until the server closes, within `within`; how many bytes came.
fn read_until_closed(raw: &mut Raw, within: Duration) -> u64 {
    raw.stream.set_read_timeout(Some(within)).unwrap();
    let started = Instant::now();
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0u64;
    loop {
        match raw.read_some(&mut buf) {
            Ok(0) | Err(_) => return got,
            Ok(n) => got += n as u64,
        }
        assert!(started.elapsed() < within, "the connection stayed open");
    }
}

#[test]
fn a_client_that_stops_reading_is_cut_off_by_the_write_deadline() {
    let dir = TempDir::new("sendfile-stall");
    let size: u64 = 256 << 20;
    sparse(&dir.join("huge.bin"), size);
    each_driver(|config| {
        let server = serve(
            dir.path(),
            Config {
                write_timeout: Some(Duration::from_millis(300)),
                ..config
            },
        );
        let addr = server.local_addr();
        let (mut stalled, len) = start_download(addr, "/on/huge.bin");
        assert_eq!(len, size);
        // The client reads nothing while the deadline passes; the worker
        // still serves others meanwhile.
        std::thread::sleep(Duration::from_millis(1200));
        let mut other = Raw::connect(addr);
        other.send(b"GET /on/missing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        assert!(other.read_to_close().starts_with("HTTP/1.1 404"));
        let got = read_until_closed(&mut stalled, Duration::from_secs(10));
        assert!(got < size, "all {got} bytes came though the client stalled");
        eventually(
            "the stalled connection's close",
            Duration::from_secs(5),
            || (server.stats().workers()[0].connections_open == 0).then_some(()),
        );
    });
}

#[test]
fn a_file_that_shrinks_while_it_is_sent_ends_the_connection() {
    let dir = TempDir::new("sendfile-shrink");
    let size: u64 = 64 << 20;
    each_driver(|config| {
        let path = dir.join("shrinking.bin");
        sparse(&path, size);
        let server = serve(dir.path(), config);
        let (mut raw, len) = start_download(server.local_addr(), "/on/shrinking.bin");
        assert_eq!(len, size);
        // The server fills the socket and waits for room; the file loses
        // most of its length meanwhile.
        std::thread::sleep(Duration::from_millis(200));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(1 << 20)
            .unwrap();
        let got = read_until_closed(&mut raw, Duration::from_secs(10));
        assert!(got < size, "{got} bytes of a file that shrank to 1 MiB");
        eventually("the connection's close", Duration::from_secs(5), || {
            (server.stats().workers()[0].connections_open == 0).then_some(())
        });
        // The server goes on serving.
        let mut next = Raw::connect(server.local_addr());
        next.send(b"GET /on/shrinking.bin HTTP/1.1\r\nhost: x\r\n\r\n");
        let (head, body) = read_response(&mut next);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert_eq!(body.len(), 1 << 20);
    });
}
