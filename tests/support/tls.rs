//! HTTPS test material: a certificate authority made on the spot (rcgen)
//! with server and client certificates, and a real TLS client (rustls
//! under hyper) that reports what it negotiated.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// A certificate authority for one test.
pub struct TestCa {
    cert: Certificate,
    key: KeyPair,
}

/// A certificate chain and its key, as PEM text.
#[derive(Clone)]
pub struct Identity {
    /// The certificate (leaf first), PEM.
    pub cert: String,
    /// The private key, PEM.
    pub key: String,
}

impl TestCa {
    /// A new CA called `name`.
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("a CA certificate");
        TestCa { cert, key }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// The CA certificate, DER.
    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// A server certificate for `localhost` and 127.0.0.1, named
    /// `common_name`.
    pub fn server(&self, common_name: &str) -> Identity {
        self.issue(common_name, |_| {})
    }

    /// A server certificate for `localhost` that expired in 2001.
    pub fn expired_server(&self) -> Identity {
        self.issue("expired", |params| {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        })
    }

    /// A server certificate for `localhost` valid only from 2200.
    pub fn future_server(&self) -> Identity {
        self.issue("future", |params| {
            params.not_before = rcgen::date_time_ymd(2200, 1, 1);
            params.not_after = rcgen::date_time_ymd(2201, 1, 1);
        })
    }

    /// A client certificate named `common_name`.
    pub fn client(&self, common_name: &str) -> Identity {
        self.issue(common_name, |params| {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        })
    }

    fn issue(&self, common_name: &str, adjust: impl FnOnce(&mut CertificateParams)) -> Identity {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("leaf params");
        let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress(loopback));
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        adjust(&mut params);
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("a signed certificate");
        Identity {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// A rustls client that trusts `ca`, offers `alpn` (most preferred first)
/// and shows `identity` when given.
pub fn client_config(
    ca: &TestCa,
    alpn: &[&[u8]],
    identity: Option<&Identity>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der()).expect("the CA is usable");
    // ring, as the server uses (rustls from 0.23.48 marks it deprecated).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => {
            use rustls::pki_types::pem::PemObject;
            let chain = CertificateDer::pem_slice_iter(id.cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("client chain");
            let key = PrivateKeyDer::from_pem_slice(id.key.as_bytes()).expect("client key");
            builder
                .with_client_auth_cert(chain, key)
                .expect("client identity")
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// What one HTTPS exchange showed.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The body as text.
    pub body: String,
    /// The protocol ALPN chose (`h2` or `http/1.1`), if any.
    pub alpn: Option<String>,
    /// The server's leaf certificate, as the client received it.
    pub server_cert: CertificateDer<'static>,
}

/// Connects to `addr` over TLS with `config` (as `localhost`) and asks for
/// `paths` one after another on the one connection, over HTTP/2 when ALPN
/// chose it and HTTP/1.1 otherwise; an error says where it failed.
pub fn https_get(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    paths: &[&str],
) -> Result<Vec<Reply>, String> {
    let requests = paths
        .iter()
        .map(|path| {
            Request::get(*path)
                .body(super::server::Full::default())
                .expect("a request")
        })
        .collect();
    https_send(addr, config, requests)
}

/// [`https_get`] with requests of any method and body; their targets are
/// paths, made absolute for HTTP/2 and given a Host for HTTP/1.1.
pub fn https_send(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    requests: Vec<Request<super::server::Full>>,
) -> Result<Vec<Reply>, String> {
    https_send_as(addr, config, "localhost", requests)
}

/// [`https_send`] to the server `name` (a host name, sent as SNI, or an IP
/// address, which is not).
pub fn https_send_as(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    name: &str,
    requests: Vec<Request<super::server::Full>>,
) -> Result<Vec<Reply>, String> {
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(config);
        let tls = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            connector.connect(name, tcp),
        )
        .await
        .map_err(|_| "handshake: timed out".to_owned())?
        .map_err(|e| format!("handshake: {e}"))?;
        let (_, session) = tls.get_ref();
        let alpn = session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let server_cert = session
            .peer_certificates()
            .and_then(|c| c.first())
            .cloned()
            .ok_or("no server certificate")?;
        let io = hyper_util::rt::TokioIo::new(tls);
        let mut replies = Vec::new();
        if alpn.as_deref() == Some("h2") {
            let (mut send, conn) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
            tokio::spawn(conn);
            for mut req in requests {
                let target = req.uri().to_string();
                *req.uri_mut() = format!("https://localhost{target}")
                    .parse()
                    .expect("an absolute URI");
                send.ready().await.map_err(|e| e.to_string())?;
                let res = send.send_request(req).await.map_err(|e| e.to_string())?;
                replies.push(collect(res).await?);
            }
        } else {
            let (mut send, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| format!("HTTP/1.1 handshake: {e}"))?;
            tokio::spawn(conn);
            for mut req in requests {
                req.headers_mut()
                    .insert("host", http::HeaderValue::from_static("localhost"));
                send.ready().await.map_err(|e| e.to_string())?;
                let res = send.send_request(req).await.map_err(|e| e.to_string())?;
                replies.push(collect(res).await?);
            }
        }
        Ok(replies
            .into_iter()
            .map(|(status, body)| Reply {
                status,
                body,
                alpn: alpn.clone(),
                server_cert: server_cert.clone(),
            })
            .collect())
    })
}

async fn collect(
    res: http::Response<hyper::body::Incoming>,
) -> Result<(StatusCode, String), String> {
    use http_body_util::BodyExt;
    let (parts, body) = res.into_parts();
    let body: Bytes = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((parts.status, String::from_utf8_lossy(&body).into_owned()))
}

/// A blocking TLS connection to `addr` (as `localhost`) with a 5 s read
/// timeout, for exact bytes: pipelined requests, half-done exchanges.
pub fn connect(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
) -> rustls::StreamOwned<rustls::ClientConnection, crate::patient::Patient> {
    let tcp = crate::patient::Patient::connect(addr, std::time::Duration::from_secs(5));
    let name = ServerName::try_from("localhost").expect("a server name");
    let session = rustls::ClientConnection::new(config, name).expect("a client session");
    rustls::StreamOwned::new(session, tcp)
}
