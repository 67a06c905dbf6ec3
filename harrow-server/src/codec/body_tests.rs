use super::*;

/// Decodes `input` fed in pieces of `step` bytes, as a socket might deliver it.
fn decode_in_steps(
    kind: BodyKind,
    input: &[u8],
    step: usize,
) -> Result<(Vec<u8>, Decoder), H1Error> {
    let mut d = Decoder::new(kind, 1 << 20)?;
    let mut out = BytesMut::new();
    let mut buf = Vec::new();
    for piece in input.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        let p = d.decode(&buf, &mut out)?;
        buf.drain(..p.consumed);
        if p.done {
            return Ok((out.to_vec(), d));
        }
    }
    Err(H1Error::BadRequest("incomplete"))
}

#[test]
fn chunked_bodies_decode_at_any_split() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"5;ext=1\r\nhello\r\n0;last\r\n\r\n", b"hello"),
        (
            b"5 ; name = \"q\\\"v\" ; other\r\nhello\r\n0\r\n\r\n",
            b"hello",
        ),
        (b"0\r\n\r\n", b""),
        (b"3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n", b"abc"),
    ];
    for (input, want) in cases {
        for step in 1..=input.len() {
            let (body, _) = decode_in_steps(BodyKind::Chunked, input, step).unwrap_or_else(|e| {
                panic!("{:?} step {step}: {e}", String::from_utf8_lossy(input))
            });
            assert_eq!(&body, want);
        }
    }
}

#[test]
fn trailers_are_parsed() {
    let (_, mut d) =
        decode_in_steps(BodyKind::Chunked, b"3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n", 4).unwrap();
    let t = d.take_trailers().unwrap();
    assert_eq!(t.0["x-sum"], "1");
}

#[test]
fn malformed_chunked_bodies_are_refused() {
    let cases: &[&[u8]] = &[
        b"g\r\nhello\r\n0\r\n\r\n",
        b"\r\nhello\r\n0\r\n\r\n",
        b"5\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n",
        b"5;\r\nhello\r\n0\r\n\r\n",
        b"5;a=\r\nhello\r\n0\r\n\r\n",
        b"5;a=\"open\r\nhello\r\n0\r\n\r\n",
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"+5\r\nhello\r\n0\r\n\r\n",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"11111111111111111\r\n",
        b"3\r\nabc\r\n0\r\nBad Name: 1\r\n\r\n",
    ];
    for input in cases {
        let got = decode_in_steps(BodyKind::Chunked, input, input.len());
        assert!(
            matches!(got, Err(H1Error::BadRequest(_))),
            "{:?} gave {got:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn limits_apply_to_both_framings() {
    assert_eq!(
        Decoder::new(BodyKind::Length(11), 10).unwrap_err(),
        H1Error::BodyTooLarge
    );
    let mut d = Decoder::new(BodyKind::Chunked, 4).unwrap();
    let err = d
        .decode(b"5\r\nhello\r\n0\r\n\r\n", &mut BytesMut::new())
        .unwrap_err();
    assert_eq!(err, H1Error::BodyTooLarge);
}

#[test]
fn content_length_stops_at_the_length() {
    let mut d = Decoder::new(BodyKind::Length(3), 10).unwrap();
    let mut out = BytesMut::new();
    let p = d.decode(b"abcGET / HTTP/1.1", &mut out).unwrap();
    assert_eq!(
        p,
        Progress {
            consumed: 3,
            done: true
        }
    );
    assert_eq!(&out[..], b"abc");
}
