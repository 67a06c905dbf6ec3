//! The response for an open file and a request: validators, preconditions,
//! ranges, the headers GET and HEAD share, and the body.

use std::io;
use std::path::Path;

use harrow_server::rt::fs::{File, Metadata};
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_RANGE,
    CONTENT_TYPE, ETAG, LAST_MODIFIED, RANGE, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::body::{Sending, file_body};
use super::conditional::{Precondition, Validators, evaluate, range_allowed};
use super::range::{self, Ranges};
use crate::content_coding::Coding;
use crate::response::{IntoResponse, Response, plain};

/// A file opened to be sent.
pub(crate) struct Opened {
    pub(crate) file: File,
    pub(crate) meta: Metadata,
    pub(crate) content_type: HeaderValue,
    /// The coding of a precompressed sibling sent instead of the file.
    pub(crate) coding: Option<Coding>,
}

/// What the caller adds to every answer about the file.
#[derive(Default)]
pub(crate) struct Extra<'a> {
    pub(crate) cache_control: Option<&'a HeaderValue>,
    pub(crate) disposition: Option<&'a HeaderValue>,
    /// Whether the answer depends on `Accept-Encoding` (precompressed
    /// siblings are on).
    pub(crate) vary: bool,
    /// How the file's bytes go out.
    pub(crate) sending: Sending,
}

/// The `Content-Type` for a file name: guessed from its extension,
/// `application/octet-stream` when unknown; text is declared UTF-8.
pub(crate) fn content_type(name: &Path) -> HeaderValue {
    let Some(mime) = mime_guess::from_path(name).first_raw() else {
        return HeaderValue::from_static("application/octet-stream");
    };
    let utf8 = mime.starts_with("text/")
        || mime == "application/javascript"
        || mime == "application/json"
        || mime == "image/svg+xml";
    if utf8 && !mime.contains("charset") {
        HeaderValue::from_str(&format!("{mime}; charset=utf-8"))
            .unwrap_or_else(|_| HeaderValue::from_static(mime))
    } else {
        HeaderValue::from_static(mime)
    }
}

/// Answers `method` with `headers` from the open file: 304 or 412 when a
/// precondition says so, 206 or 416 for a `Range`, else 200. HEAD gets the
/// same head as GET and no file read.
pub(crate) async fn respond(
    opened: Opened,
    method: &Method,
    headers: &HeaderMap,
    extra: Extra<'_>,
) -> Response {
    let len = opened.meta.len();
    let suffix = opened
        .coding
        .map_or(String::new(), |c| format!("-{}", c.token()));
    let validators = Validators::of_file(len, opened.meta.modified(), &suffix);
    let mut res = Response::new(harrow_server::Body::empty());
    let common = res.headers_mut();
    if let Some(etag) = validators.etag_value() {
        common.insert(ETAG, etag);
    }
    if let Some(modified) = validators.last_modified() {
        common.insert(LAST_MODIFIED, modified);
    }
    if let Some(value) = extra.cache_control {
        common.insert(CACHE_CONTROL, value.clone());
    }
    if extra.vary {
        common.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    match evaluate(method, headers, &validators) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            return res;
        }
        Precondition::Failed => {
            let mut failed = plain(StatusCode::PRECONDITION_FAILED, "precondition failed");
            failed.headers_mut().extend(res.headers_mut().drain());
            return failed;
        }
    }
    let ranges = match headers.get(RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) if range_allowed(headers, &validators) => range::parse(value, len),
        _ => Ranges::Whole,
    };
    let head = res.headers_mut();
    head.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let (status, start, count) = match ranges {
        Ranges::Whole => (StatusCode::OK, 0, len),
        Ranges::One { start, end } => {
            let value = format!("bytes {start}-{end}/{len}");
            if let Ok(value) = HeaderValue::from_str(&value) {
                head.insert(CONTENT_RANGE, value);
            }
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Ranges::Unsatisfiable => {
            let mut refused = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            refused.headers_mut().extend(res.headers_mut().drain());
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
                refused.headers_mut().insert(CONTENT_RANGE, value);
            }
            return refused;
        }
    };
    head.insert(CONTENT_TYPE, opened.content_type);
    if let Some(coding) = opened.coding {
        head.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    }
    if let Some(value) = extra.disposition {
        head.insert(CONTENT_DISPOSITION, value.clone());
    }
    let read = method != Method::HEAD;
    match file_body(opened.file, start, count, extra.sending, read).await {
        Ok(body) => {
            *res.status_mut() = status;
            *res.body_mut() = body;
            res
        }
        Err(e) => io_error(e),
    }
}

/// The answer for a file that could not be opened or read: 404 when it is
/// not there, 403 when it may not be read, else 500 (logged).
pub(crate) fn io_error(e: io::Error) -> Response {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => {
            plain(StatusCode::NOT_FOUND, "not found")
        }
        io::ErrorKind::PermissionDenied => plain(StatusCode::FORBIDDEN, "forbidden"),
        _ => {
            tracing::error!(error = %e, "reading a file failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_table() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("site.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("data.json", "application/json; charset=utf-8"),
            ("logo.svg", "image/svg+xml; charset=utf-8"),
            ("photo.PNG", "image/png"),
            ("font.woff2", "font/woff2"),
            ("archive.tar.gz", "application/gzip"),
            ("README", "application/octet-stream"),
            ("x.unknownext", "application/octet-stream"),
        ];
        for (name, want) in cases {
            assert_eq!(content_type(Path::new(name)), want, "{name}");
        }
    }
}
