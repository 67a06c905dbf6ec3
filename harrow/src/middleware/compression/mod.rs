//! `Compression`: response bodies compressed with gzip, brotli or zstd, as
//! the request's `Accept-Encoding` prefers.

mod encoder;

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use harrow_server::{Body, BoxError};
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE,
    ETAG, HeaderValue, VARY,
};
use http::{HeaderMap, StatusCode};

use super::{Middleware, Next};
use crate::content_coding::{Coding, negotiate};
use crate::request::Request;
use crate::response::Response;
use encoder::{BUILT_IN, Encoder, Levels, compress};

/// A middleware that compresses response bodies with the coding the client
/// rates highest in `Accept-Encoding` (q-values honoured, `identity;q=0`
/// included) among those built in: zstd, brotli and gzip, each behind its
/// cargo feature (`compression-zstd`, `compression-br`, `compression-gzip`;
/// `compression` turns on all three). When the client rates several alike,
/// zstd comes first, then brotli, then gzip.
///
/// A body held whole is compressed at once and keeps a `Content-Length`; a
/// streamed body is compressed as it streams, each chunk flushed so that
/// the client can decode it at once (server-sent events keep flowing).
///
/// Left alone: responses that already have a `Content-Encoding`, partial
/// content (206) and bodiless statuses, bodies of known length under
/// [`min_size`](Compression::min_size) (1 KiB by default), types that are
/// compressed already (images other than SVG, audio, video, fonts other
/// than TrueType and OpenType, archives), and `Cache-Control: no-transform`.
/// Every response that could have been compressed carries
/// `Vary: Accept-Encoding`, and a compressed one has its `ETag` made weak
/// and its `Accept-Ranges` removed.
///
/// ```
/// use harrow::App;
/// use harrow::middleware::Compression;
///
/// async fn report() -> String { "many words ".repeat(500) }
///
/// let app = App::new()
///     .get("/report", report)
///     .layer(Compression::new().min_size(256).gzip_level(9));
/// let res = harrow::test::TestClient::new(app)
///     .get("/report")
///     .header("accept-encoding", "gzip")
///     .send();
/// assert_eq!(res.header("content-encoding"), Some("gzip"));
/// assert!(res.bytes().len() < 5500);
/// ```
#[derive(Clone, Debug)]
pub struct Compression {
    settings: Rc<Settings>,
}

#[derive(Clone, Debug)]
struct Settings {
    codings: Vec<Coding>,
    levels: Levels,
    min_size: u64,
}

impl Default for Compression {
    fn default() -> Self {
        Compression::new()
    }
}

impl Compression {
    /// Every built-in coding at its default level (gzip 6, brotli 4,
    /// zstd 3: fast enough for responses made per request), bodies from
    /// 1 KiB.
    pub fn new() -> Self {
        Compression {
            settings: Rc::new(Settings {
                codings: BUILT_IN.to_vec(),
                levels: Levels::default(),
                min_size: 1024,
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(Rc::make_mut(&mut self.settings));
        self
    }

    fn toggle(self, coding: Coding, on: bool) -> Self {
        self.with(|s| {
            s.codings.retain(|c| *c != coding);
            if on && BUILT_IN.contains(&coding) {
                s.codings.push(coding);
                s.codings
                    .sort_by_key(|c| BUILT_IN.iter().position(|b| b == c));
            }
        })
    }

    /// Whether to answer with gzip (on when its feature is).
    pub fn gzip(self, on: bool) -> Self {
        self.toggle(Coding::Gzip, on)
    }

    /// Whether to answer with brotli (on when its feature is).
    pub fn br(self, on: bool) -> Self {
        self.toggle(Coding::Brotli, on)
    }

    /// Whether to answer with zstd (on when its feature is).
    pub fn zstd(self, on: bool) -> Self {
        self.toggle(Coding::Zstd, on)
    }

    /// The gzip level, 0 (store) to 9 (smallest); 6 by default.
    pub fn gzip_level(self, level: u32) -> Self {
        self.with(|s| s.levels.gzip = level.min(9))
    }

    /// The brotli quality, 0 to 11 (smallest, and slow); 4 by default.
    pub fn br_quality(self, quality: u32) -> Self {
        self.with(|s| s.levels.brotli = quality.min(11))
    }

    /// The zstd level, 1 to 22 (negative levels are faster still); 3 by
    /// default.
    pub fn zstd_level(self, level: i32) -> Self {
        self.with(|s| s.levels.zstd = level.clamp(-7, 22))
    }

    /// Bodies of known length under `bytes` are sent as they are (1024 by
    /// default): compressing them saves too little.
    pub fn min_size(self, bytes: u64) -> Self {
        self.with(|s| s.min_size = bytes)
    }
}

impl Middleware for Compression {
    async fn call(&self, req: Request, next: Next) -> Response {
        let coding = negotiate(req.headers(), &self.settings.codings);
        let mut res = next.run(req).await;
        if !self.compressible(&res) {
            return res;
        }
        add_vary(res.headers_mut());
        match coding {
            Some(coding) => self.compress(res, coding),
            None => res,
        }
    }
}

impl Compression {
    /// Whether the response is one to compress for a client that accepts it.
    fn compressible(&self, res: &Response) -> bool {
        let status = res.status();
        if status == StatusCode::PARTIAL_CONTENT
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || status.is_informational()
        {
            return false;
        }
        let headers = res.headers();
        if headers.contains_key(CONTENT_ENCODING) || headers.contains_key(CONTENT_RANGE) {
            return false;
        }
        if let Some(len) = res.body().exact_len()
            && len < self.settings.min_size
        {
            return false;
        }
        if headers
            .get_all(CACHE_CONTROL)
            .iter()
            .any(|v| contains_token(v, "no-transform"))
        {
            return false;
        }
        match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
            Some(content_type) => !compressed_already(content_type),
            None => true,
        }
    }

    fn compress(&self, res: Response, coding: Coding) -> Response {
        let (mut parts, body) = res.into_parts();
        let levels = self.settings.levels;
        let body = if body.is_stream() {
            let encoder = match Encoder::new(coding, levels) {
                Ok(encoder) => encoder,
                Err(e) => {
                    tracing::warn!(error = %e, "compression encoder failed to start; sent as is");
                    return Response::from_parts(parts, body);
                }
            };
            Body::from_stream(Compressing {
                body,
                encoder: Some(encoder),
            })
        } else {
            let mut body = body;
            let Some(Ok(bytes)) = poll_full(&mut body) else {
                return Response::from_parts(parts, body);
            };
            match compress(coding, levels, &bytes) {
                Ok(out) => Body::from(out),
                Err(e) => {
                    tracing::warn!(error = %e, "compression failed; sent as is");
                    return Response::from_parts(parts, Body::from(bytes));
                }
            }
        };
        let headers = &mut parts.headers;
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
        headers.remove(CONTENT_LENGTH);
        headers.remove(ACCEPT_RANGES);
        if let Some(etag) = headers.get(ETAG)
            && !etag.as_bytes().starts_with(b"W/")
        {
            // The compressed bytes are another representation: a strong
            // tag would claim they are the same (RFC 9110 §8.8.3).
            let mut weak = b"W/".to_vec();
            weak.extend_from_slice(etag.as_bytes());
            if let Ok(weak) = HeaderValue::from_bytes(&weak) {
                headers.insert(ETAG, weak);
            }
        }
        Response::from_parts(parts, body)
    }
}

/// The bytes of a body held whole (never a stream): its one chunk, taken
/// without waiting; `None` for an empty body.
fn poll_full(body: &mut Body) -> Option<Result<Bytes, BoxError>> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    match body.poll_chunk(&mut cx) {
        Poll::Ready(chunk) => chunk,
        Poll::Pending => None,
    }
}

/// Adds `accept-encoding` to `Vary` unless it is there (or `*` is).
fn add_vary(headers: &mut HeaderMap) {
    let present = headers
        .get_all(VARY)
        .iter()
        .any(|v| contains_token(v, "accept-encoding") || contains_token(v, "*"));
    if !present {
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// Whether a comma-separated field value lists `token` (any case).
fn contains_token(value: &HeaderValue, token: &str) -> bool {
    value.to_str().is_ok_and(|v| {
        v.split(',').any(|t| {
            t.split('=')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(token)
        })
    })
}

/// Media types whose bytes are compressed already: compressing again
/// costs CPU and saves nothing.
fn compressed_already(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "image" => sub != "svg+xml" && sub != "x-icon" && sub != "bmp",
        "audio" | "video" => true,
        "font" => sub == "woff" || sub == "woff2",
        "application" => matches!(
            sub,
            "zip"
                | "gzip"
                | "x-gzip"
                | "zstd"
                | "x-bzip2"
                | "x-xz"
                | "x-7z-compressed"
                | "x-rar-compressed"
                | "vnd.rar"
                | "pdf"
                | "wasm-compressed"
                | "octet-stream-compressed"
        ),
        _ => false,
    }
}

/// A streamed body, compressed chunk by chunk.
struct Compressing {
    body: Body,
    /// `None` once the trailer was sent.
    encoder: Option<Encoder>,
}

impl Stream for Compressing {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                return Poll::Ready(None);
            };
            match std::task::ready!(this.body.poll_chunk(cx)) {
                Some(Ok(chunk)) => match encoder.chunk(&chunk) {
                    Ok(out) if out.is_empty() => continue,
                    Ok(out) => return Poll::Ready(Some(Ok(out))),
                    Err(e) => {
                        this.encoder = None;
                        return Poll::Ready(Some(Err(e.into())));
                    }
                },
                Some(Err(e)) => {
                    this.encoder = None;
                    return Poll::Ready(Some(Err(e)));
                }
                None => {
                    let encoder = this.encoder.take();
                    return Poll::Ready(encoder.map(|e| e.finish().map_err(Into::into)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_types_table() {
        let cases = [
            ("image/png", true),
            ("image/svg+xml", false),
            ("IMAGE/JPEG; q=1", true),
            ("video/mp4", true),
            ("audio/ogg", true),
            ("font/woff2", true),
            ("font/ttf", false),
            ("application/zip", true),
            ("application/gzip", true),
            ("application/json", false),
            ("text/html; charset=utf-8", false),
            ("text/event-stream", false),
            ("application/javascript", false),
            ("nonsense", false),
        ];
        for (content_type, want) in cases {
            assert_eq!(compressed_already(content_type), want, "{content_type}");
        }
    }

    #[test]
    fn vary_is_added_once() {
        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("origin"));
        add_vary(&mut headers);
        add_vary(&mut headers);
        let all: Vec<_> = headers.get_all(VARY).iter().collect();
        assert_eq!(all, ["origin", "accept-encoding"]);
        let mut star = HeaderMap::new();
        star.insert(VARY, HeaderValue::from_static("*"));
        add_vary(&mut star);
        assert_eq!(star.get_all(VARY).iter().count(), 1);
    }
}
