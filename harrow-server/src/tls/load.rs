//! Reading a certificate chain and its key from PEM, and checking them
//! before a server starts with them: the files exist and parse, the key
//! belongs to the certificate, and the certificate is valid today.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

/// A problem with the TLS material, naming the file (when it came from
/// one) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    file: Option<PathBuf>,
    problem: String,
}

impl TlsError {
    pub(crate) fn new(file: Option<&Path>, problem: impl Into<String>) -> Self {
        TlsError {
            file: file.map(Path::to_path_buf),
            problem: problem.into(),
        }
    }

    /// The file at fault, when the material came from one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// What is wrong.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "TLS: `{}`: {}", file.display(), self.problem),
            None => write!(f, "TLS: {}", self.problem),
        }
    }
}

impl std::error::Error for TlsError {}

/// Where a PEM text comes from: a file, or bytes given directly.
#[derive(Clone, Copy)]
pub(crate) struct Pem<'a> {
    pub(crate) file: Option<&'a Path>,
    pub(crate) bytes: &'a [u8],
}

/// Reads `path` whole; a missing or unreadable file is an error naming it.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".to_owned(),
            _ => format!("cannot be read: {e}"),
        };
        TlsError::new(Some(path), why)
    })
}

/// The certificates of a PEM text, leaf first.
pub(crate) fn certificates(pem: Pem<'_>) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem.bytes).collect();
    let certs =
        certs.map_err(|e| TlsError::new(pem.file, format!("not a PEM certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::new(
            pem.file,
            "holds no certificate (expected a `-----BEGIN CERTIFICATE-----` block)",
        ));
    }
    Ok(certs)
}

/// The private key of a PEM text (PKCS#8, PKCS#1 or SEC1).
pub(crate) fn private_key(pem: Pem<'_>) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.bytes).map_err(|e| {
        let why = match e {
            rustls::pki_types::pem::Error::NoItemsFound => {
                "holds no private key (expected a `-----BEGIN PRIVATE KEY-----` block)".to_owned()
            }
            other => format!("not a PEM private key: {other}"),
        };
        TlsError::new(pem.file, why)
    })
}

/// The chain and key as one signing identity, checked: the key signs for
/// the leaf certificate, and the leaf is valid at `now`.
pub(crate) fn certified_key(
    cert: Pem<'_>,
    key: Pem<'_>,
    provider: &CryptoProvider,
    now: SystemTime,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain = certificates(cert)?;
    let key_der = private_key(key)?;
    check_validity(cert.file, &chain[0], now)?;
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| TlsError::new(key.file, format!("unusable private key: {e}")))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|_| {
        let key_name = key
            .file
            .map_or("the key".to_owned(), |k| format!("`{}`", k.display()));
        TlsError::new(
            cert.file,
            format!("does not match the private key {key_name}: they are not a pair"),
        )
    })?;
    Ok(Arc::new(certified))
}

/// Refuses a leaf certificate that has expired or is not valid yet.
fn check_validity(
    file: Option<&Path>,
    leaf: &CertificateDer<'_>,
    now: SystemTime,
) -> Result<(), TlsError> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(leaf)
        .map_err(|e| TlsError::new(file, format!("the certificate does not parse: {e}")))?;
    let validity = cert.tbs_certificate.validity;
    let not_before = validity.not_before.to_unix_duration();
    let not_after = validity.not_after.to_unix_duration();
    let now = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    if now < not_before {
        return Err(TlsError::new(
            file,
            format!(
                "the certificate is not valid yet: from {}",
                date(not_before)
            ),
        ));
    }
    if now > not_after {
        return Err(TlsError::new(
            file,
            format!("the certificate expired on {}", date(not_after)),
        ));
    }
    Ok(())
}

/// An instant as an HTTP date, the readable form at hand.
fn date(since_epoch: Duration) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + since_epoch)
}
