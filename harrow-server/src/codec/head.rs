//! Request heads: the request line and header section (RFC 9112 §2–§3),
//! parsed with httparse, plus the framing and smuggling rules of §6.

use std::mem::MaybeUninit;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri, Version};

use super::H1Error;

/// The most headers a request may carry, whatever the configuration says.
pub const MAX_HEADERS_CAP: usize = 256;

/// Size limits applied while parsing a head.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest head in bytes (431 beyond).
    pub max_head: usize,
    /// The most header fields (431 beyond); at most [`MAX_HEADERS_CAP`].
    pub max_headers: usize,
    /// The longest request target in bytes (414 beyond).
    pub max_uri: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 16 * 1024,
            max_headers: 100,
            max_uri: 8 * 1024,
        }
    }
}

/// The outcome of a parse that did not fail.
#[derive(Debug)]
pub enum Status<T> {
    /// A whole item was parsed.
    Complete(T),
    /// More bytes are needed.
    Partial,
}

/// How the request body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    Empty,
    /// Exactly this many bytes (never zero).
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
}

/// A parsed request head.
#[derive(Debug)]
pub struct Head {
    /// The request method.
    pub method: Method,
    /// The request target (origin, absolute or asterisk form).
    pub uri: Uri,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields, in order.
    pub headers: HeaderMap,
    /// How the body is framed.
    pub body: BodyKind,
    /// Whether the connection may stay open after this exchange.
    pub keep_alive: bool,
    /// `Expect: 100-continue` was sent.
    pub expect_continue: bool,
    /// An `Upgrade` field was sent (RFC 9110 §7.8): the service may ask
    /// to take the connection over once it has answered.
    pub upgrade: bool,
    /// Bytes of input the head took, including leading empty lines.
    pub len: usize,
}

/// Parses one request head from the front of `buf`.
///
/// Returns `Partial` until the empty line that ends the head has arrived.
/// Every framing ambiguity is an error: the connection must answer and
/// close rather than guess where the next request starts.
pub fn parse_head(buf: &[u8], limits: &Limits) -> Result<Status<Head>, H1Error> {
    parse_head_with(buf, limits, |len| Bytes::copy_from_slice(&buf[..len]))
}

/// Like [`parse_head`], but the target and header values of the head are
/// slices of `buf` itself: nothing is copied. A connection that copies a
/// batch of pipelined requests into one buffer parses them all this way.
/// The parts keep all of `buf` alive (as long as any of them lives), not
/// only the bytes of this head.
pub fn parse_head_shared(buf: &Bytes, limits: &Limits) -> Result<Status<Head>, H1Error> {
    parse_head_with(buf, limits, |_| buf.clone())
}

/// Parses one head from `buf`; once the head is known to be complete,
/// `backing(len)` gives a buffer whose first `len` bytes are those of `buf`,
/// for the parts of the head to point into.
pub(crate) fn parse_head_with(
    buf: &[u8],
    limits: &Limits,
    backing: impl FnOnce(usize) -> Bytes,
) -> Result<Status<Head>, H1Error> {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS_CAP];
    let slots = &mut slots[..limits.max_headers.clamp(1, MAX_HEADERS_CAP)];
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, slots) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return partial(buf, limits),
        Err(httparse::Error::Version) => return version_error(buf, limits, backing),
        Err(e) => return Err(map_httparse(e, buf, limits)),
    };
    if len > limits.max_head {
        return Err(H1Error::HeadTooLarge);
    }
    // RFC 9112 §2.2 lets a recipient accept a bare LF; we refuse it, since
    // peers that disagree on line endings disagree on where requests end.
    if has_bare_lf(buf, len, &req) {
        return Err(H1Error::BadRequest("bare LF in request head"));
    }
    let path = req.path.unwrap_or("");
    if path.len() > limits.max_uri {
        return Err(H1Error::UriTooLong);
    }
    let version = match req.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let method = Method::from_bytes(req.method.unwrap_or("").as_bytes())
        .map_err(|_| H1Error::BadRequest("invalid method"))?;

    // The target and header values are slices of one buffer.
    let head = backing(len);
    let uri = parse_target(&method, subslice(&head, buf, path.as_bytes()), path)?;

    let mut headers = HeaderMap::with_capacity(req.headers.len());
    let mut framing = Framing::default();
    for h in req.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| H1Error::BadRequest("invalid header name"))?;
        // SAFETY: not a memory-safety matter; `from_maybe_shared_unchecked`
        // only trusts that every byte is one a header value may hold (HTAB,
        // SP to `~`, 0x80 to 0xFF), which is exactly the set httparse
        // accepted this value with. Debug builds check it again.
        let value =
            unsafe { HeaderValue::from_maybe_shared_unchecked(subslice(&head, buf, h.value)) };
        framing.observe(&name, h.value)?;
        headers.append(name, value);
    }
    let body = framing.body_kind(version)?;
    if version == Version::HTTP_11 && framing.hosts != 1 {
        // RFC 9112 §3.2: exactly one Host field in an HTTP/1.1 request.
        return Err(H1Error::BadRequest(if framing.hosts == 0 {
            "missing Host header"
        } else {
            "more than one Host header"
        }));
    }
    let keep_alive = match version {
        Version::HTTP_10 => framing.conn_keep_alive && !framing.conn_close,
        _ => !framing.conn_close,
    };
    Ok(Status::Complete(Head {
        method,
        uri,
        version,
        headers,
        body,
        keep_alive,
        expect_continue: framing.expect_continue,
        upgrade: framing.upgrade,
        len,
    }))
}

/// The part of `copy` that `part` (a slice of `original`) corresponds to.
fn subslice(copy: &Bytes, original: &[u8], part: &[u8]) -> Bytes {
    let start = part.as_ptr() as usize - original.as_ptr() as usize;
    copy.slice(start..start + part.len())
}

/// Decides between waiting for more bytes and refusing an oversized head.
fn partial(buf: &[u8], limits: &Limits) -> Result<Status<Head>, H1Error> {
    let line_end = memchr_newline(buf);
    // The request line is method SP target SP version; allow the two short
    // parts beside the target before calling the target too long.
    if line_end.is_none() && buf.len() > limits.max_uri + 64 {
        return Err(H1Error::UriTooLong);
    }
    if buf.len() >= limits.max_head {
        return Err(H1Error::HeadTooLarge);
    }
    Ok(Status::Partial)
}

/// Whether a line of the head `buf[..len]`, which httparse accepted, ends
/// in LF alone. In an accepted head every LF ends a line (httparse refuses
/// control bytes inside lines and folded header lines), and each line after
/// the request line starts with a header name httparse points at: so the two
/// bytes before every header name, the leading empty lines and the last four
/// bytes are all there is to check, without scanning the head.
fn has_bare_lf(buf: &[u8], len: usize, req: &httparse::Request<'_, '_>) -> bool {
    let offset = |part: &str| part.as_ptr() as usize - buf.as_ptr() as usize;
    let first = req.method.map_or(0, offset);
    let leading_ok = buf[..first].chunks(2).all(|pair| pair == b"\r\n");
    let lines_ok = req.headers.iter().all(|h| {
        let start = offset(h.name);
        start >= 2 && buf[start - 2..start] == *b"\r\n"
    });
    !(leading_ok && lines_ok && buf[..len].ends_with(b"\r\n\r\n"))
}

fn memchr_newline(buf: &[u8]) -> Option<usize> {
    // Leading empty lines are skipped by the parser; look past them.
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n')?;
    memchr::memchr(b'\n', &buf[start..])
}

fn map_httparse(e: httparse::Error, buf: &[u8], limits: &Limits) -> H1Error {
    match e {
        httparse::Error::TooManyHeaders => H1Error::HeadTooLarge,
        httparse::Error::HeaderName => H1Error::BadRequest("invalid header name"),
        httparse::Error::HeaderValue => H1Error::BadRequest("invalid header value"),
        httparse::Error::NewLine => H1Error::BadRequest("invalid line ending"),
        httparse::Error::Token => {
            if memchr_newline(buf).is_none() && buf.len() > limits.max_uri {
                H1Error::UriTooLong
            } else {
                H1Error::BadRequest("invalid request line")
            }
        }
        _ => H1Error::BadRequest("malformed request"),
    }
}

/// What a request line that httparse refused for its version means.
///
/// RFC 9112 §2.3: `HTTP-version = HTTP-name "/" DIGIT "." DIGIT`, with the
/// name case-sensitive. A request line of three parts ending in such a
/// version names a version we do not speak: 505 (RFC 9110 §15.6.6), except
/// that a higher minor version of HTTP/1 is read as HTTP/1.1 (RFC 9110
/// §2.5). Anything else (a space in the target, bytes before the method, a
/// misspelt version) is a malformed request line: 400.
#[cold]
fn version_error(
    buf: &[u8],
    limits: &Limits,
    backing: impl FnOnce(usize) -> Bytes,
) -> Result<Status<Head>, H1Error> {
    let bad = H1Error::BadRequest("invalid request line");
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let rest = &buf[start..];
    let end = memchr::memchr(b'\n', rest);
    let line = &rest[..end.unwrap_or(rest.len())];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad);
    };
    if method.is_empty() || target.is_empty() {
        return Err(bad);
    }
    if end.is_none() {
        // The version may still be arriving: wait while it can still
        // become a well-formed one.
        let shape = b"HTTP/0.0";
        let fits = version.len() <= shape.len()
            && version.iter().zip(shape).all(|(&b, &s)| {
                if s == b'0' {
                    b.is_ascii_digit()
                } else {
                    b == s
                }
            });
        return if fits { partial(buf, limits) } else { Err(bad) };
    }
    match version {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', b'2'..=b'9'] => {
            // HTTP/1.2 and up: answered as HTTP/1.1.
            let at = start + method.len() + target.len() + 2 + "HTTP/1.".len();
            let mut as_11 = buf.to_vec();
            as_11[at] = b'1';
            parse_head_with(&as_11, limits, backing)
        }
        // HTTP/1.0 and HTTP/1.1 are spoken: something else is wrong.
        [b'H', b'T', b'T', b'P', b'/', b'1', ..] => Err(bad),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(H1Error::VersionNotSupported)
        }
        _ => Err(bad),
    }
}

/// RFC 9112 §3.2: origin-form, absolute-form, and asterisk-form for OPTIONS.
fn parse_target(method: &Method, target: Bytes, path: &str) -> Result<Uri, H1Error> {
    let bad = H1Error::BadRequest("invalid request target");
    match path.as_bytes().first() {
        Some(b'/') => {}
        Some(b'*') if path == "*" && method == Method::OPTIONS => {}
        Some(_) if path.contains("://") => {}
        _ => return Err(bad),
    }
    let uri = Uri::from_maybe_shared(target).map_err(|_| bad)?;
    if uri.scheme().is_some() && !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(bad);
    }
    Ok(uri)
}

/// What the framing-relevant headers said, checked as they arrive.
#[derive(Default)]
struct Framing {
    content_length: Option<u64>,
    chunked: bool,
    transfer_encoding: bool,
    unsupported_coding: bool,
    hosts: u32,
    conn_close: bool,
    conn_keep_alive: bool,
    expect_continue: bool,
    upgrade: bool,
}

impl Framing {
    fn observe(&mut self, name: &HeaderName, value: &[u8]) -> Result<(), H1Error> {
        if name == header::CONTENT_LENGTH {
            // RFC 9112 §6.3: differing lengths are unrecoverable; identical
            // repeats (in one field or several) may be treated as one.
            for part in value.split(|&b| b == b',') {
                let n = parse_length(trim(part))?;
                if self.content_length.is_some_and(|old| old != n) {
                    return Err(H1Error::BadRequest("conflicting Content-Length headers"));
                }
                self.content_length = Some(n);
            }
        } else if name == header::TRANSFER_ENCODING {
            self.transfer_encoding = true;
            for coding in value.split(|&b| b == b',').map(trim) {
                if coding.is_empty() {
                    continue;
                }
                if self.chunked {
                    // RFC 9112 §7: chunked must be the final coding, applied once.
                    return Err(H1Error::BadRequest(
                        "chunked is not the final transfer coding",
                    ));
                }
                if coding.eq_ignore_ascii_case(b"chunked") {
                    self.chunked = true;
                } else {
                    self.unsupported_coding = true;
                }
            }
        } else if name == header::HOST {
            self.hosts += 1;
            // RFC 9112 §3.2: an invalid Host field value is answered 400.
            if !valid_host(trim(value)) {
                return Err(H1Error::BadRequest("invalid Host header"));
            }
        } else if name == header::CONNECTION {
            for token in value.split(|&b| b == b',').map(trim) {
                if token.eq_ignore_ascii_case(b"close") {
                    self.conn_close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    self.conn_keep_alive = true;
                }
            }
        } else if name == header::UPGRADE {
            // Noted here, where every name is compared anyway, so that the
            // connection need not look the field up in each request's map.
            self.upgrade = true;
        } else if name == header::EXPECT {
            if trim(value).eq_ignore_ascii_case(b"100-continue") {
                self.expect_continue = true;
            } else {
                return Err(H1Error::ExpectationFailed);
            }
        }
        Ok(())
    }

    fn body_kind(&self, version: Version) -> Result<BodyKind, H1Error> {
        if self.transfer_encoding {
            // RFC 9112 §6.1: a request with both is a smuggling vector.
            if self.content_length.is_some() {
                return Err(H1Error::BadRequest(
                    "both Transfer-Encoding and Content-Length present",
                ));
            }
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing.
            if version == Version::HTTP_10 {
                return Err(H1Error::BadRequest(
                    "Transfer-Encoding in an HTTP/1.0 request",
                ));
            }
            // RFC 9112 §6.3: chunked must be the final coding, or 400.
            if !self.chunked {
                return Err(H1Error::BadRequest(
                    "chunked is not the final transfer coding",
                ));
            }
            if self.unsupported_coding {
                return Err(H1Error::UnsupportedTransferCoding);
            }
            return Ok(BodyKind::Chunked);
        }
        Ok(match self.content_length {
            None | Some(0) => BodyKind::Empty,
            Some(n) => BodyKind::Length(n),
        })
    }
}

/// RFC 9110 §7.2: `Host = uri-host [ ":" port ]`, with `uri-host` and
/// `port` as in RFC 3986 §3.2.2–3.2.3: an IP literal in brackets, or a
/// registered name or IPv4 address made of unreserved characters,
/// sub-delimiters and percent-encodings; the port is digits only. An empty
/// value is valid (a target with no authority).
fn valid_host(value: &[u8]) -> bool {
    if let Some(literal) = value.strip_prefix(b"[") {
        let Some(close) = literal.iter().position(|&b| b == b']') else {
            return false;
        };
        return valid_ip_literal(&literal[..close]) && valid_port(&literal[close + 1..]);
    }
    // One pass over the name, by table: the common case is a few plain
    // characters and a port.
    let mut i = 0;
    while i < value.len() {
        if REG_NAME[usize::from(value[i])] {
            i += 1;
            continue;
        }
        match value[i] {
            b':' => return valid_port(&value[i..]),
            b'%' => {
                let hex = value.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
            }
            _ => return false,
        }
    }
    true
}

/// `[ ":" *DIGIT ]`, what may follow the host.
fn valid_port(rest: &[u8]) -> bool {
    match rest {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// The bytes of a `reg-name` besides percent-encodings (RFC 3986 §3.2.2):
/// `unreserved` (letters, digits, `-._~`) and `sub-delims` (`!$&'()*+,;=`).
const REG_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_unreserved(b as u8) || is_sub_delim(b as u8);
        b += 1;
    }
    table
};

/// RFC 3986 §3.2.2: `IP-literal = "[" ( IPv6address / IPvFuture ) "]"`,
/// with `IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )`.
fn valid_ip_literal(inside: &[u8]) -> bool {
    match inside {
        [b'v' | b'V', rest @ ..] => {
            let Some(dot) = rest.iter().position(|&b| b == b'.') else {
                return false;
            };
            let (version, tail) = (&rest[..dot], &rest[dot + 1..]);
            !version.is_empty()
                && version.iter().all(u8::is_ascii_hexdigit)
                && !tail.is_empty()
                && tail.iter().all(|&b| REG_NAME[usize::from(b)] || b == b':')
        }
        _ => std::str::from_utf8(inside)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
            .is_some(),
    }
}

const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// RFC 9110 §8.6: `Content-Length = 1*DIGIT`; nothing else, no sign, no overflow.
fn parse_length(digits: &[u8]) -> Result<u64, H1Error> {
    let bad = H1Error::BadRequest("invalid Content-Length");
    if digits.is_empty() || digits.len() > 19 {
        return Err(bad);
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            Ok(acc * 10 + u64::from(b - b'0'))
        } else {
            Err(bad)
        }
    })
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
#[path = "head_tests.rs"]
mod tests;
