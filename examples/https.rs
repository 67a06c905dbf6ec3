//! HTTPS with HTTP/2: make a certificate for `localhost`, then
//!
//! ```text
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
//!     -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \
//!     -addext subjectAltName=DNS:localhost
//! cargo run -p harrow-examples --features tls --example https
//! curl --cacert cert.pem https://localhost:3443/
//! ```
//!
//! answers `Hello over HTTP/2 with TLSv1.3` (curl offers HTTP/2 by ALPN).
//! The certificate and key are read at start (a missing or mismatched file
//! stops the start with a message naming it) and again on SIGHUP, so a
//! renewed certificate is served without a restart. `HARROW_TLS_CERT` and
//! `HARROW_TLS_KEY` point to other files.

use harrow::ConnInfo;
use harrow::prelude::*;

#[get("/")]
async fn index(conn: ConnInfo) -> String {
    let version = match conn.tls().and_then(|tls| tls.alpn()) {
        Some(b"h2") => "HTTP/2",
        _ => "HTTP/1.1",
    };
    let tls = conn.tls().map_or("no TLS", |tls| tls.version());
    format!("Hello over {version} with {tls}\n")
}

#[harrow::main(
    addr = "127.0.0.1:3443",
    http2 = true,
    tls_cert = "cert.pem",
    tls_key = "key.pem"
)]
fn main() -> App {
    App::new()
}
