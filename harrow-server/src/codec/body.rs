//! Request body decoding: Content-Length and chunked (RFC 9112 §6–§7).
//!
//! Bytes in, body bytes out: [`Decoder::decode`] reads what it can from the
//! front of the input, appends body data to `out`, and says how much input it
//! took. Chunk extensions are checked for syntax; trailers are parsed.

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use super::{BodyKind, H1Error};

/// The longest chunk-size line (size plus extensions) we accept.
const MAX_CHUNK_LINE: usize = 4096;
/// The largest trailer section we accept.
const MAX_TRAILERS: usize = 8192;
/// The most trailer fields we accept.
const MAX_TRAILER_FIELDS: usize = 32;

/// Trailer fields that came after a chunked body; found in the request's
/// extensions when the client sent any and the body was read whole before
/// the service was called (up to 64 KiB). The trailers of a longer body,
/// which streams to the service, are not kept.
#[derive(Debug, Clone, Default)]
pub struct Trailers(pub HeaderMap);

/// The decoder's progress through one body.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    limit: u64,
    received: u64,
    trailers: Option<HeaderMap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Content-Length: bytes still to come.
    Length(u64),
    /// Chunked: waiting for a chunk-size line.
    ChunkSize,
    /// Chunked: inside a chunk's data, bytes still to come.
    ChunkData(u64),
    /// Chunked: the CRLF after a chunk's data.
    ChunkDataEnd,
    /// Chunked: the trailer section after the last chunk.
    Trailers,
    /// The whole body has been read.
    Done,
}

/// How far one call to [`Decoder::decode`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Input bytes taken; the caller drops them from its buffer.
    pub consumed: usize,
    /// The body is complete.
    pub done: bool,
}

impl Decoder {
    /// A decoder for a body framed as `kind`, refusing more than `limit` bytes.
    pub fn new(kind: BodyKind, limit: u64) -> Result<Decoder, H1Error> {
        let state = match kind {
            BodyKind::Empty => State::Done,
            BodyKind::Length(n) if n > limit => return Err(H1Error::BodyTooLarge),
            BodyKind::Length(n) => State::Length(n),
            BodyKind::Chunked => State::ChunkSize,
        };
        Ok(Decoder {
            state,
            limit,
            received: 0,
            trailers: None,
        })
    }

    /// Whether the body has been read completely.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes the trailer fields once the body is done.
    pub fn take_trailers(&mut self) -> Option<Trailers> {
        self.trailers.take().map(Trailers)
    }

    /// Decodes from the front of `input`, appending body data to `out`.
    pub fn decode(&mut self, input: &[u8], out: &mut BytesMut) -> Result<Progress, H1Error> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match self.state {
                State::Done => {
                    return Ok(Progress {
                        consumed: pos,
                        done: true,
                    });
                }
                State::Length(remaining) | State::ChunkData(remaining) => {
                    if rest.is_empty() {
                        break;
                    }
                    let n = remaining.min(rest.len() as u64) as usize;
                    out.extend_from_slice(&rest[..n]);
                    pos += n;
                    let left = remaining - n as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), _) => State::Length(left),
                        (_, 0) => State::ChunkDataEnd,
                        (_, _) => State::ChunkData(left),
                    };
                }
                State::ChunkSize => {
                    let Some(line) = take_line(rest, MAX_CHUNK_LINE)? else {
                        break;
                    };
                    pos += line.len() + 2;
                    let size = parse_chunk_line(line)?;
                    self.received = self.received.saturating_add(size);
                    if self.received > self.limit {
                        return Err(H1Error::BodyTooLarge);
                    }
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::ChunkData(size)
                    };
                }
                State::ChunkDataEnd => {
                    if rest.len() < 2 {
                        break;
                    }
                    if &rest[..2] != b"\r\n" {
                        return Err(H1Error::BadRequest("missing CRLF after chunk data"));
                    }
                    pos += 2;
                    self.state = State::ChunkSize;
                }
                State::Trailers => {
                    let Some(section) = trailer_section(rest)? else {
                        break;
                    };
                    pos += section;
                    if section > 2 {
                        self.trailers = Some(parse_trailers(&rest[..section])?);
                    }
                    self.state = State::Done;
                }
            }
        }
        Ok(Progress {
            consumed: pos,
            done: self.state == State::Done,
        })
    }
}

/// The line before the next CRLF, or `None` while it is incomplete.
fn take_line(input: &[u8], max: usize) -> Result<Option<&[u8]>, H1Error> {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && input[i - 1] == b'\r' => Ok(Some(&input[..i - 1])),
        Some(_) => Err(H1Error::BadRequest("bare LF in chunked body")),
        None if input.len() > max => Err(H1Error::BadRequest("chunk size line too long")),
        None => Ok(None),
    }
}

/// RFC 9112 §7.1: `chunk-size [ chunk-ext ]`, hex size, extensions checked.
fn parse_chunk_line(line: &[u8]) -> Result<u64, H1Error> {
    let bad = H1Error::BadRequest("invalid chunk size");
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 16 {
        return Err(bad);
    }
    let size = line[..digits].iter().fold(0u64, |acc, &b| {
        let d = (b as char).to_digit(16).unwrap_or(0) as u64;
        (acc << 4) | d
    });
    parse_extensions(&line[digits..])?;
    Ok(size)
}

/// `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`, ext-val a token or quoted-string.
fn parse_extensions(mut s: &[u8]) -> Result<(), H1Error> {
    let bad = H1Error::BadRequest("invalid chunk extension");
    loop {
        s = skip_ws(s);
        match s.split_first() {
            None => return Ok(()),
            Some((b';', rest)) => s = skip_ws(rest),
            Some(_) => return Err(bad),
        }
        let name = token_len(s);
        if name == 0 {
            return Err(bad);
        }
        s = skip_ws(&s[name..]);
        if let Some((b'=', rest)) = s.split_first() {
            s = skip_ws(rest);
            s = match s.first() {
                Some(b'"') => skip_quoted(&s[1..]).ok_or(bad)?,
                _ => {
                    let v = token_len(s);
                    if v == 0 {
                        return Err(bad);
                    }
                    &s[v..]
                }
            };
        }
    }
}

fn skip_ws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn token_len(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_tchar(b)).count()
}

/// Skips the rest of a quoted-string (after its opening quote).
fn skip_quoted(mut s: &[u8]) -> Option<&[u8]> {
    loop {
        match s.split_first()? {
            (b'"', rest) => return Some(rest),
            (b'\\', rest) => {
                let (&c, rest) = rest.split_first()?;
                if c != b'\t' && !(0x20..=0x7e).contains(&c) && c < 0x80 {
                    return None;
                }
                s = rest;
            }
            (&c, rest)
                if c == b'\t'
                    || c == b' '
                    || c == 0x21
                    || (0x23..=0x7e).contains(&c)
                    || c >= 0x80 =>
            {
                s = rest
            }
            _ => return None,
        }
    }
}

/// The length of the trailer section including its final empty line.
fn trailer_section(input: &[u8]) -> Result<Option<usize>, H1Error> {
    if input.starts_with(b"\r\n") {
        return Ok(Some(2));
    }
    if let Some(i) = input.windows(4).position(|w| w == b"\r\n\r\n") {
        return Ok(Some(i + 4));
    }
    if input.len() > MAX_TRAILERS {
        return Err(H1Error::BadRequest("trailer section too large"));
    }
    Ok(None)
}

fn parse_trailers(section: &[u8]) -> Result<HeaderMap, H1Error> {
    let bad = H1Error::BadRequest("invalid trailer field");
    let mut slots = [httparse::EMPTY_HEADER; MAX_TRAILER_FIELDS];
    let fields = match httparse::parse_headers(section, &mut slots) {
        Ok(httparse::Status::Complete((_, fields))) => fields,
        Ok(httparse::Status::Partial) => return Err(bad),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(H1Error::BadRequest("too many trailer fields"));
        }
        Err(_) => return Err(bad),
    };
    let copy = Bytes::copy_from_slice(section);
    let mut map = HeaderMap::with_capacity(fields.len());
    for f in fields {
        let name = HeaderName::from_bytes(f.name.as_bytes()).map_err(|_| bad)?;
        let value = HeaderValue::from_maybe_shared(copy.slice(offset(section, f.value)))
            .map_err(|_| bad)?;
        map.append(name, value);
    }
    Ok(map)
}

/// The range of `part` inside `whole`.
fn offset(whole: &[u8], part: &[u8]) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
