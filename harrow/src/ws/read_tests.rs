//! The frame reader against hand-made client frames: every framing rule,
//! headers split at every byte, fragments, UTF-8 across fragments, close
//! payloads, unmasking at every alignment, payloads taken without copying.

use super::*;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const LIMIT: usize = 1 << 20;

/// How a frame's length is written.
#[derive(Clone, Copy)]
enum Len {
    /// The shortest form.
    Short,
    /// The 64-bit form, whatever the length.
    Wide,
}

/// A client frame: `fin`, `rsv` (the three bits, shifted in place by the
/// caller: 0x40, 0x20, 0x10), masked with [`MASK`] unless `masked` is off.
fn raw(fin: bool, rsv: u8, opcode: u8, payload: &[u8], masked: bool, len: Len) -> Vec<u8> {
    let mut out = vec![u8::from(fin) << 7 | rsv | opcode];
    let bit = if masked { 0x80 } else { 0 };
    let n = payload.len();
    match len {
        Len::Short if n < 126 => out.push(bit | n as u8),
        Len::Short if n <= 0xffff => {
            out.push(bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&MASK);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// A masked client frame, the length in its shortest form.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    raw(fin, 0, opcode, payload, true, Len::Short)
}

fn reader() -> FrameReader {
    FrameReader::new(LIMIT, LIMIT)
}

/// Appends `bytes` to `buf` as a read would, and parses what is whole.
fn feed(
    reader: &mut FrameReader,
    buf: &mut Vec<u8>,
    bytes: &[u8],
) -> Result<Vec<Incoming>, Broken> {
    buf.extend_from_slice(bytes);
    let mut at = 0;
    let mut out = Vec::new();
    while let Some(incoming) = reader.next(buf, &mut at)? {
        out.push(incoming);
    }
    reader.consumed(buf, at);
    Ok(out)
}

/// Everything `bytes` amount to, read at once.
fn read_all(bytes: &[u8]) -> Result<Vec<Incoming>, Broken> {
    feed(&mut reader(), &mut Vec::new(), bytes)
}

fn text(s: &str) -> Incoming {
    Incoming::Text(Text::from(s))
}

fn binary(b: &[u8]) -> Incoming {
    Incoming::Binary(Bytes::copy_from_slice(b))
}

fn protocol(bytes: &[u8]) -> bool {
    matches!(read_all(bytes), Err(Broken::Protocol(_)))
}

fn patterned(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn messages_of_every_length_form_come_out_unmasked() {
    for len in [0, 1, 125, 126, 127, 4096, 4097, 65535, 65536, 70_000] {
        let payload = patterned(len);
        assert_eq!(
            read_all(&frame(true, OPCODE_BINARY, &payload)).unwrap(),
            [binary(&payload)],
            "{len} bytes"
        );
        // A longer form than needed is still read.
        assert_eq!(
            read_all(&raw(true, 0, OPCODE_BINARY, &payload, true, Len::Wide)).unwrap(),
            [binary(&payload)],
            "{len} bytes, 64-bit length"
        );
        let text_payload = "ab€".repeat(len / 5 + 1);
        assert_eq!(
            read_all(&frame(true, OPCODE_TEXT, text_payload.as_bytes())).unwrap(),
            [text(&text_payload)]
        );
    }
}

#[test]
fn frames_tungstenite_encodes_for_a_client_read_the_same() {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    for len in [0, 3, 126, 5000, 70_000] {
        let payload = patterned(len);
        let mut f = Frame::message(payload.clone(), OpCode::Data(Data::Binary), true);
        f.header_mut().mask = Some([0x9c, 0x01, 0x5a, 0xe7]);
        let mut bytes = Vec::new();
        f.format(&mut bytes).unwrap();
        assert_eq!(read_all(&bytes).unwrap(), [binary(&payload)], "{len} bytes");
    }
}

#[test]
fn a_header_split_at_every_byte_is_read_when_whole() {
    for len in [5, 300, 70_000] {
        for form in [Len::Short, Len::Wide] {
            let payload = patterned(len);
            let bytes = raw(true, 0, OPCODE_BINARY, &payload, true, form);
            let header = bytes.len() - len;
            for split in 0..=header + 1 {
                let mut r = reader();
                let mut buf = Vec::new();
                assert!(
                    feed(&mut r, &mut buf, &bytes[..split]).unwrap().is_empty(),
                    "nothing before the frame is whole ({len} bytes, split at {split})"
                );
                assert_eq!(buf, bytes[..split], "the start is kept");
                assert_eq!(
                    feed(&mut r, &mut buf, &bytes[split..]).unwrap(),
                    [binary(&payload)],
                    "{len} bytes, split at {split}"
                );
                assert!(buf.is_empty());
            }
        }
    }
}

#[test]
fn a_stream_of_frames_read_one_byte_at_a_time() {
    let stream = [
        frame(true, OPCODE_TEXT, b"hello"),
        frame(false, OPCODE_BINARY, &[1, 2, 3]),
        frame(true, OPCODE_PING, b"p"),
        frame(true, OPCODE_CONTINUATION, &patterned(300)),
        frame(true, OPCODE_PONG, b""),
        frame(true, OPCODE_CLOSE, &[0x03, 0xe8]),
    ]
    .concat();
    let mut r = reader();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for byte in &stream {
        out.extend(feed(&mut r, &mut buf, std::slice::from_ref(byte)).unwrap());
    }
    let joined = [vec![1, 2, 3], patterned(300)].concat();
    assert_eq!(
        out,
        [
            text("hello"),
            Incoming::Ping(Bytes::from_static(b"p")),
            binary(&joined),
            Incoming::Pong,
            Incoming::Close(Some(CloseFrame::new(1000, ""))),
        ]
    );
}

#[test]
fn unmasking_is_right_at_every_alignment_of_the_payload() {
    for offset in 0..16 {
        for len in 0..48 {
            // A ping of `offset` bytes moves the data frame's payload along.
            let payload = patterned(len);
            let bytes = [
                frame(true, OPCODE_PING, &vec![9; offset]),
                frame(true, OPCODE_BINARY, &payload),
            ]
            .concat();
            let out = read_all(&bytes).unwrap();
            assert_eq!(out[1], binary(&payload), "offset {offset}, {len} bytes");
        }
    }
}

#[test]
fn fragments_join_with_control_frames_between_them() {
    let bytes = [
        frame(false, OPCODE_TEXT, b"Hel"),
        frame(true, OPCODE_PING, b"there?"),
        frame(false, OPCODE_CONTINUATION, b""),
        frame(true, OPCODE_CONTINUATION, b"lo"),
        frame(false, OPCODE_BINARY, &[1]),
        frame(true, OPCODE_CONTINUATION, &[2]),
    ]
    .concat();
    assert_eq!(
        read_all(&bytes).unwrap(),
        [
            Incoming::Ping(Bytes::from_static(b"there?")),
            text("Hello"),
            binary(&[1, 2]),
        ]
    );
}

#[test]
fn text_split_inside_a_code_point_is_valid() {
    let s = "a€b𝄞c";
    for cut in 1..s.len() {
        let bytes = [
            frame(false, OPCODE_TEXT, &s.as_bytes()[..cut]),
            frame(true, OPCODE_CONTINUATION, &s.as_bytes()[cut..]),
        ]
        .concat();
        assert_eq!(read_all(&bytes).unwrap(), [text(s)], "cut at {cut}");
    }
    // One code point over three fragments.
    let bytes = [
        frame(false, OPCODE_TEXT, &[0xf0]),
        frame(false, OPCODE_CONTINUATION, &[0x9d, 0x84]),
        frame(true, OPCODE_CONTINUATION, &[0x9e]),
    ]
    .concat();
    assert_eq!(read_all(&bytes).unwrap(), [text("𝄞")]);
}

#[test]
fn text_that_is_not_utf8_fails_with_1007_as_soon_as_it_is_known() {
    let invalid = Err(Broken::InvalidUtf8);
    assert_eq!(read_all(&frame(true, OPCODE_TEXT, &[0xc3, 0x28])), invalid);
    assert_eq!(read_all(&frame(true, OPCODE_TEXT, &[0xe2, 0x82])), invalid);
    // The first fragment is already wrong: no need to wait for the rest.
    assert_eq!(read_all(&frame(false, OPCODE_TEXT, &[b'a', 0xff])), invalid);
    // A fragment's unfinished code point that the next one does not finish.
    let bytes = [
        frame(false, OPCODE_TEXT, &[0xe2, 0x82]),
        frame(true, OPCODE_CONTINUATION, &[0x28]),
    ]
    .concat();
    assert_eq!(read_all(&bytes), invalid);
    // The last fragment ends inside a code point.
    let bytes = [
        frame(false, OPCODE_TEXT, b"ok"),
        frame(true, OPCODE_CONTINUATION, &[0xe2]),
    ]
    .concat();
    assert_eq!(read_all(&bytes), invalid);
    // Binary is not checked.
    assert_eq!(
        read_all(&frame(true, OPCODE_BINARY, &[0xff])).unwrap(),
        [binary(&[0xff])]
    );
}

#[test]
fn every_framing_rule_fails_with_1002() {
    // §5.1: unmasked.
    assert!(protocol(&raw(
        true,
        0,
        OPCODE_TEXT,
        b"hi",
        false,
        Len::Short
    )));
    // §5.2: each reserved bit.
    for rsv in [0x40, 0x20, 0x10] {
        assert!(protocol(&raw(
            true,
            rsv,
            OPCODE_TEXT,
            b"hi",
            true,
            Len::Short
        )));
    }
    // §5.2: reserved opcodes, data and control.
    for opcode in (0x3..=0x7).chain(0xb..=0xf) {
        assert!(protocol(&frame(true, opcode, b"?")), "opcode {opcode:#x}");
    }
    // §5.5: control frames over 125 bytes, in any length form, or
    // fragmented.
    for opcode in [OPCODE_PING, OPCODE_PONG, OPCODE_CLOSE] {
        assert!(protocol(&frame(true, opcode, &[0; 126])));
        assert!(protocol(&raw(true, 0, opcode, &[0; 5], true, Len::Wide)));
        assert!(protocol(&frame(false, opcode, b"")));
    }
    assert!(read_all(&frame(true, OPCODE_PING, &[0; 125])).is_ok());
    // §5.2: a 64-bit length with its top bit set.
    let mut top = vec![0x82, 0x80 | 127];
    top.extend_from_slice(&(1u64 << 63 | 5).to_be_bytes());
    assert!(protocol(&top));
    // §5.4: a continuation with nothing to continue, a new message inside
    // a fragmented one.
    assert!(protocol(&frame(true, OPCODE_CONTINUATION, b"x")));
    assert!(protocol(&frame(false, OPCODE_CONTINUATION, b"x")));
    for opcode in [OPCODE_TEXT, OPCODE_BINARY] {
        let bytes = [frame(false, OPCODE_TEXT, b"a"), frame(true, opcode, b"b")].concat();
        assert!(protocol(&bytes));
    }
    // A continuation after a finished message.
    let bytes = [
        frame(false, OPCODE_BINARY, b"a"),
        frame(true, OPCODE_CONTINUATION, b"b"),
        frame(true, OPCODE_CONTINUATION, b"c"),
    ]
    .concat();
    assert!(protocol(&bytes));
}

#[test]
fn rules_are_checked_before_the_payload_arrives() {
    // Two bytes say it all: no need to wait for the frame.
    assert!(matches!(
        read_all(&[0x81, 0x05]),
        Err(Broken::Protocol("unmasked client frame"))
    ));
    assert!(matches!(
        read_all(&[0x09, 0x80]),
        Err(Broken::Protocol("fragmented control frame"))
    ));
}

#[test]
fn frames_and_messages_over_the_limits_fail_with_1009() {
    let mut r = FrameReader::new(100, 60);
    let mut buf = Vec::new();
    // Only the header: the limit is checked before the payload is waited
    // for, and no room is made for it.
    let header = &frame(true, OPCODE_BINARY, &[0; 61])[..6];
    assert!(matches!(
        feed(&mut r, &mut buf, header),
        Err(Broken::TooBig(_))
    ));
    let mut r = FrameReader::new(100, 60);
    assert_eq!(
        feed(
            &mut r,
            &mut Vec::new(),
            &frame(true, OPCODE_BINARY, &[0; 60])
        )
        .unwrap(),
        [binary(&[0; 60])]
    );
    // Fragments each under the frame limit, together over the message one.
    let bytes = [
        frame(false, OPCODE_TEXT, &[b'a'; 50]),
        frame(false, OPCODE_CONTINUATION, &[b'a'; 50]),
        frame(true, OPCODE_CONTINUATION, &[b'a'; 1]),
    ]
    .concat();
    let mut r = FrameReader::new(100, 60);
    assert!(matches!(
        feed(&mut r, &mut Vec::new(), &bytes),
        Err(Broken::TooBig(_))
    ));
    // Exactly at the limit is fine.
    let mut r = FrameReader::new(100, 60);
    let out = feed(&mut r, &mut Vec::new(), &bytes[..bytes.len() - 7]);
    assert!(out.unwrap().is_empty());
    let last = frame(true, OPCODE_CONTINUATION, b"");
    let mut r2 = FrameReader::new(100, 60);
    let mut buf = Vec::new();
    feed(&mut r2, &mut buf, &bytes[..bytes.len() - 7]).unwrap();
    assert_eq!(
        feed(&mut r2, &mut buf, &last).unwrap(),
        [text(&"a".repeat(100))]
    );
    // A 64-bit length past what the limit (or memory) allows.
    let mut huge = vec![0x82, 0x80 | 127];
    huge.extend_from_slice(&(u64::MAX >> 1).to_be_bytes());
    huge.extend_from_slice(&MASK);
    assert!(matches!(read_all(&huge), Err(Broken::TooBig(_))));
    // With no limit at all, the same header is a frame still arriving:
    // counting the bytes it wants does not overflow.
    let mut unlimited = FrameReader::new(usize::MAX, usize::MAX);
    assert!(
        feed(&mut unlimited, &mut Vec::new(), &huge)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn closing_payloads_are_checked() {
    let close = |payload: &[u8]| read_all(&frame(true, OPCODE_CLOSE, payload));
    assert_eq!(close(b"").unwrap(), [Incoming::Close(None)]);
    assert!(matches!(close(&[0x03]), Err(Broken::Protocol(_))));
    let with = |code: u16, reason: &[u8]| [&code.to_be_bytes()[..], reason].concat();
    assert_eq!(
        close(&with(1000, b"bye")).unwrap(),
        [Incoming::Close(Some(CloseFrame::new(1000, "bye")))]
    );
    for code in [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
        4999,
    ] {
        assert_eq!(
            close(&with(code, b"")).unwrap(),
            [Incoming::Close(Some(CloseFrame::new(code, "")))],
            "{code}"
        );
    }
    let violation = Incoming::Close(Some(CloseFrame::new(1002, "Protocol violation")));
    for code in [
        0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        assert_eq!(
            close(&with(code, b"")).unwrap(),
            [violation.clone_close()],
            "{code}"
        );
    }
    assert_eq!(close(&with(1000, &[0xff])), Err(Broken::InvalidUtf8));
    assert_eq!(close(&with(1000, &[0xe2, 0x82])), Err(Broken::InvalidUtf8));
}

impl Incoming {
    fn clone_close(&self) -> Incoming {
        match self {
            Incoming::Close(frame) => Incoming::Close(frame.clone()),
            _ => unreachable!(),
        }
    }
}

#[test]
fn a_large_payload_is_the_read_buffer_itself() {
    let payload = patterned(COPY_MAX + 1);
    let bytes = [
        frame(true, OPCODE_BINARY, &payload),
        frame(true, OPCODE_TEXT, b"next"),
    ]
    .concat();
    let mut buf = bytes.clone();
    let start = buf.as_ptr() as usize;
    let mut r = reader();
    let mut at = 0;
    let Some(Incoming::Binary(got)) = r.next(&mut buf, &mut at).unwrap() else {
        panic!("expected the binary message");
    };
    assert_eq!(got[..], payload[..]);
    // Two bytes, a 16-bit length, the mask: the payload starts at 8.
    assert_eq!(got.as_ptr() as usize, start + 8, "not copied");
    // The frame after it moved to a fresh buffer, from its start.
    assert_eq!(at, 0);
    assert_eq!(buf, frame(true, OPCODE_TEXT, b"next"));
    assert_eq!(r.next(&mut buf, &mut at).unwrap(), Some(text("next")));
}

#[test]
fn a_small_payload_is_copied_and_the_buffer_kept() {
    let mut buf = frame(true, OPCODE_BINARY, &[7; 10]);
    buf.reserve(100);
    let start = buf.as_ptr();
    let mut r = reader();
    let mut at = 0;
    assert_eq!(r.next(&mut buf, &mut at).unwrap(), Some(binary(&[7; 10])));
    assert_eq!(buf.as_ptr(), start);
    r.consumed(&mut buf, at);
    assert!(buf.is_empty());
    assert_eq!(buf.as_ptr(), start);
}

#[test]
fn room_is_made_for_the_rest_of_a_frame_begun() {
    let payload = patterned(70_000);
    let bytes = frame(true, OPCODE_BINARY, &payload);
    let mut r = reader();
    let mut buf = Vec::with_capacity(2048);
    let first = [frame(true, OPCODE_TEXT, b"x").as_slice(), &bytes[..2000]].concat();
    assert_eq!(feed(&mut r, &mut buf, &first).unwrap(), [text("x")]);
    assert_eq!(buf, bytes[..2000]);
    // A step's worth of room at once; the rest as more arrives.
    assert!(buf.capacity() >= 2000 + GROW_STEP, "{}", buf.capacity());
    assert_eq!(feed(&mut r, &mut buf, &bytes[2000..60_000]).unwrap(), []);
    assert!(buf.capacity() >= bytes.len(), "{}", buf.capacity());
    assert_eq!(
        feed(&mut r, &mut buf, &bytes[60_000..]).unwrap(),
        [binary(&payload)]
    );
}

#[test]
fn a_header_alone_does_not_reserve_the_frame_it_declares() {
    // A 2 MiB frame declared by its 14-byte header, no payload yet.
    let mut r = FrameReader::new(4 << 20, 4 << 20);
    let bytes = frame(true, OPCODE_BINARY, &vec![0; 2 << 20]);
    let mut buf = Vec::new();
    assert_eq!(feed(&mut r, &mut buf, &bytes[..14]).unwrap(), []);
    assert!(buf.capacity() <= 14 + GROW_STEP, "{}", buf.capacity());
    // It grows with what arrives, at most doubling it.
    assert_eq!(feed(&mut r, &mut buf, &bytes[14..200_000]).unwrap(), []);
    assert!(buf.capacity() <= 2 * 200_000 + 1, "{}", buf.capacity());
}

#[test]
fn a_payload_filling_less_than_half_the_buffer_is_copied() {
    let payload = patterned(5000);
    let mut buf = frame(true, OPCODE_BINARY, &payload);
    buf.reserve(64 * 1024);
    let start = buf.as_ptr();
    let mut r = reader();
    let mut at = 0;
    let got = match r.next(&mut buf, &mut at).unwrap() {
        Some(Incoming::Binary(bytes)) => bytes,
        other => panic!("{other:?}"),
    };
    assert_eq!(got[..], payload[..]);
    // The 64 KiB buffer stays with the socket; the message has its own.
    assert_eq!(buf.as_ptr(), start);
    assert_eq!(got.len(), 5000);
}

/// RFC 7692 §6: with permessage-deflate agreed, RSV1 marks a compressed
/// message on its first frame, whose fragments are joined untouched (no
/// UTF-8 check before inflating); anywhere else it, RSV2 and RSV3 still
/// fail with 1002.
#[cfg(feature = "ws-deflate")]
#[test]
fn rsv1_marks_a_compressed_message_once_compression_is_agreed() {
    let read = |bytes: &[u8]| {
        let mut reader = FrameReader::new(LIMIT, LIMIT).with_compression();
        feed(&mut reader, &mut Vec::new(), bytes)
    };
    // Not UTF-8 as it stands: compressed text is checked once inflated.
    let whole = raw(
        true,
        0x40,
        OPCODE_TEXT,
        &[0xf2, 0x48, 0xcd],
        true,
        Len::Short,
    );
    let at = whole.len() - 3;
    assert_eq!(
        read(&whole).unwrap(),
        [Incoming::CompressedFrame {
            text: true,
            range: at..at + 3,
        }]
    );
    let fragmented = [
        raw(false, 0x40, OPCODE_BINARY, &[1, 2], true, Len::Short),
        frame(true, OPCODE_PING, b"p"),
        frame(false, OPCODE_CONTINUATION, &[3]),
        frame(true, OPCODE_CONTINUATION, &[0xff]),
    ]
    .concat();
    assert_eq!(
        read(&fragmented).unwrap(),
        [
            Incoming::Ping(Bytes::from_static(b"p")),
            Incoming::Compressed {
                text: false,
                payload: Bytes::from_static(&[1, 2, 3, 0xff]),
            },
        ]
    );
    let broken = [
        // On a continuation.
        [
            frame(false, OPCODE_TEXT, b"a"),
            raw(true, 0x40, OPCODE_CONTINUATION, b"b", true, Len::Short),
        ]
        .concat(),
        // On control frames.
        raw(true, 0x40, OPCODE_PING, b"", true, Len::Short),
        raw(true, 0x40, OPCODE_CLOSE, b"", true, Len::Short),
        // The other reserved bits are still no one's.
        raw(true, 0x20, OPCODE_TEXT, b"a", true, Len::Short),
        raw(true, 0x50, OPCODE_TEXT, b"a", true, Len::Short),
    ];
    for bytes in broken {
        assert!(
            matches!(read(&bytes), Err(Broken::Protocol(_))),
            "{bytes:x?}"
        );
    }
    // Without the agreement RSV1 is refused as before.
    assert!(protocol(&whole));
}
