//! HTTPS: TLS 1.2 and 1.3 with rustls, on the same connection code as
//! plain HTTP.
//!
//! * [`TlsConfig`] says where the certificate and key come from (PEM files,
//!   PEM bytes, or a `rustls::ServerConfig` of your own), whether clients
//!   must show a certificate, and how long a handshake may take.
//! * `load` reads and checks the material before the server starts; every
//!   problem names the file.
//! * `resolver` keeps the certificate swappable: [`ServerHandle::reload_tls`]
//!   (or SIGHUP) puts a new one in place for new connections.
//!
//! The connection side (the handshake, ALPN, the session as HTTP/1.1's
//! transport) lives with the rest of the connection IO, in `conn::tls`.
//!
//! [`ServerHandle::reload_tls`]: crate::ServerHandle::reload_tls

mod load;
mod resolver;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;

pub use self::load::TlsError;
use self::load::{Pem, certificates, certified_key, read_file};
use self::resolver::Reloadable;
pub use rustls::pki_types::CertificateDer;

/// Where the server's certificate chain and private key come from.
#[derive(Clone)]
enum Source {
    /// PEM files, read at start and again on each reload (an empty path is
    /// one not set yet).
    Files { cert: PathBuf, key: PathBuf },
    /// PEM text given directly.
    Pem { cert: Arc<[u8]>, key: Arc<[u8]> },
    /// A rustls configuration built by the application.
    Rustls(Arc<ServerConfig>),
}

/// Whether clients show a certificate of their own (mutual TLS).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// No client certificate is asked for (the default).
    #[default]
    None,
    /// A client may show a certificate issued by one of the CAs in this PEM
    /// file; one that shows none is still served, one that shows a bad one
    /// is refused.
    Optional(PathBuf),
    /// Every client must show a certificate issued by one of the CAs in
    /// this PEM file.
    Required(PathBuf),
}

/// The HTTPS settings of a server: its certificate and key, client
/// certificates, and the handshake's limits.
///
/// ```no_run
/// use harrow_server::{Config, TlsConfig};
/// let config = Config {
///     tls: Some(TlsConfig::from_pem_files("cert.pem", "key.pem")),
///     ..Config::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    source: Source,
    client_auth: ClientAuth,
    /// The longest a handshake may take, from the connection's accept.
    /// Default 10 s.
    pub handshake_timeout: Duration,
    /// The most handshakes one worker runs at once; a connection past it is
    /// closed at once, so a flood of half-done handshakes cannot starve the
    /// worker of CPU. Default 256.
    pub max_handshakes: usize,
    /// A second address, usually `0.0.0.0:80`, where plain HTTP is
    /// answered with `308 Permanent Redirect` to the same URL on HTTPS
    /// (the request's host, the HTTPS listener's port, the same path and
    /// query). Default `None`: no plain listener.
    pub redirect_from: Option<SocketAddr>,
    /// `tls_client_optional = true` was given as text, so the client CA,
    /// whichever setting comes first, is optional.
    client_optional: bool,
}

impl TlsConfig {
    fn with_source(source: Source) -> Self {
        TlsConfig {
            source,
            client_auth: ClientAuth::None,
            handshake_timeout: Duration::from_secs(10),
            max_handshakes: 256,
            redirect_from: None,
            client_optional: false,
        }
    }

    /// A certificate chain (leaf first) and its private key from PEM files,
    /// read when the server starts and again on each reload.
    pub fn from_pem_files(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        TlsConfig::with_source(Source::Files {
            cert: cert.into(),
            key: key.into(),
        })
    }

    /// A certificate chain and private key given as PEM text.
    pub fn from_pem(cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        TlsConfig::with_source(Source::Pem {
            cert: cert.into().into(),
            key: key.into().into(),
        })
    }

    /// A rustls configuration of your own (with its certificate resolver,
    /// client verifier and protocol versions). The server sets its ALPN
    /// protocols when it has none; it cannot reload such a configuration.
    pub fn from_rustls(config: Arc<ServerConfig>) -> Self {
        TlsConfig::with_source(Source::Rustls(config))
    }

    /// Asks clients for a certificate (see [`ClientAuth`]).
    pub fn client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_optional = matches!(client_auth, ClientAuth::Optional(_));
        self.client_auth = client_auth;
        self
    }

    /// Answers plain HTTP on `addr` with a redirect to HTTPS (see
    /// [`redirect_from`](TlsConfig::redirect_from)).
    pub fn redirect_http_from(mut self, addr: SocketAddr) -> Self {
        self.redirect_from = Some(addr);
        self
    }

    /// The client-certificate setting.
    pub fn client_auth_setting(&self) -> &ClientAuth {
        &self.client_auth
    }

    /// The certificate and key files, when they come from files.
    pub fn files(&self) -> Option<(&Path, &Path)> {
        match &self.source {
            Source::Files { cert, key } => Some((cert, key)),
            _ => None,
        }
    }

    /// Reads and checks everything this configuration names, as the server
    /// does when it starts: a readable, parsable chain and key that belong
    /// together, a certificate valid today, and the client CA file.
    pub fn check(&self) -> Result<(), TlsError> {
        Tls::build(self, true, true).map(drop)
    }

    /// The settings' own checks, without reading a file: the error's field
    /// and reason, for [`Config::validate`](crate::Config::validate).
    pub(crate) fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if let Source::Files { cert, key } = &self.source {
            if cert.as_os_str().is_empty() && key.as_os_str().is_empty() {
                // Another `tls_*` setting made the TLS settings, without
                // the certificate they all need.
                return Err((
                    "tls_cert",
                    "and `tls_key` must be set for HTTPS, which the other `tls_*` settings need",
                ));
            }
            if cert.as_os_str().is_empty() {
                return Err(("tls_cert", "must be set along with `tls_key`"));
            }
            if key.as_os_str().is_empty() {
                return Err(("tls_key", "must be set along with `tls_cert`"));
            }
        }
        if self.client_optional && self.client_auth == ClientAuth::None {
            return Err((
                "tls_client_optional",
                "needs `tls_client_ca` beside it, the CAs client certificates come from",
            ));
        }
        if self.handshake_timeout.is_zero() {
            return Err(("tls_handshake_timeout", "must be above zero"));
        }
        if self.max_handshakes == 0 {
            return Err(("tls_max_handshakes", "must be at least 1"));
        }
        Ok(())
    }

    /// Sets the file named by the text setting `field` (`tls_cert`,
    /// `tls_key`, `tls_client_ca`), turning a configuration of another
    /// source into one of files. `tls_client_optional` lets clients without
    /// a certificate in; `tls_redirect_from` is the address of the plain
    /// listener that redirects to HTTPS.
    pub(crate) fn set_text(&mut self, field: &str, value: &str) -> Result<(), String> {
        let path = PathBuf::from(value);
        let files = |source: &Source| match source {
            Source::Files { cert, key } => (cert.clone(), key.clone()),
            _ => (PathBuf::new(), PathBuf::new()),
        };
        match field {
            "tls_cert" => {
                self.source = Source::Files {
                    cert: path,
                    key: files(&self.source).1,
                }
            }
            "tls_key" => {
                self.source = Source::Files {
                    cert: files(&self.source).0,
                    key: path,
                }
            }
            "tls_client_ca" => {
                self.client_auth = match self.client_optional {
                    true => ClientAuth::Optional(path),
                    false => ClientAuth::Required(path),
                }
            }
            "tls_client_optional" => {
                self.client_optional = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("is true or false, not `{value}`")),
                };
                self.client_auth = match std::mem::take(&mut self.client_auth) {
                    ClientAuth::Required(ca) | ClientAuth::Optional(ca) if self.client_optional => {
                        ClientAuth::Optional(ca)
                    }
                    ClientAuth::Required(ca) | ClientAuth::Optional(ca) => ClientAuth::Required(ca),
                    ClientAuth::None => ClientAuth::None,
                };
            }
            "tls_redirect_from" => {
                let addr = value.parse().map_err(|_| {
                    format!("is an address with a port, such as `0.0.0.0:80`, not `{value}`")
                })?;
                self.redirect_from = Some(addr);
            }
            _ => return Err("is not a TLS setting".into()),
        }
        Ok(())
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Files { cert, key } => {
                format!("files {} and {}", cert.display(), key.display())
            }
            Source::Pem { .. } => "PEM text".to_owned(),
            Source::Rustls(_) => "a rustls ServerConfig".to_owned(),
        };
        f.debug_struct("TlsConfig")
            .field("source", &source)
            .field("client_auth", &self.client_auth)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("max_handshakes", &self.max_handshakes)
            .field("redirect_from", &self.redirect_from)
            .finish()
    }
}

/// What the server knows of a connection's TLS session, for handlers (with
/// the peer's address in [`ConnInfo`](crate::ConnInfo)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) server_name: Option<String>,
    pub(crate) version: &'static str,
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
}

impl TlsInfo {
    /// The application protocol agreed by ALPN (`h2`, `http/1.1`), if any.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    /// The host name the client asked for (SNI), if it sent one.
    pub fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// `TLSv1.3` or `TLSv1.2`.
    pub fn version(&self) -> &'static str {
        self.version
    }

    /// The client's certificate chain, leaf first, verified against the
    /// configured CAs; empty when the client showed none.
    pub fn peer_certificates(&self) -> &[CertificateDer<'static>] {
        &self.peer_certificates
    }

    /// What a session told its server, read once the handshake is done.
    pub(crate) fn of(session: &rustls::ServerConnection) -> Self {
        let version = match session.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
            _ => "TLSv1.3",
        };
        TlsInfo {
            alpn: session.alpn_protocol().map(<[u8]>::to_vec),
            server_name: session.server_name().map(str::to_owned),
            version,
            peer_certificates: session
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
        }
    }
}

/// The TLS state the workers share: the rustls configuration, and the
/// certificate it serves, swappable.
pub(crate) struct Tls {
    pub(crate) config: Arc<ServerConfig>,
    resolver: Option<Arc<Reloadable>>,
    settings: TlsConfig,
}

/// rustls's provider on *ring*: pure Rust and assembly, no C toolchain
/// or cmake at build time (aws-lc-rs needs both). rustls 0.23.48 marks it
/// deprecated because *ring* offers no post-quantum key exchange; the
/// classical groups it offers (X25519, P-256, P-384) are what browsers and
/// curl negotiate today, so the build stays light until a pure-Rust
/// post-quantum provider is at hand.
#[allow(deprecated)]
pub(crate) fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

impl Tls {
    /// Reads and checks `settings` and builds the server's rustls
    /// configuration, offering `h2` in ALPN when `http2` is served (and
    /// `http/1.1` when `http1` is).
    pub(crate) fn build(
        settings: &TlsConfig,
        http2: bool,
        http1: bool,
    ) -> Result<Arc<Tls>, TlsError> {
        let provider = Arc::new(provider());
        let alpn = |mut config: ServerConfig| {
            if config.alpn_protocols.is_empty() {
                if http2 {
                    config.alpn_protocols.push(b"h2".to_vec());
                }
                if http1 {
                    config.alpn_protocols.push(b"http/1.1".to_vec());
                }
            }
            config
        };
        let (config, resolver) = match &settings.source {
            Source::Rustls(config) => (Arc::new(alpn((**config).clone())), None),
            source => {
                let key = load_key(source, &provider)?;
                let resolver = Arc::new(Reloadable::new(key));
                let builder = ServerConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| TlsError::new(None, e.to_string()))?;
                let builder = match client_verifier(&settings.client_auth, &provider)? {
                    Some(verifier) => builder.with_client_cert_verifier(verifier),
                    None => builder.with_no_client_auth(),
                };
                let config = builder.with_cert_resolver(resolver.clone());
                (Arc::new(alpn(config)), Some(resolver))
            }
        };
        Ok(Arc::new(Tls {
            config,
            resolver,
            settings: settings.clone(),
        }))
    }

    /// Reads the certificate and key again and, when they check out, puts
    /// them in place for new connections; open ones keep theirs. On an error
    /// the certificate in place stays.
    pub(crate) fn reload(&self) -> Result<(), TlsError> {
        let Some(resolver) = &self.resolver else {
            return Err(TlsError::new(
                None,
                "built from a rustls ServerConfig of the application's: reload it there",
            ));
        };
        let provider = provider();
        let key = load_key(&self.settings.source, &provider)?;
        resolver.replace(key);
        Ok(())
    }

    /// The most handshakes one worker runs at once.
    pub(crate) fn max_handshakes(&self) -> usize {
        self.settings.max_handshakes
    }
}

/// The error of a reload asked of a server that does not speak HTTPS.
pub(crate) fn not_serving() -> TlsError {
    TlsError::new(
        None,
        "the server does not serve HTTPS: `Config::tls` is not set",
    )
}

/// The signing identity of a file or PEM source, checked.
fn load_key(
    source: &Source,
    provider: &CryptoProvider,
) -> Result<Arc<rustls::sign::CertifiedKey>, TlsError> {
    let now = SystemTime::now();
    match source {
        Source::Files { cert, key } => {
            let cert_bytes = read_file(cert)?;
            let key_bytes = read_file(key)?;
            certified_key(
                Pem {
                    file: Some(cert),
                    bytes: &cert_bytes,
                },
                Pem {
                    file: Some(key),
                    bytes: &key_bytes,
                },
                provider,
                now,
            )
        }
        Source::Pem { cert, key } => certified_key(
            Pem {
                file: None,
                bytes: cert,
            },
            Pem {
                file: None,
                bytes: key,
            },
            provider,
            now,
        ),
        Source::Rustls(_) => Err(TlsError::new(None, "no certificate files to read")),
    }
}

/// The verifier of client certificates, when clients are asked for one.
fn client_verifier(
    auth: &ClientAuth,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>, TlsError> {
    let (file, required) = match auth {
        ClientAuth::None => return Ok(None),
        ClientAuth::Optional(file) => (file, false),
        ClientAuth::Required(file) => (file, true),
    };
    let bytes = read_file(file)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(Pem {
        file: Some(file),
        bytes: &bytes,
    })? {
        roots
            .add(cert)
            .map_err(|e| TlsError::new(Some(file), format!("not a usable CA certificate: {e}")))?;
    }
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    let builder = if required {
        builder
    } else {
        builder.allow_unauthenticated()
    };
    let verifier = builder
        .build()
        .map_err(|e| TlsError::new(Some(file), format!("cannot verify clients with it: {e}")))?;
    Ok(Some(verifier))
}
