// Property tests for the sans-IO HTTP/1.1 codec: arbitrary bytes never
// panic it, a valid request parses the same however it is split into reads,
// and parsing from a shared copy gives what copying each head does.

use super::{BodyKind, Decoder, Head, Limits, Status, parse_head, parse_head_shared};
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

/// What one parse of a whole request produced.
#[derive(Debug, PartialEq)]
struct Parsed {
    method: String,
    uri: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    keep_alive: bool,
}

fn summary(head: &Head, body: Vec<u8>) -> Parsed {
    Parsed {
        method: head.method.to_string(),
        uri: head.uri.to_string(),
        headers: head
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
        body,
        keep_alive: head.keep_alive,
    }
}

/// Feeds `input` to the codec in the pieces given by `cuts`, as a socket
/// would deliver it, and returns every request parsed.
fn parse_in_pieces(input: &[u8], cuts: &[usize]) -> Result<Vec<Parsed>, String> {
    let limits = Limits::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let mut pending: Option<(Head, Decoder, BytesMut)> = None;
    let mut last = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.push(input.len());
    points.sort_unstable();
    for p in points {
        buf.extend_from_slice(&input[last..p]);
        last = p;
        loop {
            if let Some((head, mut dec, mut body)) = pending.take() {
                let progress = dec.decode(&buf, &mut body).map_err(|e| e.to_string())?;
                buf.drain(..progress.consumed);
                if progress.done {
                    out.push(summary(&head, body.to_vec()));
                    continue;
                }
                pending = Some((head, dec, body));
                break;
            }
            if buf.is_empty() {
                break;
            }
            match parse_head(&buf, &limits).map_err(|e| e.to_string())? {
                Status::Complete(head) => {
                    buf.drain(..head.len);
                    let dec = Decoder::new(head.body, u64::MAX).map_err(|e| e.to_string())?;
                    pending = Some((head, dec, BytesMut::new()));
                }
                Status::Partial => break,
            }
        }
    }
    Ok(out)
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn value() -> impl Strategy<Value = String> {
    "[ -~]{0,24}".prop_map(|v| v.trim().to_string())
}

prop_compose! {
    fn request()(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        path in "/[a-z0-9/._~%-]{0,30}",
        query in prop::option::of("[a-z0-9=&]{1,20}"),
        headers in prop::collection::vec((token(), value()), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..300),
        chunked in any::<bool>(),
        chunk_sizes in prop::collection::vec(1usize..64, 1..8),
    ) -> Vec<u8> {
        let mut r = format!("{method} {path}");
        if let Some(q) = query {
            r.push('?');
            r.push_str(&q);
        }
        r.push_str(" HTTP/1.1\r\nHost: example\r\n");
        for (n, v) in &headers {
            let lower = n.to_ascii_lowercase();
            if ["host", "content-length", "transfer-encoding", "expect", "connection"].contains(&lower.as_str()) {
                continue;
            }
            r.push_str(&format!("{n}: {v}\r\n"));
        }
        let mut bytes;
        if chunked {
            r.push_str("Transfer-Encoding: chunked\r\n\r\n");
            bytes = r.into_bytes();
            let mut rest = &body[..];
            let mut sizes = chunk_sizes.iter().cycle();
            while !rest.is_empty() {
                let n = (*sizes.next().unwrap()).min(rest.len());
                bytes.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                bytes.extend_from_slice(&rest[..n]);
                bytes.extend_from_slice(b"\r\n");
                rest = &rest[n..];
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
        } else {
            r.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            bytes = r.into_bytes();
            bytes.extend_from_slice(&body);
        }
        bytes
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_codec(input in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_head(&input, &Limits::default());
        for kind in [BodyKind::Chunked, BodyKind::Length(100)] {
            if let Ok(mut dec) = Decoder::new(kind, 1 << 20) {
                let _ = dec.decode(&input, &mut BytesMut::new());
            }
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_head_never_panic(tail in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        input.extend_from_slice(&tail);
        let _ = parse_in_pieces(&input, &[7, 60, 70]);
    }

    #[test]
    fn any_split_parses_the_same(
        requests in prop::collection::vec(request(), 1..4),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let input: Vec<u8> = requests.concat();
        let whole = parse_in_pieces(&input, &[]).expect("a generated request is valid");
        prop_assert_eq!(whole.len(), requests.len());
        let split = parse_in_pieces(&input, &cuts).expect("splitting changes nothing");
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn a_bare_lf_anywhere_in_a_head_is_refused(
        request in request(),
        bare in prop::collection::vec(any::<bool>(), 12),
        leading in prop::collection::vec(any::<bool>(), 0..3),
    ) {
        // Leading empty lines, then the head with some of its CRLFs cut to
        // LF: the head parses exactly when no line ends in LF alone.
        let end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let mut input = Vec::new();
        for &lf in &leading {
            input.extend_from_slice(if lf { b"\n" } else { b"\r\n" });
        }
        let mut line = 0;
        let mut i = 0;
        while i < end {
            if request[i] == b'\r' && request[i + 1] == b'\n' {
                if !bare.get(line).copied().unwrap_or(false) {
                    input.push(b'\r');
                }
                input.push(b'\n');
                line += 1;
                i += 2;
            } else {
                input.push(request[i]);
                i += 1;
            }
        }
        let has_bare = input.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || input[i - 1] != b'\r'));
        match parse_head(&input, &Limits::default()) {
            Ok(Status::Complete(head)) => {
                prop_assert!(!has_bare, "accepted a bare LF");
                prop_assert_eq!(head.len, input.len());
            }
            Err(e) => {
                prop_assert!(has_bare, "refused a clean head: {}", e);
                prop_assert_eq!(e.message(), "bare LF in request head");
            }
            Ok(Status::Partial) => prop_assert!(false, "a whole head is partial"),
        }
    }

    #[test]
    fn shared_and_copying_parses_agree(
        requests in prop::collection::vec(request(), 1..4),
        noise in prop::collection::vec(any::<u8>(), 0..64),
        cut in any::<usize>(),
    ) {
        // Valid requests, then bytes that may or may not make a head, cut
        // anywhere: both parsers must say the same thing at every head.
        let mut input: Vec<u8> = requests.concat();
        input.extend_from_slice(&noise);
        input.truncate(cut % (input.len() + 1));
        let shared = Bytes::from(input.clone());
        let limits = Limits::default();
        let mut at = 0;
        loop {
            let copied = parse_head(&input[at..], &limits);
            let borrowed = parse_head_shared(&shared.slice(at..), &limits);
            match (copied, borrowed) {
                (Ok(Status::Complete(a)), Ok(Status::Complete(b))) => {
                    prop_assert_eq!(summary(&a, Vec::new()), summary(&b, Vec::new()));
                    prop_assert_eq!((a.len, a.body), (b.len, b.body));
                    at += a.len;
                    // Skip the body; a chunked one ends the comparison.
                    match a.body {
                        BodyKind::Empty => {}
                        BodyKind::Length(n) if at + n as usize <= input.len() => at += n as usize,
                        _ => break,
                    }
                }
                (Ok(Status::Partial), Ok(Status::Partial)) => break,
                (Err(a), Err(b)) => {
                    prop_assert_eq!(a.to_string(), b.to_string());
                    break;
                }
                (a, b) => prop_assert!(false, "copying: {:?}, shared: {:?}", a, b),
            }
        }
    }
}
