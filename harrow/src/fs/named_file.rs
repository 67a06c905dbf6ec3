//! `NamedFile`: one file sent from a handler.

use std::fmt;
use std::io;
use std::path::Path;

use harrow_server::rt::fs::File;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, ETAG, LAST_MODIFIED};

use super::body::{Sending, streamed};
use super::conditional::Validators;
use super::respond::{Extra, Opened, content_type, io_error, respond};
use crate::request::Request;
use crate::response::{IntoResponse, Response};

/// One file, opened by a handler to be sent: the handler picks the file
/// (from a database row, a user's permissions...), and the answer has what
/// [`ServeDir`](super::ServeDir) gives its files: `Content-Type` from the
/// name, `ETag`, `Last-Modified`, and with [`NamedFile::respond_to`]
/// conditional requests and ranges.
///
/// ```no_run
/// use harrow::fs::{FileError, NamedFile};
/// use harrow::{Path, Request, Response};
///
/// async fn report(Path(year): Path<u16>, req: Request) -> Result<Response, FileError> {
///     let file = NamedFile::open(format!("reports/{year}.pdf"))
///         .await?
///         .attachment(&format!("report-{year}.pdf"));
///     Ok(file.respond_to(&req).await)
/// }
/// let app = harrow::App::new().get("/reports/{year}", report);
/// # let _ = app;
/// ```
///
/// The path is used as given: unlike `ServeDir`, nothing keeps it inside
/// a directory, so never build it from the request without checking it.
pub struct NamedFile {
    opened: Opened,
    cache_control: Option<HeaderValue>,
    disposition: Option<HeaderValue>,
    zero_copy: bool,
}

impl NamedFile {
    /// Opens the file at `path` (following symbolic links) and reads its
    /// metadata. A directory is [`FileError::NotFound`].
    pub async fn open(path: impl AsRef<Path>) -> Result<NamedFile, FileError> {
        let path = path.as_ref();
        let file = File::open(path).await.map_err(FileError::from_io)?;
        let meta = file.metadata().await.map_err(FileError::from_io)?;
        if !meta.is_file() {
            return Err(FileError::NotFound);
        }
        Ok(NamedFile {
            opened: Opened {
                file,
                meta,
                content_type: content_type(path),
                coding: None,
            },
            cache_control: None,
            disposition: None,
            zero_copy: true,
        })
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        self.opened.meta.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends it with this `Content-Type` instead of the one guessed from
    /// the name.
    pub fn content_type(mut self, value: HeaderValue) -> Self {
        self.opened.content_type = value;
        self
    }

    /// Sends it with this `Cache-Control`.
    pub fn cache_control(mut self, value: HeaderValue) -> Self {
        self.cache_control = Some(value);
        self
    }

    /// Asks the browser to save it as `filename` rather than show it
    /// (`Content-Disposition: attachment`); a name outside ASCII is sent in
    /// the RFC 6266 `filename*` form too.
    pub fn attachment(mut self, filename: &str) -> Self {
        self.disposition = HeaderValue::from_str(&disposition(filename)).ok();
        self
    }

    /// Whether the server may send the file with `sendfile`, straight from
    /// the kernel's page cache, on plain HTTP/1.1 connections (on by
    /// default; TLS and HTTP/2 read it in chunks either way). `sendfile`
    /// waits for the disk on the worker's thread when the file is not
    /// cached: turn it off for large files on slow storage that are rarely
    /// read twice.
    pub fn zero_copy(mut self, on: bool) -> Self {
        self.zero_copy = on;
        self
    }

    /// How the bytes go out.
    fn sending(&self) -> Sending {
        Sending {
            zero_copy: self.zero_copy,
            ..Sending::default()
        }
    }

    /// The answer to `req`: 304 or 412 by its preconditions, 206 or 416
    /// for a `Range`, else 200 with the whole file; for HEAD the same head
    /// with nothing read.
    pub async fn respond_to(self, req: &Request) -> Response {
        let extra = Extra {
            cache_control: self.cache_control.as_ref(),
            disposition: self.disposition.as_ref(),
            vary: false,
            sending: self.sending(),
        };
        respond(self.opened, req.method(), req.headers(), extra).await
    }
}

/// The whole file with status 200, whatever the request's conditions or
/// ranges (use [`NamedFile::respond_to`] to honour them), streamed as the
/// connection sends it.
impl IntoResponse for NamedFile {
    fn into_response(self) -> Response {
        let len = self.len();
        let validators = Validators::of_file(len, self.opened.meta.modified(), "");
        let sending = self.sending();
        let mut res = Response::new(streamed(self.opened.file, 0, len, sending));
        let headers = res.headers_mut();
        if let Some(etag) = validators.etag_value() {
            headers.insert(ETAG, etag);
        }
        if let Some(modified) = validators.last_modified() {
            headers.insert(LAST_MODIFIED, modified);
        }
        headers.insert(CONTENT_TYPE, self.opened.content_type);
        if let Some(value) = self.cache_control {
            headers.insert(CACHE_CONTROL, value);
        }
        if let Some(value) = self.disposition {
            headers.insert(CONTENT_DISPOSITION, value);
        }
        res
    }
}

impl fmt::Debug for NamedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedFile")
            .field("len", &self.len())
            .field("content_type", &self.opened.content_type)
            .finish_non_exhaustive()
    }
}

/// A `Content-Disposition: attachment` value for `filename`: the plain
/// `filename` parameter with unsafe characters replaced, and `filename*`
/// (RFC 8187 UTF-8, percent-encoded) when the name is not plain ASCII.
fn disposition(filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if plain == filename {
        return format!("attachment; filename=\"{plain}\"");
    }
    let encoded = percent_encoding::utf8_percent_encode(filename, ATTR_CHAR);
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// RFC 8187 attr-char: what `filename*` keeps unencoded.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Why a [`NamedFile`] could not be opened; as a response, 404, 403 or a
/// 500 (whose cause is logged, not sent).
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// No such file (or it is a directory): 404.
    NotFound,
    /// The server may not read it: 403.
    Forbidden,
    /// Another IO error: 500.
    Io(io::Error),
}

impl FileError {
    fn from_io(e: io::Error) -> FileError {
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => FileError::NotFound,
            io::ErrorKind::PermissionDenied => FileError::Forbidden,
            _ => FileError::Io(e),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotFound => f.write_str("file not found"),
            FileError::Forbidden => f.write_str("file may not be read"),
            FileError::Io(e) => write!(f, "file could not be read: {e}"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for FileError {
    fn into_response(self) -> Response {
        match self {
            FileError::NotFound => io_error(io::ErrorKind::NotFound.into()),
            FileError::Forbidden => io_error(io::ErrorKind::PermissionDenied.into()),
            FileError::Io(e) => io_error(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_table() {
        let cases = [
            ("report.pdf", "attachment; filename=\"report.pdf\""),
            (
                "a \"b\".txt",
                "attachment; filename=\"a _b_.txt\"; filename*=UTF-8''a%20%22b%22.txt",
            ),
            (
                "café.txt",
                "attachment; filename=\"caf_.txt\"; filename*=UTF-8''caf%C3%A9.txt",
            ),
        ];
        for (name, want) in cases {
            assert_eq!(disposition(name), want, "{name}");
        }
    }
}
