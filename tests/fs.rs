//! Static files over real sockets, under each driver: `ServeDir` and
//! `NamedFile` with validators, every conditional and range case as a
//! table, traversal attempts as a table, HEAD against GET, HTTP/2 through
//! curl, a large sparse file streamed with bounded memory, and a client
//! that reads slowly.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harrow::fs::{FileError, NamedFile, ServeDir, Symlinks};
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::{App, Config, Request, Response};
use harrow_tests::server::{self, each_driver};
use harrow_tests::{RawResponse, request};

const SECRET: &str = "TOP SECRET outside the root";

/// A scratch tree: `root/` is served; `secret.txt` sits beside it.
struct Tree {
    dir: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let dir = std::env::temp_dir().join(format!("harrow-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        for sub in ["docs", "empty", ".git", "sub"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let write = |p: &str, bytes: &[u8]| std::fs::write(root.join(p), bytes).unwrap();
        write("hello.txt", b"hello, world\n");
        write("index.html", b"<h1>home</h1>");
        write("docs/index.html", b"<h1>docs</h1>");
        write("sub/page.html", b"<p>page</p>");
        write("style.css", b"body { color: black }");
        write("style.css.br", b"BROTLI BYTES");
        write("style.css.gz", b"GZIP BYTES");
        write("style.css.zst", b"ZSTD BYTES");
        write(".env", b"PASSWORD=hidden");
        write(".git/config", b"[core]");
        write("big.bin", &pattern(300 * 1024));
        write("a b.txt", b"space");
        std::fs::write(dir.join("secret.txt"), SECRET).unwrap();
        std::os::unix::fs::symlink("../secret.txt", root.join("out-link")).unwrap();
        std::os::unix::fs::symlink("hello.txt", root.join("in-link")).unwrap();
        std::os::unix::fs::symlink("..", root.join("up")).unwrap();
        Tree { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Bytes whose every position is recognisable.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

async fn named(req: Request) -> Result<Response, FileError> {
    let path = req.uri().query().unwrap_or("missing").to_owned();
    let file = NamedFile::open(path).await?.attachment("report.txt");
    Ok(file.respond_to(&req).await)
}

fn serve(root: &Path, config: Config) -> TestServer {
    let root = root.to_owned();
    spawn_server_with_config(
        move || {
            App::new()
                .routes(
                    ServeDir::new(&root)
                        .precompressed_br()
                        .precompressed_gzip()
                        .precompressed_zstd()
                        .cache_control("public, max-age=60")
                        .chunk_size(64 * 1024)
                        .at("/static"),
                )
                .routes(
                    ServeDir::new(&root)
                        .symlinks(Symlinks::Refuse)
                        .at("/strict"),
                )
                .get("/named", named)
        },
        config,
    )
    .expect("server starts")
}

fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    request(addr, "GET", path, headers, b"")
}

#[test]
fn files_directories_and_their_heads() {
    let tree = Tree::new("basics");
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let res = get(addr, "/static/hello.txt", &[]);
        assert_eq!(res.status, 200);
        assert_eq!(res.text(), "hello, world\n");
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(res.header("content-length"), Some("13"));
        assert_eq!(res.header("accept-ranges"), Some("bytes"));
        assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
        assert_eq!(res.header("vary"), Some("accept-encoding"));
        assert!(res.header("etag").is_some_and(|t| t.starts_with('"')));
        assert!(res.header("last-modified").is_some());

        let cases: &[(&str, u16, Option<&str>, &str)] = &[
            ("/static/", 200, None, "<h1>home</h1>"),
            ("/static", 301, Some("/static/"), ""),
            ("/static/docs/", 200, None, "<h1>docs</h1>"),
            ("/static/docs", 301, Some("/static/docs/"), ""),
            ("/static/docs?x=1", 301, Some("/static/docs/?x=1"), ""),
            ("/static/empty/", 404, None, "not found"),
            ("/static/missing.txt", 404, None, "not found"),
            ("/static/hello.txt/x", 404, None, "not found"),
            ("/static/a%20b.txt", 200, None, "space"),
            ("/static/sub/page.html", 200, None, "<p>page</p>"),
        ];
        for (path, status, location, body) in cases {
            let res = get(addr, path, &[]);
            assert_eq!(res.status, *status, "{path}");
            assert_eq!(res.header("location"), *location, "{path}");
            assert_eq!(res.text(), *body, "{path}");
        }

        // Only GET and HEAD.
        let res = request(addr, "POST", "/static/hello.txt", &[], b"x");
        assert_eq!(res.status, 405);
    });
}

#[test]
fn head_and_get_send_the_same_head() {
    let tree = Tree::new("head");
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("/static/hello.txt", &[]),
            ("/static/big.bin", &[]),
            ("/static/big.bin", &[("range", "bytes=10-19")]),
            ("/static/style.css", &[("accept-encoding", "br")]),
            ("/static/", &[]),
            ("/named?missing", &[]),
        ];
        for (path, headers) in cases {
            let get = get(addr, path, headers);
            let head = request(addr, "HEAD", path, headers, b"");
            assert_eq!(head.status, get.status, "{path}");
            assert!(head.body.is_empty(), "{path}");
            let strip = |r: &RawResponse| {
                let mut h: Vec<_> = r
                    .headers
                    .iter()
                    .filter(|(n, _)| n != "date")
                    .cloned()
                    .collect();
                h.sort();
                h
            };
            assert_eq!(strip(&head), strip(&get), "{path}");
        }
    });
}

#[test]
fn conditional_requests_table() {
    let tree = Tree::new("conditional");
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let first = get(addr, "/static/hello.txt", &[]);
        let etag = first.header("etag").unwrap().to_owned();
        let modified = first.header("last-modified").unwrap().to_owned();
        let weak = format!("W/{etag}");
        let later =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
        let earlier = "Sat, 01 Jan 2000 00:00:00 GMT";
        let cases: &[(&[(&str, &str)], u16)] = &[
            (&[("if-none-match", &etag)], 304),
            (&[("if-none-match", &weak)], 304),
            (&[("if-none-match", "\"other\"")], 200),
            (&[("if-none-match", &format!("\"a\", {etag}"))], 304),
            (&[("if-none-match", "*")], 304),
            (&[("if-modified-since", &modified)], 304),
            (&[("if-modified-since", &later)], 304),
            (&[("if-modified-since", earlier)], 200),
            (&[("if-modified-since", "garbage")], 200),
            (
                &[
                    ("if-none-match", "\"other\""),
                    ("if-modified-since", &modified),
                ],
                200,
            ),
            (&[("if-match", &etag)], 200),
            (&[("if-match", "*")], 200),
            (&[("if-match", "\"other\"")], 412),
            (&[("if-match", &weak)], 412),
            (&[("if-unmodified-since", &modified)], 200),
            (&[("if-unmodified-since", earlier)], 412),
            (
                &[("if-match", &etag), ("if-unmodified-since", earlier)],
                200,
            ),
            (&[("if-match", "\"other\""), ("if-none-match", &etag)], 412),
        ];
        for (headers, status) in cases {
            let res = get(addr, "/static/hello.txt", headers);
            assert_eq!(res.status, *status, "{headers:?}");
            match status {
                304 => {
                    assert!(res.body.is_empty());
                    assert_eq!(res.header("content-length"), None, "{headers:?}");
                    assert_eq!(res.header("etag"), Some(etag.as_str()));
                    assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
                    assert_eq!(res.header("vary"), Some("accept-encoding"));
                }
                200 => assert_eq!(res.text(), "hello, world\n"),
                _ => {}
            }
        }
        // NamedFile answers the same way.
        let res = get(addr, "/named?missing", &[]);
        assert_eq!(res.status, 404);
        let path = format!("/named?{}", tree.root().join("hello.txt").display());
        let res = get(addr, &path, &[]);
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("content-disposition"),
            Some("attachment; filename=\"report.txt\"")
        );
        let tag = res.header("etag").unwrap().to_owned();
        assert_eq!(get(addr, &path, &[("if-none-match", &tag)]).status, 304);
        assert_eq!(get(addr, &path, &[("range", "bytes=0-4")]).text(), "hello");
    });
}

#[test]
fn ranges_table() {
    let tree = Tree::new("ranges");
    let data = pattern(300 * 1024);
    let len = data.len();
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let etag = get(addr, "/static/big.bin", &[])
            .header("etag")
            .unwrap()
            .to_owned();
        let modified = get(addr, "/static/big.bin", &[])
            .header("last-modified")
            .unwrap()
            .to_owned();
        // (Range, If-Range, status, Content-Range, first..=last byte of the body)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            u16,
            Option<String>,
            Option<(usize, usize)>,
        );
        let whole = Some((0, len - 1));
        let cases: Vec<Case> = vec![
            (
                "bytes=0-0",
                None,
                206,
                Some(format!("bytes 0-0/{len}")),
                Some((0, 0)),
            ),
            (
                "bytes=0-99",
                None,
                206,
                Some(format!("bytes 0-99/{len}")),
                Some((0, 99)),
            ),
            (
                "bytes=100000-200000",
                None,
                206,
                Some(format!("bytes 100000-200000/{len}")),
                Some((100000, 200000)),
            ),
            (
                "bytes=307000-",
                None,
                206,
                Some(format!("bytes 307000-{}/{len}", len - 1)),
                Some((307000, len - 1)),
            ),
            (
                "bytes=-10",
                None,
                206,
                Some(format!("bytes {}-{}/{len}", len - 10, len - 1)),
                Some((len - 10, len - 1)),
            ),
            (
                "bytes=0-99999999",
                None,
                206,
                Some(format!("bytes 0-{}/{len}", len - 1)),
                whole,
            ),
            (
                "bytes=0-9,10-19",
                None,
                206,
                Some(format!("bytes 0-19/{len}")),
                Some((0, 19)),
            ),
            ("bytes=0-9,20-29", None, 200, None, whole),
            ("bytes=9-5", None, 200, None, whole),
            ("lines=1-2", None, 200, None, whole),
            (
                "bytes=400000-",
                None,
                416,
                Some(format!("bytes */{len}")),
                None,
            ),
            ("bytes=-0", None, 416, Some(format!("bytes */{len}")), None),
            (
                "bytes=0-9",
                Some(&etag),
                206,
                Some(format!("bytes 0-9/{len}")),
                Some((0, 9)),
            ),
            ("bytes=0-9", Some("\"old\""), 200, None, whole),
            (
                "bytes=0-9",
                Some(&modified),
                206,
                Some(format!("bytes 0-9/{len}")),
                Some((0, 9)),
            ),
            (
                "bytes=0-9",
                Some("Sat, 01 Jan 2000 00:00:00 GMT"),
                200,
                None,
                whole,
            ),
        ];
        for (range, if_range, status, content_range, bytes) in &cases {
            let mut headers = vec![("range", *range)];
            if let Some(v) = if_range {
                headers.push(("if-range", v));
            }
            let res = get(addr, "/static/big.bin", &headers);
            assert_eq!(res.status, *status, "{range} {if_range:?}");
            assert_eq!(
                res.header("content-range").map(str::to_owned),
                *content_range,
                "{range}"
            );
            if let Some((first, last)) = bytes {
                assert_eq!(res.body.len(), last - first + 1, "{range}");
                assert!(res.body == data[*first..=*last], "{range}: wrong bytes");
                assert_eq!(
                    res.header("content-length"),
                    Some(res.body.len().to_string().as_str())
                );
            }
        }
    });
}

#[test]
fn precompressed_siblings_follow_accept_encoding() {
    let tree = Tree::new("precompressed");
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("", "body { color: black }", None),
            ("gzip", "GZIP BYTES", Some("gzip")),
            ("br", "BROTLI BYTES", Some("br")),
            ("zstd", "ZSTD BYTES", Some("zstd")),
            ("gzip, br, zstd", "BROTLI BYTES", Some("br")),
            ("gzip;q=1, br;q=0.5", "GZIP BYTES", Some("gzip")),
            ("br;q=0, gzip;q=0", "body { color: black }", None),
            ("deflate", "body { color: black }", None),
        ];
        for (accept, body, coding) in cases {
            let headers: &[(&str, &str)] = if accept.is_empty() {
                &[]
            } else {
                &[("accept-encoding", accept)]
            };
            let res = get(addr, "/static/style.css", headers);
            assert_eq!(res.status, 200, "{accept}");
            assert_eq!(res.text(), *body, "{accept}");
            assert_eq!(res.header("content-encoding"), *coding, "{accept}");
            assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
            assert_eq!(res.header("vary"), Some("accept-encoding"));
        }
        // Each variant has its own tag.
        let plain = get(addr, "/static/style.css", &[]);
        let br = get(addr, "/static/style.css", &[("accept-encoding", "br")]);
        assert_ne!(plain.header("etag"), br.header("etag"));
        // A hidden sibling is never picked for a name that is not hidden.
        assert_eq!(
            get(addr, "/static/.env", &[("accept-encoding", "gzip")]).status,
            404
        );
    });
}

/// Traversal attempts, each sent as raw bytes: none may reach the file
/// beside the root, a hidden file, or a link leading out.
#[test]
fn traversal_attempts_table() {
    let tree = Tree::new("traversal");
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let cases: &[(&str, u16)] = &[
            ("/static/../secret.txt", 404),
            ("/static/../../secret.txt", 404),
            ("/static/%2e%2e/secret.txt", 404),
            ("/static/%2E%2E/secret.txt", 404),
            ("/static/.%2e/secret.txt", 404),
            ("/static/%2e%2e%2fsecret.txt", 404),
            ("/static/sub%2f..%2f..%2fsecret.txt", 404),
            ("/static/sub/..%2f..%2fsecret.txt", 404),
            ("/static/%252e%252e/secret.txt", 404),
            ("/static/..%5csecret.txt", 404),
            ("/static/sub%5c..%5c..%5csecret.txt", 404),
            ("/static/%c0%ae%c0%ae/secret.txt", 400),
            ("/static/%c0%ae%c0%ae%c0%afsecret.txt", 400),
            ("/static/%e0%80%ae%e0%80%ae/secret.txt", 400),
            ("/static//etc/passwd", 404),
            ("/static/%2fetc%2fpasswd", 404),
            ("/static/hello.txt%00.png", 404),
            ("/static/out-link", 404),
            ("/static/up/secret.txt", 404),
            ("/static/.env", 404),
            ("/static/%2eenv", 404),
            ("/static/.git/config", 404),
            ("/static/sub/../.env", 404),
            ("/strict/in-link", 404),
            ("/strict/out-link", 404),
        ];
        for (target, status) in cases {
            let raw = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let res = harrow_tests::exchange(addr, raw.as_bytes(), false);
            assert_eq!(res.status, *status, "{target}");
            let text = res.text();
            assert!(
                !text.contains(SECRET) && !text.contains("PASSWORD") && !text.contains("[core]"),
                "{target}: {text}"
            );
        }
        // A link inside the root is followed by default.
        assert_eq!(get(addr, "/static/in-link", &[]).text(), "hello, world\n");
        // Absolute-form targets go through the same checks.
        let raw = format!(
            "GET http://{addr}/static/%2e%2e/secret.txt HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
        );
        assert_eq!(
            harrow_tests::exchange(addr, raw.as_bytes(), false).status,
            404
        );
    });
}

#[test]
fn single_page_app_fallback() {
    let tree = Tree::new("spa");
    let root = tree.root();
    let server = spawn_server_with_config(
        move || App::new().fallback(ServeDir::new(&root).fallback_file("index.html")),
        Config {
            workers: Some(1),
            ..Config::default()
        },
    )
    .unwrap();
    let addr = server.addr();
    let cases: &[(&str, u16, &str)] = &[
        ("/", 200, "<h1>home</h1>"),
        ("/hello.txt", 200, "hello, world\n"),
        ("/app/settings/profile", 200, "<h1>home</h1>"),
        ("/docs/", 200, "<h1>docs</h1>"),
        ("/empty/", 200, "<h1>home</h1>"),
        ("/%2e%2e/secret.txt", 404, "not found"),
        ("/.env", 404, "not found"),
    ];
    for (path, status, body) in cases {
        let res = get(addr, path, &[]);
        assert_eq!(
            (res.status, res.text().as_str()),
            (*status, *body),
            "{path}"
        );
    }
}

fn curl_has(feature: &str) -> bool {
    std::process::Command::new("curl")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(feature))
        .unwrap_or(false)
}

#[test]
fn http2_serves_files_ranges_and_heads() {
    if !curl_has("HTTP2") {
        server::skip("http2_serves_files_ranges_and_heads: curl with HTTP/2 is not installed");
        return;
    }
    let tree = Tree::new("h2");
    let data = pattern(300 * 1024);
    each_driver(|config| {
        let server = serve(
            &tree.root(),
            Config {
                enable_http2: true,
                ..config
            },
        );
        let url = server.url("/static/big.bin");
        let curl = |args: &[&str]| {
            let out = std::process::Command::new("curl")
                .args(["-sS", "--http2-prior-knowledge"])
                .args(args)
                .arg(&url)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        assert!(curl(&[]) == data, "the whole file over HTTP/2");
        assert!(
            curl(&["-r", "1000-1999"]) == data[1000..2000],
            "a range over HTTP/2"
        );
        let head = String::from_utf8(curl(&["-I"]))
            .unwrap()
            .to_ascii_lowercase();
        assert!(head.starts_with("http/2 200"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", data.len())),
            "{head}"
        );
        assert!(head.contains("etag: "), "{head}");
    });
}

/// VmRSS of this process in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// One read, retried when a signal interrupts it.
fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> usize {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other.unwrap(),
        }
    }
}

/// Sends a GET and returns the stream positioned after the head, with the
/// head's Content-Length.
fn open_download(addr: SocketAddr, path: &str) -> (TcpStream, u64) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a content-length");
    (stream, len)
}

#[test]
fn a_large_sparse_file_streams_with_bounded_memory() {
    let tree = Tree::new("sparse");
    let size: u64 = 512 << 20;
    let file = std::fs::File::create(tree.root().join("sparse.bin")).unwrap();
    file.set_len(size).unwrap();
    let mut tail = std::fs::OpenOptions::new()
        .write(true)
        .open(tree.root().join("sparse.bin"))
        .unwrap();
    std::io::Seek::seek(&mut tail, std::io::SeekFrom::Start(size - 4)).unwrap();
    tail.write_all(b"END!").unwrap();
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let before = rss_kib();
        let (mut stream, len) = open_download(server.addr(), "/static/sparse.bin");
        assert_eq!(len, size);
        let mut buf = vec![0u8; 256 * 1024];
        let (mut got, mut peak) = (0u64, before);
        let mut last = Vec::new();
        while got < len {
            let n = read_some(&mut stream, &mut buf);
            assert!(n > 0, "the body ended at {got} of {len}");
            got += n as u64;
            last.extend_from_slice(&buf[..n]);
            let keep = last.len().saturating_sub(4);
            last.drain(..keep);
            if got % (32 << 20) < n as u64 {
                peak = peak.max(rss_kib());
            }
        }
        assert_eq!(last, b"END!");
        let grew = peak.saturating_sub(before);
        assert!(
            grew < 64 * 1024,
            "RSS grew by {grew} KiB while streaming {size} bytes"
        );
    });
}

#[test]
fn a_slow_reader_gets_every_byte_and_others_are_served_meanwhile() {
    let tree = Tree::new("slow");
    let data = pattern(2 << 20);
    std::fs::write(tree.root().join("two.bin"), &data).unwrap();
    each_driver(|config| {
        let server = serve(&tree.root(), config);
        let addr = server.addr();
        let (mut slow, len) = open_download(addr, "/static/two.bin");
        assert_eq!(len, data.len() as u64);
        let mut got = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        let started = Instant::now();
        while got.len() < data.len() {
            let n = read_some(&mut slow, &mut buf);
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
            if started.elapsed() < Duration::from_millis(600) {
                std::thread::sleep(Duration::from_millis(20));
                // The worker is not held by the stalled download.
                let quick = get(addr, "/static/hello.txt", &[]);
                assert_eq!(quick.text(), "hello, world\n");
            }
        }
        assert!(got == data, "the slow download's bytes differ");
    });
}
