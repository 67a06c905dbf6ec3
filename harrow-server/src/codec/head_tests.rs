use super::*;

fn parse(input: &str) -> Result<Status<Head>, H1Error> {
    parse_head(input.as_bytes(), &Limits::default())
}

fn complete(input: &str) -> Head {
    match parse(input) {
        Ok(Status::Complete(h)) => h,
        other => panic!("expected a complete head for {input:?}, got {other:?}"),
    }
}

fn rejected(input: &str) -> H1Error {
    match parse(input) {
        Err(e) => e,
        other => panic!("expected an error for {input:?}, got {other:?}"),
    }
}

#[test]
fn framing_table() {
    let cases: &[(&str, BodyKind)] = &[
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", BodyKind::Empty),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            BodyKind::Empty,
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n",
            BodyKind::Length(12),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n",
            BodyKind::Length(7),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n",
            BodyKind::Length(7),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            BodyKind::Chunked,
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n",
            BodyKind::Chunked,
        ),
        (
            "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n",
            BodyKind::Length(3),
        ),
    ];
    for (input, want) in cases {
        assert_eq!(complete(input).body, *want, "{input:?}");
    }
}

#[test]
fn smuggling_vectors_are_refused() {
    let cases: &[(&str, H1Error)] = &[
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            H1Error::BadRequest("both Transfer-Encoding and Content-Length present"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            H1Error::BadRequest("both Transfer-Encoding and Content-Length present"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            H1Error::BadRequest("conflicting Content-Length headers"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n",
            H1Error::BadRequest("conflicting Content-Length headers"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n",
            H1Error::BadRequest("invalid Content-Length"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\n",
            H1Error::BadRequest("invalid Content-Length"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3 3\r\n\r\n",
            H1Error::BadRequest("invalid Content-Length"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
            H1Error::BadRequest("invalid Content-Length"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
            H1Error::BadRequest("chunked is not the final transfer coding"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            H1Error::BadRequest("chunked is not the final transfer coding"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            H1Error::BadRequest("chunked is not the final transfer coding"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
            H1Error::BadRequest("chunked is not the final transfer coding"),
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            H1Error::UnsupportedTransferCoding,
        ),
        (
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            H1Error::BadRequest("Transfer-Encoding in an HTTP/1.0 request"),
        ),
        // obs-fold (RFC 9112 §5.2).
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
            H1Error::BadRequest("invalid header name"),
        ),
        // Whitespace between the field name and the colon (RFC 9112 §5.1).
        (
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\n",
            H1Error::BadRequest("invalid header name"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A\0: b\r\n\r\n",
            H1Error::BadRequest("invalid header name"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n",
            H1Error::BadRequest("invalid header value"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n",
            H1Error::BadRequest("invalid header value"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n",
            H1Error::BadRequest("invalid header name"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\n\r\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "GET / HTTP/1.1\nHost: a\r\n\r\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\n\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "GET / HTTP/1.0\n\n",
            H1Error::BadRequest("bare LF in request head"),
        ),
        (
            "GET / HTTP/1.1\r\n\r\n",
            H1Error::BadRequest("missing Host header"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            H1Error::BadRequest("more than one Host header"),
        ),
        (
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET nope HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request target"),
        ),
        (
            "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request target"),
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
            H1Error::ExpectationFailed,
        ),
    ];
    for (input, want) in cases {
        assert_eq!(rejected(input), *want, "{input:?}");
    }
}

/// Issue 11: RFC 9112 §3.2 answers an invalid Host value with 400; RFC
/// 3986 §3.2.2 says what a valid one is.
#[test]
fn host_values_table() {
    let valid = [
        "example.com",
        "example.com:8080",
        "127.0.0.1:3000",
        "[::1]",
        "[::1]:443",
        "[2001:db8::7]:80",
        "[v1.fe80::a+en1]",
        // RFC 3986 §3.2.3: `port = *DIGIT`, so the digits may be absent.
        "example.com:",
        "ex%41mple.com",
        "a-b_c~d.e",
        "sub!$&'()*+,;=delims",
        "",
        "  padded.example  ",
    ];
    for host in valid {
        let input = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert!(
            matches!(parse(&input), Ok(Status::Complete(_))),
            "{host:?} is a valid Host"
        );
    }
    let invalid = [
        "exa mple.com",
        "a/b@c",
        "user@example.com",
        "example.com:80:90",
        "example.com:http",
        "[::1",
        "[::1]x",
        "[not-an-address]",
        "[v1.]",
        "ex%4mple.com",
        "ex%zzmple.com",
        "a\\b",
        "a?b",
        "a#b",
        "ex\"ample",
    ];
    for host in invalid {
        let input = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(
            rejected(&input),
            H1Error::BadRequest("invalid Host header"),
            "{host:?} is not a valid Host"
        );
    }
    // HTTP/1.0 needs no Host, but one it sends must be valid too.
    assert_eq!(
        rejected("GET / HTTP/1.0\r\nHost: a b\r\n\r\n"),
        H1Error::BadRequest("invalid Host header")
    );
}

/// Issue 11: 505 only for a well-formed version other than HTTP/1.x; any
/// other fault of the request line is 400; HTTP/1.2 and up read as 1.1.
#[test]
fn request_line_versions_table() {
    let cases: &[(&str, H1Error)] = &[
        (
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            H1Error::VersionNotSupported,
        ),
        (
            "GET / HTTP/0.9\r\nHost: a\r\n\r\n",
            H1Error::VersionNotSupported,
        ),
        (
            "GET / HTTP/3.0\r\nHost: a\r\n\r\n",
            H1Error::VersionNotSupported,
        ),
        (
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            H1Error::VersionNotSupported,
        ),
        (
            "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "xyz GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET / http/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET / HTTP/1.1x\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET / HTTP/11\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET / HTTP/1.10\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET / FTP/1.1\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
        (
            "GET /a b\r\nHost: a\r\n\r\n",
            H1Error::BadRequest("invalid request line"),
        ),
    ];
    for (input, want) in cases {
        assert_eq!(rejected(input).status(), want.status(), "{input:?}");
    }
    let h = complete("GET /x HTTP/1.2\r\nHost: a\r\nX-A: b\r\n\r\n");
    assert_eq!((h.version, h.uri.path()), (Version::HTTP_11, "/x"));
    assert_eq!(h.headers["x-a"], "b");
    // A version still arriving waits for its last bytes.
    for cut in ["GET / HTTP/2", "GET / HTTP/2.", "GET / HTTP/2.0\r"] {
        assert!(matches!(parse(cut), Ok(Status::Partial)), "{cut:?}");
    }
    assert_eq!(
        rejected("GET / HTTPX"),
        H1Error::BadRequest("invalid request line")
    );
}

#[test]
fn partial_until_the_empty_line() {
    let full = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n";
    for cut in 0..full.len() {
        assert!(
            matches!(parse(&full[..cut]), Ok(Status::Partial)),
            "cut at {cut}"
        );
    }
    assert_eq!(complete(full).len, full.len());
}

#[test]
fn keep_alive_rules() {
    let cases: &[(&str, bool)] = &[
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            false,
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n",
            false,
        ),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
    ];
    for (input, want) in cases {
        assert_eq!(complete(input).keep_alive, *want, "{input:?}");
    }
}

#[test]
fn targets_and_fields() {
    let h = complete("GET http://example.com/a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(h.uri.path(), "/a");
    assert_eq!(h.uri.query(), Some("b=1"));
    assert_eq!(h.uri.host(), Some("example.com"));
    let h = complete("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(h.uri, "*");
    let h = complete(
        "\r\nGET /p HTTP/1.1\r\nHost: a\r\nX-Multi: 1\r\nx-multi: 2\r\nExpect: 100-continue\r\n\r\n",
    );
    assert_eq!(h.uri.path(), "/p");
    assert!(h.expect_continue);
    let all: Vec<_> = h.headers.get_all("x-multi").iter().collect();
    assert_eq!(all, ["1", "2"]);
}

#[test]
fn size_limits() {
    let limits = Limits {
        max_head: 256,
        max_headers: 4,
        max_uri: 64,
    };
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(100));
    assert_eq!(
        parse_head(long_target.as_bytes(), &limits).unwrap_err(),
        H1Error::UriTooLong
    );
    // A long target still arriving is refused before the line ends.
    let unfinished = format!("GET /{}", "a".repeat(200));
    assert_eq!(
        parse_head(unfinished.as_bytes(), &limits).unwrap_err(),
        H1Error::UriTooLong
    );
    let many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n";
    assert_eq!(
        parse_head(many.as_bytes(), &limits).unwrap_err(),
        H1Error::HeadTooLarge
    );
    let big = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n", "v".repeat(300));
    assert_eq!(
        parse_head(big.as_bytes(), &limits).unwrap_err(),
        H1Error::HeadTooLarge
    );
}

#[test]
fn shared_parse_matches_the_copying_one_and_borrows_the_batch() {
    let batch = Bytes::from_static(
        b"GET /a?x=1 HTTP/1.1\r\nHost: one\r\n\r\nPOST /b HTTP/1.1\r\nHost: two\r\nContent-Length: 0\r\n\r\n",
    );
    let mut rest = batch.clone();
    for (path, host) in [("/a?x=1", "one"), ("/b", "two")] {
        let copied = match parse_head(&rest, &Limits::default()) {
            Ok(Status::Complete(h)) => h,
            other => panic!("expected a head, got {other:?}"),
        };
        let shared = match parse_head_shared(&rest, &Limits::default()) {
            Ok(Status::Complete(h)) => h,
            other => panic!("expected a head, got {other:?}"),
        };
        assert_eq!(shared.uri, path);
        assert_eq!(shared.headers["host"], host);
        assert_eq!(
            (&shared.method, &shared.uri, shared.len, shared.body),
            (&copied.method, &copied.uri, copied.len, copied.body)
        );
        assert_eq!(shared.headers, copied.headers);
        // The value points into the batch itself: nothing was copied.
        let value = shared.headers["host"].as_bytes().as_ptr() as usize;
        let range = batch.as_ptr() as usize..batch.as_ptr() as usize + batch.len();
        assert!(range.contains(&value));
        rest = rest.slice(shared.len..);
    }
    assert!(rest.is_empty());
}

#[test]
fn an_upgrade_field_is_noted_whatever_its_case() {
    for (input, upgrade) in [
        (
            "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
            true,
        ),
        ("GET /ws HTTP/1.1\r\nHost: a\r\nuPgRaDe: h2c\r\n\r\n", true),
        (
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n",
            false,
        ),
        (
            "GET /ws HTTP/1.1\r\nHost: a\r\nX-Upgrade: no\r\n\r\n",
            false,
        ),
    ] {
        assert_eq!(complete(input).upgrade, upgrade, "{input:?}");
    }
}
