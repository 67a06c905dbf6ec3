//! HTTP/2 over real sockets: the h2 crate and curl as clients, and
//! hand-made frames for each attack, which must be contained (GOAWAY and
//! close, or a reset stream) while other connections carry on. Every test
//! runs under each available driver.

use harrow_tests::server;

use harrow_tests::h2raw;

use std::time::{Duration, Instant};

use bytes::Bytes;
use harrow_server::Config;
use harrow_tests::{Raw, body_of};
use http::{Request, StatusCode};
use server::{each_driver, start};

use h2raw::*;

fn h2_config(config: Config) -> Config {
    Config {
        enable_http2: true,
        ..config
    }
}

/// Runs `f` with an HTTP/2 client (the h2 crate) connected to `addr`.
fn h2_client<T>(
    addr: std::net::SocketAddr,
    f: impl AsyncFnOnce(h2::client::SendRequest<Bytes>) -> T,
) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (send, conn) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        f(send).await
    })
}

/// Sends one request and collects the response body.
async fn fetch(
    send: &mut h2::client::SendRequest<Bytes>,
    req: Request<()>,
    body: Bytes,
) -> (StatusCode, http::HeaderMap, Bytes) {
    let mut ready = send.clone().ready().await.unwrap();
    let end = body.is_empty();
    let (response, mut stream) = ready.send_request(req, end).unwrap();
    if !end {
        let mut rest = body;
        while !rest.is_empty() {
            stream.reserve_capacity(rest.len());
            let n = std::future::poll_fn(|cx| stream.poll_capacity(cx))
                .await
                .unwrap()
                .unwrap();
            let piece = rest.split_to(n.min(rest.len()));
            stream.send_data(piece, false).unwrap();
        }
        stream.send_data(Bytes::new(), true).unwrap();
    }
    let (parts, mut recv) = response.await.unwrap().into_parts();
    let mut out = Vec::new();
    while let Some(chunk) = recv.data().await {
        let chunk = chunk.unwrap();
        let _ = recv.flow_control().release_capacity(chunk.len());
        out.extend_from_slice(&chunk);
    }
    (parts.status, parts.headers, Bytes::from(out))
}

fn get(path: &str) -> Request<()> {
    Request::get(format!("http://localhost{path}"))
        .body(())
        .unwrap()
}

/// A fresh connection still gets answered.
fn still_serving(addr: std::net::SocketAddr) {
    let (status, _, body) = h2_client(addr, async |mut send| {
        fetch(&mut send, get("/path"), Bytes::new()).await
    });
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, Bytes::from("http://localhost/path"));
}

#[test]
fn prior_knowledge_and_http1_share_the_port() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let addr = server.local_addr();
        let (status, headers, body) = h2_client(addr, async |mut send| {
            let a = fetch(&mut send, get("/path?x=1"), Bytes::new()).await;
            let b = fetch(&mut send, get("/stream/3"), Bytes::new()).await;
            assert_eq!(b.2, Bytes::from("chunk-0\nchunk-1\nchunk-2\n"));
            a
        });
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-length"], "25");
        assert_eq!(body, Bytes::from("http://localhost/path?x=1"));
        let mut raw = Raw::connect(addr);
        raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(body_of(&raw.read_response()), "/path");
    });
}

#[test]
fn head_and_no_content_answers_carry_no_body() {
    each_driver(|config| {
        let server = start(h2_config(config));
        h2_client(server.local_addr(), async |mut send| {
            let head = |path: &str| {
                Request::head(format!("http://localhost{path}"))
                    .body(())
                    .unwrap()
            };
            // HEAD on a body of known length: its length, none of its bytes.
            let (status, headers, body) = fetch(&mut send, head("/path"), Bytes::new()).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers["content-length"], "21");
            assert!(body.is_empty());
            // HEAD on a streamed body: no length is known, and no bytes.
            let (status, headers, body) = fetch(&mut send, head("/stream/3"), Bytes::new()).await;
            assert_eq!(status, StatusCode::OK);
            assert!(!headers.contains_key("content-length"));
            assert!(body.is_empty());
            let (status, headers, body) = fetch(&mut send, get("/empty"), Bytes::new()).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
            assert!(!headers.contains_key("content-length"));
            assert!(body.is_empty());
            // The connection still serves full answers afterwards.
            let (_, _, body) = fetch(&mut send, get("/path"), Bytes::new()).await;
            assert_eq!(body, Bytes::from("http://localhost/path"));
        });
    });
}

#[test]
fn the_preface_is_refused_when_http2_is_off() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(PREFACE);
        let all = raw.read_to_close();
        assert!(
            all.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"),
            "{all:?}"
        );
    });
}

#[test]
fn large_bodies_stream_both_ways_under_flow_control() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 32 << 20,
            ..h2_config(config)
        });
        let upload = Bytes::from((0..20 << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
        let (echo, big) = h2_client(server.local_addr(), async |mut send| {
            let req = Request::post("http://localhost/echo").body(()).unwrap();
            let echo = fetch(&mut send, req, upload.clone()).await;
            let big = fetch(&mut send, get("/big/32"), Bytes::new()).await;
            (echo, big)
        });
        assert_eq!(echo.0, StatusCode::OK);
        assert!(echo.2 == upload, "20 MiB came back intact");
        assert_eq!(big.0, StatusCode::OK);
        assert_eq!(big.2.len(), 32 << 20);
    });
}

#[test]
fn a_request_body_streams_to_the_service_as_it_arrives() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let answer = h2_client(server.local_addr(), async |send| {
            let mut ready = send.ready().await.unwrap();
            let req = Request::post("http://localhost/first").body(()).unwrap();
            let (response, mut stream) = ready.send_request(req, false).unwrap();
            stream
                .send_data(Bytes::from(vec![7u8; 1000]), false)
                .unwrap();
            // The rest of the body is never sent: a server that waited for
            // the whole body would not answer.
            let response = tokio::time::timeout(Duration::from_secs(3), response)
                .await
                .expect("answered early");
            let (_, mut recv) = response.unwrap().into_parts();
            let body = recv.data().await.unwrap().unwrap();
            stream.send_reset(h2::Reason::CANCEL);
            body
        });
        assert_eq!(answer, Bytes::from("first chunk: 1000 bytes"));
    });
}

#[test]
fn an_upload_over_the_body_limit_is_413() {
    each_driver(|config| {
        let server = start(Config {
            max_body_size: 1000,
            ..h2_config(config)
        });
        let (status, _, body) = h2_client(server.local_addr(), async |mut send| {
            let req = Request::post("http://localhost/echo").body(()).unwrap();
            fetch(&mut send, req, Bytes::from(vec![1u8; 5000])).await
        });
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body, Bytes::from("request body too large"));
    });
}

#[test]
fn streams_beyond_the_limit_are_refused() {
    each_driver(|config| {
        let server = start(Config {
            max_h2_streams: 2,
            ..h2_config(config)
        });
        let mut raw = RawH2::connect(server.local_addr());
        let mut burst = Vec::new();
        for id in [1u32, 3, 5] {
            burst.extend(frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                id,
                &get_block("/sleep/300"),
            ));
        }
        raw.send(&burst);
        let (frames, _) = raw.frames_until_close(Duration::from_millis(1500));
        let refused: Vec<u32> = frames
            .iter()
            .filter(|f| {
                f.0 == RST_STREAM
                    && u32::from_be_bytes([f.3[0], f.3[1], f.3[2], f.3[3]]) == REFUSED_STREAM
            })
            .map(|f| f.2)
            .collect();
        assert_eq!(refused, [5], "the third stream is refused: {frames:?}");
        let answered: Vec<u32> = frames
            .iter()
            .filter(|f| f.0 == HEADERS)
            .map(|f| f.2)
            .collect();
        assert_eq!(answered, [1, 3]);
    });
}

/// Sends `attack`, then checks the server answered GOAWAY with one of
/// `codes` and closed within a bound, and that others are still served.
fn assert_contained(config: Config, attack: Vec<u8>, codes: &[u32]) {
    let server = start(config);
    let mut raw = RawH2::connect(server.local_addr());
    let started = Instant::now();
    raw.send(&attack);
    let (frames, closed) = raw.frames_until_close(Duration::from_secs(4));
    let code = goaway_code(&frames);
    assert!(
        code.is_some_and(|c| codes.contains(&c)),
        "GOAWAY code {code:?}, want one of {codes:?}"
    );
    assert!(closed, "the connection stayed open");
    assert!(started.elapsed() < Duration::from_secs(4));
    still_serving(server.local_addr());
}

#[test]
fn rapid_reset_is_contained() {
    each_driver(|config| {
        let mut attack = Vec::new();
        for i in 0..2000u32 {
            let id = 2 * i + 1;
            attack.extend(frame(HEADERS, END_HEADERS, id, &get_block("/sleep/1000")));
            attack.extend(frame(RST_STREAM, 0, id, &8u32.to_be_bytes()));
        }
        assert_contained(h2_config(config), attack, &[ENHANCE_YOUR_CALM]);
    });
}

#[test]
fn continuation_flood_is_contained() {
    each_driver(|config| {
        let mut attack = frame(HEADERS, 0, 1, &get_block("/"));
        for _ in 0..20_000 {
            attack.extend(frame(
                CONTINUATION,
                0,
                1,
                &[0x40, 0x03, b'x', b'-', b'y', 0x03, b'z', b'z', b'z'],
            ));
        }
        assert_contained(
            h2_config(config),
            attack,
            &[ENHANCE_YOUR_CALM, PROTOCOL_ERROR, 0x6 /* FRAME_SIZE */],
        );
    });
}

#[test]
fn ping_flood_is_contained() {
    each_driver(|config| {
        let attack: Vec<u8> = (0..5000u64)
            .flat_map(|i| frame(PING, 0, 0, &i.to_be_bytes()))
            .collect();
        assert_contained(h2_config(config), attack, &[ENHANCE_YOUR_CALM]);
    });
}

#[test]
fn settings_flood_is_contained() {
    each_driver(|config| {
        let attack: Vec<u8> = (0..5000)
            .flat_map(|_| frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]))
            .collect();
        assert_contained(h2_config(config), attack, &[ENHANCE_YOUR_CALM]);
    });
}

#[test]
fn empty_data_flood_is_contained() {
    each_driver(|config| {
        let mut attack = frame(HEADERS, END_HEADERS, 1, &get_block("/echo"));
        for _ in 0..5000 {
            attack.extend(frame(DATA, 0, 1, &[]));
        }
        assert_contained(h2_config(config), attack, &[ENHANCE_YOUR_CALM]);
    });
}

#[test]
fn a_zero_window_stall_is_reset_after_the_write_timeout() {
    each_driver(|config| {
        let server = start(Config {
            write_timeout: Some(Duration::from_millis(300)),
            ..h2_config(config)
        });
        let mut raw = RawH2::connect(server.local_addr());
        // SETTINGS_INITIAL_WINDOW_SIZE = 0: the server may send no DATA.
        raw.send(&frame(SETTINGS, 0, 0, &[0, 4, 0, 0, 0, 0]));
        let started = Instant::now();
        raw.send(&frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &get_block("/big/1"),
        ));
        let mut reset = None;
        while started.elapsed() < Duration::from_secs(3) && reset.is_none() {
            let (frames, _) = raw.frames_until_close(Duration::from_millis(200));
            reset = frames
                .iter()
                .find(|f| f.0 == RST_STREAM && f.2 == 1)
                .map(|_| started.elapsed());
        }
        let took = reset.expect("the stalled stream was never reset");
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(2),
            "reset after {took:?}"
        );
        still_serving(server.local_addr());
    });
}

#[test]
fn a_silent_preface_is_cut_off_by_the_header_timeout() {
    each_driver(|config| {
        let server = start(Config {
            header_read_timeout: Some(Duration::from_millis(300)),
            ..h2_config(config)
        });
        let mut stream = std::net::TcpStream::connect(server.local_addr()).unwrap();
        std::io::Write::write_all(&mut stream, PREFACE).unwrap();
        let mut raw = Raw { stream };
        let started = Instant::now();
        assert!(
            raw.closed_within(Duration::from_secs(3)),
            "a client that never sends SETTINGS stayed connected"
        );
        assert!(started.elapsed() >= Duration::from_millis(250));
    });
}

#[test]
fn shutdown_sends_goaway_and_finishes_open_streams() {
    each_driver(|config| {
        let driver = config.driver;
        let server = start(h2_config(config));
        let addr = server.local_addr();
        let target = format!("/sleep/500?h2-drain-{driver:?}");
        let awaited = target.clone();
        let stopper = std::thread::spawn(move || {
            server::wait_until_arrived(&awaited, Duration::from_secs(5));
            server.shutdown()
        });
        let started = Instant::now();
        let (first, second) = h2_client(addr, async |mut send| {
            let first = fetch(&mut send, get(&target), Bytes::new()).await;
            // After GOAWAY the client may not open new streams here.
            let second = send
                .clone()
                .ready()
                .await
                .map(|_| ())
                .map_err(|e| e.is_go_away());
            (first, second)
        });
        stopper.join().unwrap().unwrap();
        assert_eq!(first.0, StatusCode::OK);
        assert_eq!(first.2, Bytes::from("slept"), "the open stream finished");
        assert!(second.is_err(), "the connection was not told to go away");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "still accepting after shutdown"
        );
    });
}

/// Issue 11: RFC 9113 §3.4, a first frame other than SETTINGS is a
/// connection error of type PROTOCOL_ERROR at once, not a wait for the
/// header timeout.
#[test]
fn a_first_frame_other_than_settings_is_a_protocol_error_at_once() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let mut stream = std::net::TcpStream::connect(server.local_addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut opening = PREFACE.to_vec();
        opening.extend(frame(PING, 0, 0, &[0; 8]));
        std::io::Write::write_all(&mut stream, &opening).unwrap();
        let mut raw = RawH2 { stream };
        let started = Instant::now();
        let (frames, closed) = raw.frames_until_close(Duration::from_secs(3));
        assert_eq!(goaway_code(&frames), Some(PROTOCOL_ERROR));
        assert!(closed, "the connection stayed open");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "waited for a timeout"
        );
        assert!(
            !frames.iter().any(|f| f.0 == PING),
            "the PING was answered as if the connection were valid"
        );
        still_serving(server.local_addr());
    });
}

/// Issue 11: RFC 9113 §8.1, trailers carrying a pseudo-header field are
/// malformed; `h2` drops the field, the server refuses the connection.
#[test]
fn a_pseudo_header_in_trailers_is_a_protocol_error() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let mut raw = RawH2::connect(server.local_addr());
        // :method POST, :scheme http, :authority a, :path /count.
        let mut head = vec![0x83, 0x86, 0x41, 0x01, b'a', 0x44, 0x06];
        head.extend_from_slice(b"/count");
        let mut attack = frame(HEADERS, END_HEADERS, 1, &head);
        attack.extend(frame(DATA, 0, 1, b"hello"));
        // Trailers: `x-t: 1`, then :path / from the static table.
        attack.extend(frame(
            HEADERS,
            END_STREAM | END_HEADERS,
            1,
            b"\x00\x03x-t\x011\x84",
        ));
        raw.send(&attack);
        let (frames, closed) = raw.frames_until_close(Duration::from_secs(3));
        assert_eq!(goaway_code(&frames), Some(PROTOCOL_ERROR));
        assert!(closed, "the connection stayed open");
        still_serving(server.local_addr());
    });
}

/// Issue 11: RFC 9113 §8.2.1, a field value with leading or trailing
/// whitespace makes the request malformed: its stream is reset with
/// PROTOCOL_ERROR, and the connection carries on.
#[test]
fn a_field_value_with_edge_whitespace_resets_its_stream() {
    each_driver(|config| {
        let server = start(h2_config(config));
        for value in [&b" v"[..], b"v ", b"\tv"] {
            let mut raw = RawH2::connect(server.local_addr());
            let mut block = get_block("/path");
            block.extend_from_slice(&[0x00, 0x03, b'x', b'-', b'a', value.len() as u8]);
            block.extend_from_slice(value);
            let mut bytes = frame(HEADERS, END_STREAM | END_HEADERS, 1, &block);
            bytes.extend(frame(
                HEADERS,
                END_STREAM | END_HEADERS,
                3,
                &get_block("/path"),
            ));
            raw.send(&bytes);
            let (frames, _) = raw.frames_until_close(Duration::from_millis(600));
            let reset = frames.iter().find(|f| f.0 == RST_STREAM && f.2 == 1);
            let code = reset.map(|f| u32::from_be_bytes([f.3[0], f.3[1], f.3[2], f.3[3]]));
            assert_eq!(code, Some(PROTOCOL_ERROR), "value {value:?}");
            assert!(
                !frames.iter().any(|f| f.0 == HEADERS && f.2 == 1),
                "the malformed request was answered"
            );
            assert!(
                frames.iter().any(|f| f.0 == HEADERS && f.2 == 3),
                "the next stream was not answered"
            );
        }
    });
}

/// Issue 11: RFC 9110 §6.6.1, HTTP/2 responses carry `Date` as HTTP/1.1
/// ones do.
#[test]
fn responses_carry_a_date() {
    each_driver(|config| {
        let server = start(h2_config(config));
        let (status, headers, _) = h2_client(server.local_addr(), async |mut send| {
            fetch(&mut send, get("/path"), Bytes::new()).await
        });
        assert_eq!(status, StatusCode::OK);
        let date = headers.get("date").expect("a Date header");
        let date = date.to_str().unwrap();
        assert_eq!(date.len(), 29, "{date}");
        assert!(date.ends_with(" GMT"), "{date}");
    });
}

/// Issue 11: a panic in the service's synchronous `call` is a 500 on its
/// stream, and the connection and the worker carry on.
#[test]
fn a_panic_before_the_future_is_a_500_on_that_stream() {
    each_driver(|config| {
        let server = server::start_panicky(h2_config(config));
        let (panicked, after) = h2_client(server.local_addr(), async |mut send| {
            let panicked = fetch(&mut send, get("/sync-panic"), Bytes::new()).await;
            let after = fetch(&mut send, get("/path"), Bytes::new()).await;
            (panicked, after)
        });
        assert_eq!(panicked.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(panicked.2, Bytes::from("internal server error\n"));
        assert_eq!(after.0, StatusCode::OK);
        still_serving(server.local_addr());
    });
}

#[test]
fn curl_speaks_http2_with_prior_knowledge() {
    let has_http2 = std::process::Command::new("curl")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("HTTP2"))
        .unwrap_or(false);
    if !has_http2 {
        server::skip("curl_speaks_http2_with_prior_knowledge: curl with HTTP/2 is not installed");
        return;
    }
    each_driver(|config| {
        let server = start(h2_config(config));
        let url = format!("http://{}/path", server.local_addr());
        let out = std::process::Command::new("curl")
            .args([
                "-sS",
                "--http2-prior-knowledge",
                "-w",
                " %{http_version}",
                &url,
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{url} 2"));
    });
}

mod framework {
    //! HTTP/2 requests take the same path through the framework as
    //! HTTP/1.1 ones: routing, extractors, middleware, rejections.

    use super::*;
    use harrow::{App, Json, Path, middleware::SetRequestId};

    async fn user(Path(id): Path<u32>) -> String {
        format!("user {id}")
    }

    async fn peer(addr: harrow::RemoteAddr) -> String {
        addr.0.ip().to_string()
    }

    async fn echo(Json(value): Json<serde_json::Value>) -> Json<serde_json::Value> {
        Json(value)
    }

    fn app() -> App {
        App::new()
            .get("/users/{id}", user)
            .get("/peer", peer)
            .post("/echo", echo)
            .layer(SetRequestId::new())
    }

    #[test]
    fn the_same_handlers_extractors_and_middleware_serve_http2() {
        each_driver(|config| {
            let config = Config {
                max_body_size: 64,
                ..h2_config(config)
            };
            let server = harrow::start_with_config(app, "127.0.0.1:0", config).unwrap();
            let results = h2_client(server.local_addr(), async |mut send| {
                let user = fetch(&mut send, get("/users/7"), Bytes::new()).await;
                let peer = fetch(&mut send, get("/peer"), Bytes::new()).await;
                assert_eq!(
                    peer.2,
                    Bytes::from("127.0.0.1"),
                    "the RemoteAddr extractor sees the client"
                );
                let bad = fetch(&mut send, get("/users/x"), Bytes::new()).await;
                let post = Request::post("http://localhost/echo")
                    .header("content-type", "application/json");
                let json =
                    fetch(&mut send, post.body(()).unwrap(), Bytes::from(r#"{"a":1}"#)).await;
                let post = Request::post("http://localhost/echo")
                    .header("content-type", "application/json");
                let big = fetch(
                    &mut send,
                    post.body(()).unwrap(),
                    Bytes::from(vec![b' '; 200]),
                )
                .await;
                let wrong = fetch(
                    &mut send,
                    Request::delete("http://localhost/echo").body(()).unwrap(),
                    Bytes::new(),
                )
                .await;
                [user, bad, json, big, wrong]
            });
            let [user, bad, json, big, wrong] = results;
            assert_eq!((user.0, user.2), (StatusCode::OK, Bytes::from("user 7")));
            assert!(
                user.1.contains_key("x-request-id"),
                "middleware ran: {:?}",
                user.1
            );
            assert_eq!(bad.0, StatusCode::BAD_REQUEST);
            assert!(String::from_utf8_lossy(&bad.2).contains("invalid path parameter `id`"));
            assert_eq!(
                (json.0, json.2),
                (StatusCode::OK, Bytes::from(r#"{"a":1}"#))
            );
            assert_eq!(
                big.0,
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body limit applies to a streamed body"
            );
            assert_eq!(wrong.0, StatusCode::METHOD_NOT_ALLOWED);
            assert!(wrong.1["allow"].to_str().unwrap().contains("POST"));
        });
    }
}
