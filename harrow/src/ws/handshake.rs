//! The opening handshake (RFC 6455 §4.2, and RFC 8441 §5 over HTTP/2):
//! what makes a request a WebSocket upgrade, the answer to each mistake,
//! and the `101` (or, over HTTP/2, the `200`) that accepts it.

use std::fmt;

use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};

use crate::response::{IntoResponse, Response, plain};

/// The protocol version this server speaks (RFC 6455 §4.1).
const VERSION: &str = "13";

/// Why a request is not a WebSocket handshake the server can accept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebSocketRejection {
    /// 405: the handshake is a GET request (§4.1), or over HTTP/2 a
    /// CONNECT with `:protocol` `websocket` (RFC 8441 §5).
    NotGet,
    /// 426: a request without `Upgrade: websocket` and `Connection:
    /// upgrade` (a browser opening the address as a page); the answer says
    /// `Upgrade: websocket`.
    NotAnUpgrade,
    /// 426: a `Sec-WebSocket-Version` other than 13; the answer names 13
    /// (§4.4).
    UnsupportedVersion(String),
    /// 400: the same over HTTP/2, which has no 426 (it would need an
    /// `Upgrade` field); the answer names 13 all the same.
    UnsupportedVersionOverHttp2(String),
    /// 400: no `Sec-WebSocket-Key`, or one that is not 16 bytes in base64
    /// (§4.2.1).
    BadKey,
    /// 400: the connection cannot be taken over: an HTTP/1.0 request, a
    /// GET over HTTP/2 (where a WebSocket opens with an extended CONNECT),
    /// or the in-process test client.
    NotUpgradable,
    /// 403: an `Origin` the route does not allow.
    OriginNotAllowed(String),
}

impl WebSocketRejection {
    /// The status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebSocketRejection::NotGet => StatusCode::METHOD_NOT_ALLOWED,
            WebSocketRejection::NotAnUpgrade | WebSocketRejection::UnsupportedVersion(_) => {
                StatusCode::UPGRADE_REQUIRED
            }
            WebSocketRejection::BadKey
            | WebSocketRejection::NotUpgradable
            | WebSocketRejection::UnsupportedVersionOverHttp2(_) => StatusCode::BAD_REQUEST,
            WebSocketRejection::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
        }
    }
}

impl fmt::Display for WebSocketRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebSocketRejection::NotGet => f.write_str(
                "a WebSocket handshake is a GET request (over HTTP/2, a CONNECT with `:protocol: websocket`)",
            ),
            WebSocketRejection::NotAnUpgrade => f.write_str(
                "this is a WebSocket endpoint: ask with `Upgrade: websocket` and `Connection: upgrade`",
            ),
            WebSocketRejection::UnsupportedVersion(v)
            | WebSocketRejection::UnsupportedVersionOverHttp2(v) => write!(
                f,
                "WebSocket version `{v}` is not supported; this server speaks version 13"
            ),
            WebSocketRejection::BadKey => {
                f.write_str("missing or malformed `Sec-WebSocket-Key`: 16 bytes in base64")
            }
            WebSocketRejection::NotUpgradable => f.write_str(
                "this connection cannot switch to WebSocket: it needs an HTTP/1.1 upgrade, or an extended CONNECT over HTTP/2 (RFC 8441)",
            ),
            WebSocketRejection::OriginNotAllowed(origin) => {
                write!(f, "origin `{origin}` may not open this WebSocket")
            }
        }
    }
}

impl std::error::Error for WebSocketRejection {}

impl IntoResponse for WebSocketRejection {
    fn into_response(self) -> Response {
        let mut res = plain(self.status(), self.to_string());
        match self {
            WebSocketRejection::NotAnUpgrade => {
                res.headers_mut()
                    .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            }
            WebSocketRejection::UnsupportedVersion(_) => {
                // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to.
                res.headers_mut()
                    .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
                res.headers_mut().insert(
                    header::SEC_WEBSOCKET_VERSION,
                    HeaderValue::from_static(VERSION),
                );
            }
            WebSocketRejection::UnsupportedVersionOverHttp2(_) => {
                res.headers_mut().insert(
                    header::SEC_WEBSOCKET_VERSION,
                    HeaderValue::from_static(VERSION),
                );
            }
            _ => {}
        }
        res
    }
}

/// What a valid handshake request says.
#[derive(Debug, Clone)]
pub(super) struct Request {
    /// `Sec-WebSocket-Key`; none over HTTP/2, which does without it (RFC
    /// 8441 §5).
    pub(super) key: Option<HeaderValue>,
    /// `Origin`, if sent.
    pub(super) origin: Option<HeaderValue>,
    /// `Sec-WebSocket-Protocol`: the subprotocols offered, in the client's
    /// order of preference.
    pub(super) protocols: Vec<String>,
    /// The permessage-deflate offer the server can take, and its answer.
    #[cfg(feature = "ws-deflate")]
    pub(super) deflate: Option<(super::deflate::Agreed, HeaderValue)>,
}

/// Checks `parts` against RFC 6455 §4.2.1 (RFC 8441 §5 over HTTP/2), in
/// the order a client most likely needs to hear about.
pub(super) fn check(parts: &Parts) -> Result<Request, WebSocketRejection> {
    let headers = &parts.headers;
    let key = if parts.version == Version::HTTP_2 {
        check_connect(parts)?;
        check_version(headers).map_err(|e| match e {
            WebSocketRejection::UnsupportedVersion(v) => {
                WebSocketRejection::UnsupportedVersionOverHttp2(v)
            }
            other => other,
        })?;
        None
    } else {
        Some(check_get(parts)?)
    };
    let protocols = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Request {
        key,
        origin: headers.get(header::ORIGIN).cloned(),
        protocols,
        #[cfg(feature = "ws-deflate")]
        deflate: super::deflate::negotiate(headers),
    })
}

/// The HTTP/1.1 handshake: a GET asking to upgrade, with version 13 and a
/// well-formed key, which it returns.
fn check_get(parts: &Parts) -> Result<HeaderValue, WebSocketRejection> {
    if parts.method != Method::GET {
        return Err(WebSocketRejection::NotGet);
    }
    let headers = &parts.headers;
    let upgrade = has_token(headers, header::UPGRADE, "websocket");
    let connection = has_token(headers, header::CONNECTION, "upgrade");
    if !(upgrade && connection) {
        return Err(WebSocketRejection::NotAnUpgrade);
    }
    check_version(headers)?;
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|k| is_key(k.as_bytes()))
        .ok_or(WebSocketRejection::BadKey)?
        .clone();
    if parts.version != Version::HTTP_11 {
        return Err(WebSocketRejection::NotUpgradable);
    }
    Ok(key)
}

/// The HTTP/2 handshake (RFC 8441 §5): a CONNECT whose `:protocol` is
/// `websocket`. A GET cannot be upgraded on an HTTP/2 stream.
fn check_connect(parts: &Parts) -> Result<(), WebSocketRejection> {
    let protocol = harrow_server::upgrade::connect_protocol(&parts.extensions);
    match (&parts.method, protocol) {
        (&Method::CONNECT, Some(p)) if p.eq_ignore_ascii_case("websocket") => Ok(()),
        (&Method::GET, _) => Err(WebSocketRejection::NotUpgradable),
        _ => Err(WebSocketRejection::NotGet),
    }
}

/// `Sec-WebSocket-Version: 13` (RFC 6455 §4.2.1, item 6).
fn check_version(headers: &HeaderMap) -> Result<(), WebSocketRejection> {
    match headers.get(header::SEC_WEBSOCKET_VERSION) {
        Some(v) if v == VERSION => Ok(()),
        Some(v) => {
            let shown = String::from_utf8_lossy(v.as_bytes()).into_owned();
            Err(WebSocketRejection::UnsupportedVersion(shown))
        }
        None => Err(WebSocketRejection::UnsupportedVersion(String::new())),
    }
}

/// The answer that accepts the handshake, with the chosen subprotocol:
/// over HTTP/1.1 the `101` for `key`; over HTTP/2 (no key) a `200`, which
/// leaves the stream open (RFC 8441 §5).
pub(super) fn accept(key: Option<&HeaderValue>, protocol: Option<&str>) -> Response {
    let mut res = Response::new(crate::Body::empty());
    if key.is_some() {
        *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    }
    let headers = res.headers_mut();
    if let Some(key) = key {
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        if let Ok(accept) = HeaderValue::from_str(&accept_key(key.as_bytes())) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
    }
    if let Some(protocol) = protocol.and_then(|p| HeaderValue::from_str(p).ok()) {
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
    }
    res
}

/// `Sec-WebSocket-Accept` for `key` (RFC 6455 §4.2.2): the key and the
/// protocol's GUID, hashed with SHA-1, in base64.
fn accept_key(key: &[u8]) -> String {
    use base64::Engine;
    use sha1::Digest;
    const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let mut sha1 = sha1::Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha1.finalize())
}

/// Whether a comma-separated header lists `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// A nonce of 16 bytes in base64: 24 characters, the last two `=`, and a
/// 22nd character whose two low bits are zero (RFC 4648 §4).
fn is_key(key: &[u8]) -> bool {
    const LAST: &[u8] = b"AQgw";
    key.len() == 24
        && key[22..] == *b"=="
        && LAST.contains(&key[21])
        && key[..21]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut req = http::Request::builder().method(method).uri("/ws");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(()).unwrap().into_parts().0
    }

    const GOOD: [(&str, &str); 4] = [
        ("upgrade", "websocket"),
        ("connection", "keep-alive, Upgrade"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    #[test]
    fn every_rule_of_the_opening_handshake() {
        let without = |name: &str| -> Vec<(&str, &str)> {
            GOOD.iter().copied().filter(|(n, _)| *n != name).collect()
        };
        let with = |name: &'static str, value: &'static str| -> Vec<(&str, &str)> {
            let mut h = without(name);
            h.push((name, value));
            h
        };
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<WebSocketRejection>);
        let cases: Vec<Case<'_>> = vec![
            ("GET", GOOD.to_vec(), None),
            ("POST", GOOD.to_vec(), Some(WebSocketRejection::NotGet)),
            (
                "GET",
                without("upgrade"),
                Some(WebSocketRejection::NotAnUpgrade),
            ),
            (
                "GET",
                with("upgrade", "h2c"),
                Some(WebSocketRejection::NotAnUpgrade),
            ),
            ("GET", with("upgrade", "WebSocket"), None),
            (
                "GET",
                without("connection"),
                Some(WebSocketRejection::NotAnUpgrade),
            ),
            (
                "GET",
                with("connection", "close"),
                Some(WebSocketRejection::NotAnUpgrade),
            ),
            (
                "GET",
                with("sec-websocket-version", "8"),
                Some(WebSocketRejection::UnsupportedVersion("8".into())),
            ),
            (
                "GET",
                without("sec-websocket-version"),
                Some(WebSocketRejection::UnsupportedVersion(String::new())),
            ),
            (
                "GET",
                without("sec-websocket-key"),
                Some(WebSocketRejection::BadKey),
            ),
            (
                "GET",
                with("sec-websocket-key", "short=="),
                Some(WebSocketRejection::BadKey),
            ),
            (
                "GET",
                with("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZR=="),
                Some(WebSocketRejection::BadKey),
            ),
            (
                "GET",
                with("sec-websocket-key", "dGhlIHNhbXBsZSBub25j*Q=="),
                Some(WebSocketRejection::BadKey),
            ),
        ];
        for (method, headers, expected) in cases {
            let mut p = parts(method, &headers);
            p.version = Version::HTTP_11;
            assert_eq!(check(&p).err(), expected, "{method} {headers:?}");
        }
        let mut h2 = parts("GET", &GOOD);
        h2.version = Version::HTTP_2;
        assert_eq!(check(&h2).err(), Some(WebSocketRejection::NotUpgradable));
    }

    #[cfg(feature = "http2")]
    #[test]
    fn every_rule_of_the_http2_handshake() {
        let h2 = |method: &str, protocol: Option<&'static str>, version: Option<&str>| {
            let mut headers = vec![("origin", "https://example.com")];
            if let Some(v) = version {
                headers.push(("sec-websocket-version", v));
            }
            let mut p = parts(method, &headers);
            p.version = Version::HTTP_2;
            if let Some(protocol) = protocol {
                p.extensions
                    .insert(h2::ext::Protocol::from_static(protocol));
            }
            check(&p).map(|req| (req.key, req.origin))
        };
        let origin = Some(HeaderValue::from_static("https://example.com"));
        assert_eq!(
            h2("CONNECT", Some("websocket"), Some("13")),
            Ok((None, origin))
        );
        assert!(h2("CONNECT", Some("WebSocket"), Some("13")).is_ok());
        let cases = [
            (
                "CONNECT",
                Some("websocket"),
                None,
                WebSocketRejection::UnsupportedVersionOverHttp2(String::new()),
            ),
            (
                "CONNECT",
                Some("websocket"),
                Some("8"),
                WebSocketRejection::UnsupportedVersionOverHttp2("8".into()),
            ),
            (
                "CONNECT",
                Some("webtransport"),
                Some("13"),
                WebSocketRejection::NotGet,
            ),
            ("CONNECT", None, Some("13"), WebSocketRejection::NotGet),
            ("POST", None, Some("13"), WebSocketRejection::NotGet),
            ("GET", None, Some("13"), WebSocketRejection::NotUpgradable),
        ];
        for (method, protocol, version, expected) in cases {
            assert_eq!(
                h2(method, protocol, version).err(),
                Some(expected),
                "{method} {protocol:?} {version:?}"
            );
        }
    }

    #[test]
    fn a_wrong_version_is_told_the_right_one() {
        let h1 = WebSocketRejection::UnsupportedVersion("8".into()).into_response();
        assert_eq!(h1.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(h1.headers()["sec-websocket-version"], "13");
        // RFC 9110 §15.5.22: a 426 carries `Upgrade`.
        assert_eq!(h1.headers()["upgrade"], "websocket");
        let h2 = WebSocketRejection::UnsupportedVersionOverHttp2("8".into()).into_response();
        assert_eq!(h2.status(), StatusCode::BAD_REQUEST);
        assert_eq!(h2.headers()["sec-websocket-version"], "13");
        assert!(!h2.headers().contains_key("upgrade"));
    }

    #[test]
    fn over_http2_a_200_accepts_without_upgrade_fields() {
        let res = accept(None, Some("chat"));
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["sec-websocket-protocol"], "chat");
        for absent in ["upgrade", "connection", "sec-websocket-accept"] {
            assert!(!res.headers().contains_key(absent), "{absent}");
        }
    }

    #[test]
    fn the_accept_key_and_protocol_of_rfc_6455() {
        // RFC 6455 §1.3's worked example.
        let key = HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ==");
        let res = accept(Some(&key), Some("chat"));
        assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert_eq!(
            res.headers()["sec-websocket-accept"],
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(res.headers()["sec-websocket-protocol"], "chat");
        assert_eq!(res.headers()["upgrade"], "websocket");
    }

    #[test]
    fn offered_protocols_are_read_in_order() {
        let mut headers = GOOD.to_vec();
        headers.push(("sec-websocket-protocol", "v2.chat, v1.chat"));
        headers.push(("sec-websocket-protocol", "superchat"));
        let mut p = parts("GET", &headers);
        p.version = Version::HTTP_11;
        let req = check(&p).unwrap();
        assert_eq!(req.protocols, ["v2.chat", "v1.chat", "superchat"]);
    }
}
