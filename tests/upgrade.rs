//! Taking a connection over after `101 Switching Protocols`, in the server
//! core, under each driver: bytes the client sends right after its request
//! reach the new protocol, an upgrade the service declines leaves the
//! connection speaking HTTP/1.1, and a `101` nobody takes closes it. Over
//! HTTP/2, an extended CONNECT (RFC 8441) taken over with a `200` runs on
//! its stream, and one answered otherwise is not taken over.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use harrow_server::upgrade::{OnUpgrade, Upgraded, connect_protocol};
use harrow_server::{Body, Config, service_fn};
use harrow_tests::Raw;
use harrow_tests::server::each_driver;
use http::{Response, StatusCode};

/// Echoes what arrives until the peer ends its side, then ends this one.
async fn echo(upgraded: Upgraded) {
    let (mut read, mut write) = upgraded.split();
    loop {
        let (res, buf) = read.read(Vec::with_capacity(1024)).await;
        match res {
            Ok(n) if n > 0 => {
                if write.write_all(buf).await.0.is_err() {
                    return;
                }
            }
            _ => break,
        }
    }
    write.shutdown().await;
}

/// `/echo` switches to a line echo protocol; `/decline` answers 200 even to
/// an upgrade request; `/orphan` answers 101 without taking the connection.
fn start(config: Config) -> harrow_server::ServerHandle {
    let service = || {
        service_fn(|req: http::Request<Body>, _conn| async move {
            let on_upgrade = req.extensions().get::<OnUpgrade>().cloned();
            let switching = || {
                let mut res = Response::new(Body::empty());
                *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                res.headers_mut().insert("upgrade", "echo".parse().unwrap());
                res.headers_mut()
                    .insert("connection", "upgrade".parse().unwrap());
                res
            };
            match (req.uri().path(), on_upgrade) {
                ("/echo", Some(on_upgrade)) => {
                    let taken = on_upgrade.on_upgrade(echo);
                    assert!(taken.is_ok());
                    switching()
                }
                ("/orphan", _) => switching(),
                (path, upgrade) => Response::new(Body::from(format!(
                    "{path} upgrade offered: {}",
                    upgrade.is_some()
                ))),
            }
        })
    };
    harrow_server::start_with_config(service, "127.0.0.1:0", config).expect("server starts")
}

const ASK: &str = "Host: a\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n";

#[test]
fn early_bytes_reach_the_new_protocol_and_the_echo_runs() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        // The first protocol bytes come in the same write as the request.
        raw.send(format!("GET /echo HTTP/1.1\r\n{ASK}early").as_bytes());
        let head = raw.read_head();
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{head}"
        );
        assert!(head.contains("connection: upgrade\r\n"), "{head}");
        assert!(!head.contains("content-length"), "{head}");
        let mut buf = [0u8; 5];
        std::io::Read::read_exact(&mut raw.stream, &mut buf).unwrap();
        assert_eq!(&buf, b"early");
        raw.send(b"later");
        std::io::Read::read_exact(&mut raw.stream, &mut buf).unwrap();
        assert_eq!(&buf, b"later");
    });
}

#[test]
fn a_declined_upgrade_stays_http_and_an_untaken_101_closes() {
    each_driver(|config| {
        let server = start(config);
        let mut raw = Raw::connect(server.local_addr());
        raw.send(format!("GET /decline HTTP/1.1\r\n{ASK}").as_bytes());
        let first = raw.read_response();
        assert!(first.ends_with("/decline upgrade offered: true"), "{first}");
        raw.send(b"GET /plain HTTP/1.1\r\nHost: a\r\n\r\n");
        let second = raw.read_response();
        assert!(
            second.ends_with("/plain upgrade offered: false"),
            "{second}"
        );

        let mut raw = Raw::connect(server.local_addr());
        raw.send(format!("GET /orphan HTTP/1.1\r\n{ASK}").as_bytes());
        let all = raw.read_to_close();
        assert!(all.starts_with("HTTP/1.1 101"), "{all}");
        assert!(raw.closed_within(Duration::from_secs(2)));
    });
}

/// Whether the callback of a refused tunnel ever ran.
static REFUSED_RAN: AtomicBool = AtomicBool::new(false);

/// Over HTTP/2: `/tunnel` takes an extended CONNECT for the `echo`
/// protocol over with a 200 and echoes until the client ends its side;
/// `/h1-style` takes it over with a 101, as a service written for
/// HTTP/1.1 does, and writes `taken` without shutting down; `/refuse`
/// registers a callback but answers 403; `/untaken` answers 200 without
/// taking it; anything else says whether it was offered an upgrade (with
/// a 404 to an extended CONNECT).
fn start_h2(config: Config) -> harrow_server::ServerHandle {
    let service = || {
        service_fn(|req: http::Request<Body>, _conn| async move {
            let protocol = connect_protocol(req.extensions()).map(str::to_owned);
            let on_upgrade = req.extensions().get::<OnUpgrade>().cloned();
            match (req.uri().path(), protocol.as_deref(), on_upgrade) {
                ("/tunnel", Some("echo"), Some(on_upgrade)) => {
                    let taken = on_upgrade.on_upgrade(echo);
                    assert!(taken.is_ok());
                    Response::new(Body::empty())
                }
                ("/h1-style", Some("echo"), Some(on_upgrade)) => {
                    let taken = on_upgrade.on_upgrade(|upgraded| async move {
                        let (_read, mut write) = upgraded.split();
                        let _ = write.write_all(b"taken".to_vec()).await;
                    });
                    assert!(taken.is_ok());
                    let mut res = Response::new(Body::empty());
                    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                    res.headers_mut().insert("upgrade", "echo".parse().unwrap());
                    res
                }
                ("/untaken", _, _) => Response::new(Body::from("not a tunnel")),
                ("/refuse", _, Some(on_upgrade)) => {
                    let taken = on_upgrade.on_upgrade(|_| async move {
                        REFUSED_RAN.store(true, Ordering::SeqCst);
                    });
                    assert!(taken.is_ok());
                    let mut res = Response::new(Body::from("refused"));
                    *res.status_mut() = StatusCode::FORBIDDEN;
                    res
                }
                (path, protocol, upgrade) => {
                    let mut res = Response::new(Body::from(format!(
                        "{path} {protocol:?} upgrade offered: {}",
                        upgrade.is_some()
                    )));
                    if protocol.is_some() {
                        *res.status_mut() = StatusCode::NOT_FOUND;
                    }
                    res
                }
            }
        })
    };
    let config = Config {
        enable_http2: true,
        ..config
    };
    harrow_server::start_with_config(service, "127.0.0.1:0", config).expect("server starts")
}

/// A request to `path`; with `protocol`, an extended CONNECT for it.
fn h2_request(path: &str, protocol: Option<&'static str>) -> http::Request<()> {
    let method = if protocol.is_some() { "CONNECT" } else { "GET" };
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("http://localhost{path}"))
        .body(())
        .unwrap();
    if let Some(p) = protocol {
        req.extensions_mut()
            .insert(h2::ext::Protocol::from_static(p));
    }
    req
}

/// Everything left on `recv`, as text.
async fn rest(mut recv: h2::RecvStream) -> String {
    let mut all = Vec::new();
    while let Some(data) = poll_fn(|cx| recv.poll_data(cx)).await {
        let data = data.unwrap();
        recv.flow_control().release_capacity(data.len()).unwrap();
        all.extend_from_slice(&data);
    }
    String::from_utf8(all).unwrap()
}

#[test]
fn an_extended_connect_taken_over_runs_on_its_http2_stream() {
    each_driver(|config| {
        let server = start_h2(config);
        let addr = server.local_addr();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut client, conn) = h2::client::handshake(tcp).await.unwrap();
            tokio::spawn(async move {
                let _ = conn.await;
            });
            // The tunnel: bytes both ways, then each side ends its own.
            let (res, mut send) = client
                .send_request(h2_request("/tunnel", Some("echo")), false)
                .unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(!res.headers().contains_key("content-length"));
            let mut recv = res.into_body();
            send.send_data(Bytes::from_static(b"first"), false).unwrap();
            let echoed = poll_fn(|cx| recv.poll_data(cx)).await.unwrap().unwrap();
            assert_eq!(echoed, "first");
            recv.flow_control().release_capacity(echoed.len()).unwrap();
            send.send_data(Bytes::from_static(b"last"), true).unwrap();
            assert_eq!(rest(recv).await, "last");
            // A callback with another answer than a 2xx never runs.
            let (res, _send) = client
                .send_request(h2_request("/refuse", Some("echo")), false)
                .unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            assert_eq!(rest(res.into_body()).await, "refused");
            // Only an extended CONNECT is offered an upgrade.
            let (res, _) = client
                .send_request(h2_request("/plain", None), true)
                .unwrap();
            let text = rest(res.await.unwrap().into_body()).await;
            assert_eq!(text, "/plain None upgrade offered: false");
            let (res, _send) = client
                .send_request(h2_request("/other", Some("echo")), false)
                .unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let text = rest(res.into_body()).await;
            assert_eq!(text, "/other Some(\"echo\") upgrade offered: true");
            // A 2xx that takes nothing over must not tell the client its
            // tunnel is open.
            let (res, _send) = client
                .send_request(h2_request("/untaken", Some("echo")), false)
                .unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_IMPLEMENTED);
            assert_ne!(rest(res.into_body()).await, "not a tunnel");
            // A 101 takes the stream over as a 200; what the callback wrote
            // before it returned arrives, then the end of the stream.
            let (res, _send) = client
                .send_request(h2_request("/h1-style", Some("echo")), false)
                .unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(!res.headers().contains_key("upgrade"));
            assert_eq!(rest(res.into_body()).await, "taken");
        });
        assert!(!REFUSED_RAN.load(Ordering::SeqCst));
    });
}
