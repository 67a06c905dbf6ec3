//! HTTPS over real sockets: rustls under hyper, and curl, as clients; ALPN
//! choosing HTTP/2 or HTTP/1.1; client certificates; certificate reloads;
//! and what a client that stalls, floods or speaks plain HTTP gets. Every
//! server test runs under each available driver.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use harrow_server::{ClientAuth, Config, TlsConfig};
use harrow_tests::server::{self, Full, each_driver};
use harrow_tests::tls::{
    Identity, TestCa, client_config, connect, https_get, https_send, https_send_as,
};
use harrow_tests::{Raw, body_of};
use http::{Request, StatusCode};

/// `config` serving HTTPS with `id`, HTTP/2 on.
fn https(config: Config, id: &Identity) -> Config {
    https_with(config, TlsConfig::from_pem(id.cert.clone(), id.key.clone()))
}

fn https_with(config: Config, tls: TlsConfig) -> Config {
    Config {
        tls: Some(tls),
        enable_http2: true,
        ..config
    }
}

#[test]
fn alpn_chooses_http2_or_http1_and_handlers_see_the_session() {
    let ca = TestCa::new("alpn");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(config, &id));
        assert!(server.is_tls());
        let addr = server.local_addr();
        let offers: [(&[&[u8]], &str); 3] = [
            (&[b"h2", b"http/1.1"], "h2"),
            (&[b"http/1.1"], "http/1.1"),
            (&[], "-"),
        ];
        for (offer, chosen) in offers {
            let replies = https_get(
                addr,
                client_config(&ca, offer, None),
                &["/tls", "/path?x=1"],
            )
            .unwrap_or_else(|e| panic!("offering {chosen}: {e}"));
            assert_eq!(replies[0].status, StatusCode::OK);
            assert_eq!(
                replies[0].body,
                format!("https TLSv1.3 {chosen} localhost 0")
            );
            // Over HTTP/1.1 too, the target is absolute, with its scheme.
            assert_eq!(replies[1].body, "https://localhost/path?x=1");
            let expected_alpn = (chosen != "-").then(|| chosen.to_owned());
            assert_eq!(replies[0].alpn, expected_alpn);
        }
        server.shutdown().unwrap();
    });
}

#[test]
fn sni_names_the_host_and_a_wrong_name_fails_at_the_client() {
    let ca = TestCa::new("sni");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(config, &id));
        let addr = server.local_addr();
        let tls = |name| {
            let requests = vec![Request::get("/tls").body(Full::default()).unwrap()];
            https_send_as(
                addr,
                client_config(&ca, &[b"http/1.1"], None),
                name,
                requests,
            )
        };
        let by_ip = tls("127.0.0.1").unwrap();
        assert_eq!(
            by_ip[0].body, "https TLSv1.3 http/1.1 - 0",
            "no SNI for an address"
        );
        let wrong = tls("wrong.example").unwrap_err();
        assert!(wrong.contains("not valid for name"), "{wrong}");
        assert_eq!(
            tls("localhost").unwrap()[0].body,
            "https TLSv1.3 http/1.1 localhost 0"
        );
        server.shutdown().unwrap();
    });
}

#[test]
fn large_bodies_cross_tls_both_ways_on_both_protocols() {
    let ca = TestCa::new("bodies");
    let id = ca.server("server");
    let upload: Vec<u8> = (0..(3 << 20) + 123)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let upload = Bytes::from(upload);
    each_driver(|config| {
        let config = Config {
            max_body_size: 8 << 20,
            ..https(config, &id)
        };
        let server = server::start(config);
        for alpn in [b"h2".as_slice(), b"http/1.1"] {
            let requests = vec![
                Request::post("/count")
                    .body(Full::new(upload.clone()))
                    .unwrap(),
                Request::get("/big/4").body(Full::default()).unwrap(),
                Request::post("/echo")
                    .body(Full::new(upload.slice(..200_000)))
                    .unwrap(),
            ];
            let replies = https_send(
                server.local_addr(),
                client_config(&ca, &[alpn], None),
                requests,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(alpn)));
            assert!(
                replies[0]
                    .body
                    .starts_with(&format!("{} bytes in", upload.len())),
                "{}",
                replies[0].body
            );
            assert_eq!(replies[1].body.len(), 4 << 20);
            assert!(replies[1].body.bytes().all(|b| b == b'x'));
            assert!(
                replies[2].body.as_bytes() == &upload[..200_000],
                "the echo differs"
            );
        }
        server.shutdown().unwrap();
    });
}

#[test]
fn pipelined_requests_in_one_tls_record_are_all_answered_in_order() {
    let ca = TestCa::new("pipeline");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(config, &id));
        let mut tls = connect(
            server.local_addr(),
            client_config(&ca, &[b"http/1.1"], None),
        );
        let batch = "GET /path?n=1 HTTP/1.1\r\nHost: localhost\r\n\r\n\
                     GET /path?n=2 HTTP/1.1\r\nHost: localhost\r\n\r\n\
                     GET /path?n=3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        tls.write_all(batch.as_bytes()).unwrap();
        let mut out = Vec::new();
        // The server ends with close_notify, so the read ends cleanly.
        tls.read_to_end(&mut out).expect("a clean TLS close");
        let text = String::from_utf8_lossy(&out);
        let bodies: Vec<_> = text.split("HTTP/1.1 200 OK").skip(1).map(body_of).collect();
        let expected =
            ["/path?n=1", "/path?n=2", "/path?n=3"].map(|p| format!("https://localhost{p}"));
        assert_eq!(bodies, expected, "{text}");
        server.shutdown().unwrap();
    });
}

/// close_notify followed, in the same write, by more bytes than rustls
/// reads at once: the server ends the connection, and its one worker goes
/// on serving (feeding rustls what follows the alert once spun it forever).
#[test]
fn bytes_after_close_notify_end_the_connection() {
    let ca = TestCa::new("close notify");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(
            Config {
                workers: Some(1),
                ..config
            },
            &id,
        ));
        let mut tls = connect(
            server.local_addr(),
            client_config(&ca, &[b"http/1.1"], None),
        );
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        tls.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        tls.conn.send_close_notify();
        let mut wire = Vec::new();
        while tls.conn.wants_write() {
            tls.conn.write_tls(&mut wire).unwrap();
        }
        wire.extend(std::iter::repeat_n(23u8, 6000));
        tls.sock.write_all(&wire).unwrap();

        let served = https_get(server.local_addr(), client_config(&ca, &[], None), &["/"]);
        if served.is_err() {
            // A stuck worker would hang the server's shutdown.
            std::mem::forget(server);
            panic!("the worker stopped serving: {served:?}");
        }
        let mut rest = Vec::new();
        let _ = tls.sock.read_to_end(&mut rest);
        server.shutdown().unwrap();
    });
}

#[test]
fn plain_http_sent_to_the_https_port_gets_a_plain_400() {
    let ca = TestCa::new("plain");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(config, &id));
        let mut raw = Raw::connect(server.local_addr());
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let answer = raw.read_to_close();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert_eq!(
            body_of(&answer).trim_end(),
            "this port speaks HTTPS; the request was sent as plain HTTP"
        );
        // The worker still serves HTTPS.
        let replies = https_get(server.local_addr(), client_config(&ca, &[], None), &["/"]);
        assert_eq!(replies.unwrap()[0].body, "hello");
        server.shutdown().unwrap();
    });
}

#[test]
fn a_stalled_or_garbled_handshake_is_cut_off() {
    let ca = TestCa::new("stall");
    let id = ca.server("server");
    each_driver(|config| {
        let mut tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone());
        tls.handshake_timeout = Duration::from_millis(300);
        let server = server::start(https_with(config, tls));
        let addr = server.local_addr();

        // Silent, and a record header that never gets its body: both closed
        // once the handshake timeout passes, not before.
        for first in [&b""[..], &[22, 3, 1, 0, 200]] {
            let started = Instant::now();
            let mut raw = Raw::connect(addr);
            raw.send(first);
            assert!(raw.closed_within(Duration::from_secs(5)), "left open");
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(250),
                "closed after {waited:?}"
            );
        }

        // A ClientHello that does not parse: an alert, then the close.
        let mut raw = Raw::connect(addr);
        raw.send(&[22, 3, 1, 0, 4, 1, 0, 0, 0]);
        let answer = raw.read_bytes_to_close();
        assert_eq!(answer.first(), Some(&21), "a TLS alert record: {answer:?}");

        let replies = https_get(addr, client_config(&ca, &[], None), &["/"]);
        assert_eq!(replies.unwrap()[0].status, StatusCode::OK);
        server.shutdown().unwrap();
    });
}

#[test]
fn handshakes_past_the_limit_are_refused_until_one_ends() {
    let ca = TestCa::new("limit");
    let id = ca.server("server");
    each_driver(|config| {
        let mut tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone());
        tls.max_handshakes = 2;
        tls.handshake_timeout = Duration::from_secs(30);
        let server = server::start(https_with(config, tls));
        let addr = server.local_addr();
        let mut stalled: Vec<Raw> = (0..2)
            .map(|_| {
                let mut raw = Raw::connect(addr);
                raw.send(&[22, 3, 1]);
                raw
            })
            .collect();
        // Once both stalled handshakes hold their places, a third is closed
        // at once, well before the 30 s handshake timeout.
        server::eventually("a handshake refused", Duration::from_secs(5), || {
            Raw::connect(addr)
                .closed_within(Duration::from_millis(500))
                .then_some(())
        });
        let refused = https_get(addr, client_config(&ca, &[], None), &["/"]);
        assert!(refused.is_err(), "{refused:?}");
        // One stalled client gives up: its place frees, and a real client
        // gets through.
        drop(stalled.pop());
        let served = server::eventually("a handshake admitted", Duration::from_secs(5), || {
            https_get(addr, client_config(&ca, &[], None), &["/"]).ok()
        });
        assert_eq!(served[0].status, StatusCode::OK);
        server.shutdown().unwrap();
    });
}

#[test]
fn client_certificates_required_or_optional() {
    let ca = TestCa::new("server ca");
    let id = ca.server("server");
    let clients = TestCa::new("client ca");
    let strangers = TestCa::new("stranger ca");
    let dir = harrow_tests::TempDir::new("mtls");
    let clients_file = dir.join("clients.pem");
    std::fs::write(&clients_file, clients.pem()).unwrap();
    let alice = clients.client("alice");
    let mallory = strangers.client("mallory");

    each_driver(|config| {
        let tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone())
            .client_auth(ClientAuth::Required(clients_file.clone()));
        let server = server::start(https_with(config.clone(), tls));
        let addr = server.local_addr();
        for alpn in [b"h2".as_slice(), b"http/1.1"] {
            let shown = https_get(addr, client_config(&ca, &[alpn], Some(&alice)), &["/tls"]);
            assert!(
                shown.unwrap()[0].body.ends_with(" 1"),
                "one client certificate"
            );
            let none = https_get(addr, client_config(&ca, &[alpn], None), &["/tls"]);
            assert!(none.is_err(), "no certificate: {none:?}");
            let wrong = https_get(addr, client_config(&ca, &[alpn], Some(&mallory)), &["/tls"]);
            assert!(wrong.is_err(), "a stranger's certificate: {wrong:?}");
        }
        server.shutdown().unwrap();

        let tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone())
            .client_auth(ClientAuth::Optional(clients_file.clone()));
        let server = server::start(https_with(config, tls));
        let addr = server.local_addr();
        let none = https_get(addr, client_config(&ca, &[], None), &["/tls"]).unwrap();
        assert!(none[0].body.ends_with(" 0"), "{}", none[0].body);
        let shown = https_get(addr, client_config(&ca, &[], Some(&alice)), &["/tls"]).unwrap();
        assert!(shown[0].body.ends_with(" 1"), "{}", shown[0].body);
        let wrong = https_get(addr, client_config(&ca, &[], Some(&mallory)), &["/tls"]);
        assert!(wrong.is_err(), "a stranger's certificate: {wrong:?}");
        server.shutdown().unwrap();
    });
}

#[test]
fn a_reload_serves_new_connections_with_the_new_certificate() {
    let ca = TestCa::new("reload");
    let dir = harrow_tests::TempDir::new("reload");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let install = |id: &Identity| {
        std::fs::write(&cert, &id.cert).unwrap();
        std::fs::write(&key, &id.key).unwrap();
    };
    let seen = |addr| {
        let replies = https_get(addr, client_config(&ca, &[], None), &["/"]).unwrap();
        replies[0].server_cert.clone()
    };
    each_driver(|config| {
        let first = ca.server("first");
        let second = ca.server("second");
        install(&first);
        let server = server::start(https_with(config, TlsConfig::from_pem_files(&cert, &key)));
        let addr = server.local_addr();
        let before = seen(addr);

        install(&second);
        server.reload_tls().expect("the new pair loads");
        let after = seen(addr);
        assert_ne!(before, after, "the new certificate is served");

        // A broken key is refused, naming the file; the second pair stays.
        std::fs::write(&key, "not a key").unwrap();
        let err = server.reload_tls().unwrap_err();
        assert_eq!(err.file(), Some(key.as_path()));
        assert!(err.to_string().contains("holds no private key"), "{err}");
        assert_eq!(seen(addr), after);
        server.shutdown().unwrap();
    });
}

#[test]
fn bad_tls_material_stops_the_start_naming_the_file() {
    let ca = TestCa::new("errors");
    let good = ca.server("good");
    let other = ca.server("other");
    let expired = ca.expired_server();
    let future = ca.future_server();
    let dir = harrow_tests::TempDir::new("errors");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cert = write("cert.pem", &good.cert);
    let key = write("key.pem", &good.key);
    let other_key = write("other-key.pem", &other.key);
    let expired_cert = write("expired.pem", &expired.cert);
    let expired_key = write("expired-key.pem", &expired.key);
    let future_cert = write("future.pem", &future.cert);
    let future_key = write("future-key.pem", &future.key);
    let empty = write("empty.pem", "");
    let missing = dir.join("missing.pem");

    let cases = [
        (
            TlsConfig::from_pem_files(&missing, &key),
            &missing,
            "no such file",
        ),
        (
            TlsConfig::from_pem_files(&empty, &key),
            &empty,
            "holds no certificate",
        ),
        (
            TlsConfig::from_pem_files(&cert, &empty),
            &empty,
            "holds no private key",
        ),
        (
            TlsConfig::from_pem_files(&cert, &other_key),
            &cert,
            "does not match the private key",
        ),
        (
            TlsConfig::from_pem_files(&expired_cert, &expired_key),
            &expired_cert,
            "expired on",
        ),
        (
            TlsConfig::from_pem_files(&future_cert, &future_key),
            &future_cert,
            "not valid yet",
        ),
        (
            TlsConfig::from_pem_files(&cert, &key)
                .client_auth(ClientAuth::Required(missing.clone())),
            &missing,
            "no such file",
        ),
    ];
    for (tls, file, problem) in cases {
        let config = Config {
            tls: Some(tls),
            workers: Some(1),
            ..Config::default()
        };
        let err = harrow_server::start_with_config(
            || harrow_server::service_fn(server::handle),
            "127.0.0.1:0",
            config,
        )
        .expect_err(problem);
        assert!(err.is_tls(), "{err}");
        let message = err.to_string();
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains(problem), "{message}");
    }

    // The text settings: a certificate without its key is refused up front.
    let mut config = Config::default();
    config.set("tls_cert", &cert.display().to_string()).unwrap();
    let err = config.validate().unwrap_err();
    assert_eq!(err.field(), "tls_key");
}

#[test]
fn curl_speaks_https_on_both_protocols() {
    let version = std::process::Command::new("curl").arg("-V").output();
    let features = version
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !(features.contains("SSL") && features.contains("HTTP2")) {
        server::skip(
            "curl_speaks_https_on_both_protocols: curl with TLS and HTTP/2 is not installed",
        );
        return;
    }
    let ca = TestCa::new("curl");
    let id = ca.server("server");
    let dir = harrow_tests::TempDir::new("curl");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    each_driver(|config| {
        let server = server::start(https(config, &id));
        let port = server.local_addr().port();
        for (flag, alpn, version) in [("--http2", "h2", "2"), ("--http1.1", "http/1.1", "1.1")] {
            let out = std::process::Command::new("curl")
                .args(["-sS", "--max-time", "10", flag, "--cacert"])
                .arg(&ca_file)
                .args([
                    "--resolve",
                    &format!("localhost:{port}:127.0.0.1"),
                    "-w",
                    " %{http_version}",
                    &format!("https://localhost:{port}/tls"),
                ])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("https TLSv1.3 {alpn} localhost 0 {version}"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        server.shutdown().unwrap();
    });
}

#[test]
fn a_drain_closes_idle_tls_connections_with_close_notify() {
    let ca = TestCa::new("drain");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https(config, &id));
        let mut tls = connect(
            server.local_addr(),
            client_config(&ca, &[b"http/1.1"], None),
        );
        tls.write_all(b"GET /path HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = tls.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
        // Idle and kept alive; a shutdown must not wait for it.
        let started = Instant::now();
        server.shutdown().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        // A clean end: close_notify, not a truncated stream.
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .expect("close_notify before the close");
        assert!(rest.is_empty(), "{rest:?}");
    });
}

/// `config` serving HTTPS with `id`, and plain HTTP on another port of
/// 127.0.0.1 redirected to it.
fn https_redirecting(config: Config, id: &Identity) -> Config {
    let tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone())
        .redirect_http_from(([127, 0, 0, 1], 0).into());
    https_with(config, tls)
}

#[test]
fn plain_http_on_the_redirect_port_is_sent_to_https() {
    let ca = TestCa::new("redirect");
    let id = ca.server("server");
    each_driver(|config| {
        let server = server::start(https_redirecting(config, &id));
        let plain = server.redirect_addr().expect("a redirect listener");
        let https_port = server.local_addr().port();
        let mut raw = Raw::connect(plain);
        // Method, path and query are kept; the port becomes the HTTPS one.
        raw.send(
            b"POST /cart?id=3 HTTP/1.1\r\nHost: localhost:80\r\nContent-Length: 5\r\n\r\nhello",
        );
        let answer = raw.read_response();
        assert!(
            answer.starts_with("HTTP/1.1 308 Permanent Redirect\r\n"),
            "{answer}"
        );
        let to = format!("https://localhost:{https_port}/cart?id=3");
        assert_eq!(harrow_tests::header_value(&answer, "location"), Some(&*to));
        assert_eq!(
            body_of(&answer),
            format!("this site is served over HTTPS: {to}\n")
        );
        // The connection stays open for the next request.
        raw.send(b"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n");
        let answer = raw.read_response();
        let to = format!("https://[::1]:{https_port}/");
        assert_eq!(harrow_tests::header_value(&answer, "location"), Some(&*to));
        // Without a host there is nowhere to send the client.
        let mut raw = Raw::connect(plain);
        raw.send(b"GET / HTTP/1.0\r\n\r\n");
        let answer = raw.read_to_close();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        assert_eq!(
            body_of(&answer),
            "a redirect to HTTPS needs the request's host (a Host header)\n"
        );
        // The HTTPS port is not touched, and both stop with the server.
        let replies = https_get(server.local_addr(), client_config(&ca, &[], None), &["/"]);
        assert_eq!(replies.unwrap()[0].body, "hello");
        // The server's statistics are its HTTPS workers' (one here), not the
        // redirect's beside them.
        assert_eq!(server.stats().workers().len(), 1);
        let stopped = Instant::now();
        server.shutdown().unwrap();
        assert!(stopped.elapsed() < Duration::from_secs(5));
        assert!(
            std::net::TcpStream::connect(plain).is_err(),
            "still listening"
        );
    });
}

#[test]
fn an_http2_only_server_still_redirects_plain_http_1_1() {
    let ca = TestCa::new("redirect-h2");
    let id = ca.server("server");
    each_driver(|config| {
        let config = Config {
            protocols: harrow_server::Protocols::Http2Only,
            ..https_redirecting(config, &id)
        };
        let server = server::start(config);
        let mut raw = Raw::connect(server.redirect_addr().unwrap());
        raw.send(b"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let answer = raw.read_response();
        assert!(answer.starts_with("HTTP/1.1 308 "), "{answer}");
        server.shutdown().unwrap();
    });
}

#[test]
fn curl_follows_the_redirect_to_https() {
    let version = std::process::Command::new("curl").arg("-V").output();
    let features = version
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !features.contains("SSL") {
        server::skip("curl_follows_the_redirect_to_https: curl with TLS is not installed");
        return;
    }
    let ca = TestCa::new("curl-redirect");
    let id = ca.server("server");
    let dir = harrow_tests::TempDir::new("curl-redirect");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    each_driver(|config| {
        let server = server::start(https_redirecting(config, &id));
        let (https_port, plain_port) = (
            server.local_addr().port(),
            server.redirect_addr().unwrap().port(),
        );
        let out = std::process::Command::new("curl")
            .args(["-sS", "-L", "--max-time", "10", "--cacert"])
            .arg(&ca_file)
            .args([
                "--resolve",
                &format!("localhost:{https_port}:127.0.0.1"),
                "--resolve",
                &format!("localhost:{plain_port}:127.0.0.1"),
                "-w",
                " %{num_redirects} %{url_effective}",
                &format!("http://localhost:{plain_port}/tls"),
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("https TLSv1.3 ")
                && stdout.ends_with(&format!(" 1 https://localhost:{https_port}/tls")),
            "{stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.shutdown().unwrap();
    });
}

#[test]
fn a_redirect_port_in_use_stops_the_start_naming_it() {
    let ca = TestCa::new("redirect-busy");
    let id = ca.server("server");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone()).redirect_http_from(addr);
    let config = https_with(Config::default(), tls);
    let err = harrow_server::start_with_config(
        || harrow_server::service_fn(server::handle),
        "127.0.0.1:0",
        config,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot listen on {addr} (`tls_redirect_from`, the redirect to HTTPS)"
        )),
        "{text}"
    );
}

#[test]
fn serve_on_the_callers_runtime_redirects_too_and_stops_both() {
    let ca = TestCa::new("redirect-serve");
    let id = ca.server("server");
    let free_port = || {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let (https_addr, plain) = (free_port(), free_port());
    let tls = TlsConfig::from_pem(id.cert.clone(), id.key.clone()).redirect_http_from(plain);
    let config = https_with(Config::default(), tls);
    harrow_server::rt::block_on(async move {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let stop = async move {
            while rx.try_recv().is_err() {
                harrow_server::rt::sleep(Duration::from_millis(20)).await;
            }
        };
        let client = std::thread::spawn(move || {
            let stream = server::eventually("the bind", Duration::from_secs(5), || {
                std::net::TcpStream::connect(plain).ok()
            });
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut raw = Raw { stream };
            raw.send(b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n");
            let answer = raw.read_response();
            tx.send(()).unwrap();
            harrow_tests::header_value(&answer, "location").map(str::to_owned)
        });
        let service = harrow_server::service_fn(server::handle);
        harrow_server::serve_with_config(service, https_addr, stop, config)
            .await
            .unwrap();
        let to = format!("https://localhost:{}/a", https_addr.port());
        assert_eq!(client.join().unwrap(), Some(to));
    });
    assert!(
        std::net::TcpStream::connect(plain).is_err(),
        "still listening"
    );
}

/// `tests/bin/tls_main.rs`: a `#[harrow::main]` program whose attribute
/// holds every TLS key, run from a directory with the files it names. Its
/// start line names both listeners; a client with or without a certificate
/// is served (`tls_client_optional`), one that stays silent is cut off after
/// the attribute's 1 s, and plain HTTP on the redirect port is sent to
/// HTTPS. SIGTERM ends it cleanly.
#[test]
fn the_attributes_tls_keys_reach_the_server() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let ca = TestCa::new("attribute");
    let clients = TestCa::new("attribute clients");
    let dir = harrow_tests::TempDir::new("tls-main");
    let id = ca.server("server");
    std::fs::write(dir.join("cert.pem"), &id.cert).unwrap();
    std::fs::write(dir.join("key.pem"), &id.key).unwrap();
    std::fs::write(dir.join("clients.pem"), clients.pem()).unwrap();

    /// Kills the fixture if the test fails before it ends.
    struct Fixture(std::process::Child);
    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_tls-main"))
        .current_dir(dir.path())
        .env_remove("HARROW_ADDR")
        .env_remove("HARROW_DRIVER")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the fixture starts");
    // Lines come through a channel, so that one never printed fails the
    // test in 10 s instead of blocking it.
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut child = Fixture(child);
    let (lines, printed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let line = |what: &str| loop {
        let Ok(line) = printed.recv_timeout(Duration::from_secs(10)) else {
            panic!("the fixture did not print `{what}`");
        };
        if let Some(rest) = line.trim().strip_prefix(what) {
            let addr = rest.split_whitespace().next().unwrap_or_default();
            return addr.parse::<std::net::SocketAddr>().expect("an address");
        }
    };
    let addr = line("listening on https://");
    let plain = line("redirecting http://");

    let body = |identity| {
        let replies = https_get(addr, client_config(&ca, &[], identity), &["/tls"]);
        replies.unwrap().remove(0).body
    };
    assert_eq!(body(None), "client certificates: 0");
    assert_eq!(
        body(Some(&clients.client("alice"))),
        "client certificates: 1"
    );

    let started = Instant::now();
    let mut silent = Raw::connect(addr);
    assert!(silent.closed_within(Duration::from_secs(5)), "left open");
    assert!(started.elapsed() >= Duration::from_millis(900));

    let mut raw = Raw::connect(plain);
    raw.send(b"GET /tls HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let answer = raw.read_response();
    assert!(answer.starts_with("HTTP/1.1 308 "), "{answer}");
    let to = format!("https://localhost:{}/tls", addr.port());
    assert_eq!(harrow_tests::header_value(&answer, "location"), Some(&*to));

    let term = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the fixture did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}
