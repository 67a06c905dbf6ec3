//! Shared pieces of the benchmark servers: the port argument and the JSON
//! message every server serializes per request.

use serde::Serialize;

/// The body of `GET /plaintext`.
pub const PLAINTEXT: &str = "Hello, World!";

/// The body of `GET /json`, serialized per request.
#[derive(Serialize)]
pub struct Message {
    /// Always "Hello, World!".
    pub message: &'static str,
}

/// Serializes the JSON body (a fresh buffer per request, as TechEmpower asks).
#[inline]
pub fn json_body() -> Vec<u8> {
    serde_json::to_vec(&Message { message: PLAINTEXT }).expect("serializing a static message")
}

/// The port from the first argument (default 8080).
pub fn port_arg() -> u16 {
    std::env::args()
        .nth(1)
        .map(|p| p.parse().expect("the first argument is the port"))
        .unwrap_or(8080)
}

/// Worker threads for the many-core mode: the `WORKERS` variable, 1 when
/// unset (each server's one-core setup).
pub fn workers() -> usize {
    std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .filter(|w| *w > 0)
        .unwrap_or(1)
}

/// The n-th argument (1-based), if any.
pub fn arg(n: usize) -> Option<String> {
    std::env::args().nth(n)
}

/// One item of the 10 KiB JSON document of the files benchmark.
#[derive(Serialize)]
pub struct Item {
    /// A number.
    pub id: u32,
    /// A name.
    pub name: String,
    /// A flag.
    pub active: bool,
    /// A few words.
    pub tags: [&'static str; 3],
}

/// The files benchmark's JSON document (about 10 KiB), serialized per
/// request by each server and compressed with gzip.
pub fn json_10k() -> Vec<u8> {
    let items: Vec<Item> = (0..120)
        .map(|id| Item {
            id,
            name: format!("item number {id}"),
            active: id % 3 == 0,
            tags: ["alpha", "beta", "gamma"],
        })
        .collect();
    serde_json::to_vec(&items).expect("serializing the items")
}

/// Writes the files benchmark's directory: `small.bin` (4 KiB),
/// `large.bin` (100 MiB) and `data.json` (the JSON document, for nginx).
pub fn prepare_files(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let small: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("small.bin"), small)?;
    let large: Vec<u8> = (0..(100u32 << 20)).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("large.bin"), large)?;
    std::fs::write(dir.join("data.json"), json_10k())
}

/// The body of `GET /64k` in the TLS benchmark: 64 KiB of one letter.
pub static BODY_64K: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// The certificate and key files after a `tls` word among the arguments
/// from the n-th on (`... tls CERT KEY`), if it is there.
pub fn tls_args(from: usize) -> Option<(String, String)> {
    let args: Vec<String> = std::env::args().skip(from).collect();
    let at = args.iter().position(|a| a == "tls")?;
    match (args.get(at + 1), args.get(at + 2)) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ => panic!("`tls` takes two more arguments: CERT KEY"),
    }
}

/// The rustls server configuration the hyper and actix-web servers of the
/// TLS benchmark share: the ring provider (as harrow's), the default
/// protocol versions, one certificate chain and key from PEM files, no
/// client certificates, and ALPN offering `h2` then `http/1.1` (what
/// harrow offers with HTTP/2 on). Everything else, the session cache and
/// the two TLS 1.3 tickets per connection among it, is rustls's default,
/// as it is in harrow.
pub fn rustls_config(cert: &str, key: &str) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .expect("reading the certificate")
        .collect::<Result<Vec<_>, _>>()
        .expect("parsing the certificate");
    let key = PrivateKeyDer::from_pem_file(key).expect("reading the key");
    // The server's provider (ring; newer rustls marks it deprecated for its
    // lack of post-quantum key exchange), so every peer does the same work.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("certificate and key");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}
