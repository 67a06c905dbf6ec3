//! HTTP/2 over TLS, chosen by ALPN: the same cases as h2c
//! (`h2_cases.rs`), each over a TLS session.

#[path = "h2_cases.rs"]
mod cases;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use bytes::Bytes;
use harrow_server::{Config, TlsConfig};
use harrow_tests::h2raw::Duplex;
use harrow_tests::tls::{Identity, TestCa, client_config};
use rustls::pki_types::ServerName;

/// The scheme of the cases' requests.
const SCHEME: &str = "https";

/// One CA and server certificate for the whole binary.
static PKI: LazyLock<(TestCa, Identity)> = LazyLock::new(|| {
    let ca = TestCa::new("h2 over tls");
    let id = ca.server("server");
    (ca, id)
});

/// A client that offers only `h2`.
fn h2_client_config() -> Arc<rustls::ClientConfig> {
    client_config(&PKI.0, &[b"h2"], None)
}

/// A configuration serving HTTPS with HTTP/2.
fn h2_config(config: Config) -> Config {
    let id = &PKI.1;
    Config {
        enable_http2: true,
        tls: Some(TlsConfig::from_pem(id.cert.clone(), id.key.clone())),
        ..config
    }
}

/// An HTTP/2 client connection (the h2 crate) over TLS to `addr`.
async fn open(addr: std::net::SocketAddr) -> h2::client::SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(h2_client_config());
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (send, conn) = h2::client::handshake(tls).await.unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send
}

/// A TLS session to `addr` (ALPN `h2`) for hand-made frames.
fn raw_stream(addr: std::net::SocketAddr) -> Box<dyn Duplex> {
    let mut tcp = harrow_tests::patient::Patient::connect(addr, Duration::from_millis(200));
    let name = ServerName::try_from("localhost").unwrap();
    let mut session = rustls::ClientConnection::new(h2_client_config(), name).unwrap();
    while session.is_handshaking() {
        session.complete_io(&mut tcp).expect("the TLS handshake");
    }
    Box::new(rustls::StreamOwned::new(session, tcp))
}
