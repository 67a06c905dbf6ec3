//! Load for the TLS new-connection benchmark: CONNS loops on 127.0.0.1,
//! each opening a connection, making a full TLS 1.3 handshake, sending one
//! `GET PATH` with `Connection: close`, reading the response to the end,
//! and starting over, for SECONDS.
//!
//! Usage: tls-connect PORT [CONNS=64] [SECONDS=5] [PATH=/plaintext]
//!
//! Prints one line: `connections N failed F full F resumed R p50_ms X
//! p99_ms Y` (latency from the connect to the end of the response).
//!
//! Why not wrk with `Connection: close`: wrk keeps the TLS session of a
//! connection for the next one and resumes it, so most of its
//! "new connections" skip the certificate and the signature. This client
//! turns resumption off, so every connection is a full handshake, and
//! counts what rustls says each handshake was. To keep the load generator
//! from being the bottleneck it does not check the server's certificate
//! or signature (the server still makes the signature): a load generator
//! for 127.0.0.1, not a client to copy.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, HandshakeKind, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Accepts any certificate and signature (see the module comment).
#[derive(Debug)]
struct NoCheck(Vec<SignatureScheme>);

impl ServerCertVerifier for NoCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}

/// What the loops have done.
#[derive(Default)]
struct Tally {
    done: Cell<u64>,
    failed: Cell<u64>,
    resumed: Cell<u64>,
    /// Microseconds from the connect to the end of each response.
    micros: RefCell<Vec<u32>>,
}

/// One connection: handshake, request, the whole response.
async fn one(
    connector: &tokio_rustls::TlsConnector,
    port: u16,
    request: &[u8],
) -> std::io::Result<bool> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    let name = ServerName::try_from("localhost").expect("a valid name");
    let mut tls = connector.connect(name, tcp).await?;
    let resumed = tls.get_ref().1.handshake_kind() == Some(HandshakeKind::Resumed);
    tls.write_all(request).await?;
    let mut response = Vec::with_capacity(1024);
    match tls.read_to_end(&mut response).await {
        Ok(_) => {}
        // A server that closes the socket without close_notify, after the
        // whole response: the response is what counts.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e),
    }
    if !response.starts_with(b"HTTP/1.1 200") {
        return Err(std::io::Error::other("not a 200 response"));
    }
    Ok(resumed)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().expect("PORT").parse().expect("PORT");
    let conns: usize = args.next().map_or(64, |v| v.parse().expect("CONNS"));
    let secs: f64 = args.next().map_or(5.0, |v| v.parse().expect("SECONDS"));
    let path = args.next().unwrap_or_else(|| "/plaintext".to_owned());
    let request: Rc<[u8]> =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .into_bytes()
            .into();

    // ring, as the servers use (newer rustls marks it deprecated).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let schemes = provider
        .signature_verification_algorithms
        .supported_schemes();
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoCheck(schemes)))
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let local = tokio::task::LocalSet::new();
    let tally = Rc::new(Tally::default());
    let end = Instant::now() + Duration::from_secs_f64(secs);
    local.block_on(&rt, async {
        let loops: Vec<_> = (0..conns)
            .map(|_| {
                let (connector, request, tally) =
                    (connector.clone(), request.clone(), tally.clone());
                tokio::task::spawn_local(async move {
                    while Instant::now() < end {
                        let start = Instant::now();
                        let res = tokio::time::timeout(
                            Duration::from_secs(10),
                            one(&connector, port, &request),
                        )
                        .await;
                        match res {
                            Ok(Ok(resumed)) => {
                                tally.done.set(tally.done.get() + 1);
                                tally.resumed.set(tally.resumed.get() + u64::from(resumed));
                                let us = start.elapsed().as_micros();
                                tally
                                    .micros
                                    .borrow_mut()
                                    .push(u32::try_from(us).unwrap_or(u32::MAX));
                            }
                            _ => {
                                tally.failed.set(tally.failed.get() + 1);
                                // A refused connect must not spin.
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        for l in loops {
            let _ = l.await;
        }
    });

    let mut micros = tally.micros.take();
    micros.sort_unstable();
    let pct = |p: f64| {
        if micros.is_empty() {
            return 0.0;
        }
        let i = ((micros.len() as f64 * p).ceil() as usize).clamp(1, micros.len()) - 1;
        f64::from(micros[i]) / 1000.0
    };
    let (done, resumed) = (tally.done.get(), tally.resumed.get());
    println!(
        "connections {done} failed {} full {} resumed {resumed} p50_ms {:.2} p99_ms {:.2}",
        tally.failed.get(),
        done - resumed,
        pct(0.5),
        pct(0.99),
    );
}
