//! Taking a connection over after `101 Switching Protocols`, in the server
//! core, under each driver: bytes the client sends right after its request
//! reach the new protocol, an upgrade the service declines leaves the
//! connection speaking HTTP/1.1, and a `101` nobody takes closes it.

use std::time::Duration;

use harrow_server::upgrade::OnUpgrade;
use harrow_server::{Body, Config, service_fn};
use harrow_tests::Raw;
use harrow_tests::server::each_driver;
use http::{Response, StatusCode};

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
                    let taken = on_upgrade.on_upgrade(|upgraded| async move {
                        let (mut read, mut write) = upgraded.split();
                        loop {
                            let (res, buf) = read.read(Vec::with_capacity(1024)).await;
                            match res {
                                Ok(n) if n > 0 => {
                                    if write.write_all(buf).await.0.is_err() {
                                        return;
                                    }
                                }
                                _ => return,
                            }
                        }
                    });
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
