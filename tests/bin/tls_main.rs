//! A program whose `#[harrow::main]` attribute holds every TLS key, run as
//! a child process by `tests/tls.rs` from a directory with the PEM files
//! it names (`cert.pem`, `key.pem`, `clients.pem`).

use harrow::ConnInfo;
use harrow::prelude::*;

/// How many certificates the client showed.
#[get("/tls")]
async fn tls(conn: ConnInfo) -> String {
    let shown = conn.tls().map_or(0, |tls| tls.peer_certificates().len());
    format!("client certificates: {shown}")
}

#[harrow::main(
    addr = "127.0.0.1:0",
    workers = 1,
    tls_cert = "cert.pem",
    tls_key = "key.pem",
    tls_client_ca = "clients.pem",
    tls_client_optional = true,
    tls_handshake_timeout = "1s",
    tls_max_handshakes = 8,
    tls_redirect_from = "127.0.0.1:0"
)]
fn main() -> App {
    App::new()
}
