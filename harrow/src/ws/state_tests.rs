//! The state's byte paths without a socket: the read buffer kept between
//! reads, data frames encoded beside the protocol's own answers, the
//! closing handshake.

use std::task::{Context, Poll, Waker};

use super::*;
use crate::ws::Settings;

/// A masked frame from a client, FIN set.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

fn output(state: &mut State) -> Vec<u8> {
    match state.poll_output(&mut cx(), &mut Vec::new()) {
        Poll::Ready(Some(Output::Copied(out))) => out,
        Poll::Ready(Some(Output::Parts(parts))) => parts.concat(),
        _ => Vec::new(),
    }
}

fn send(state: &mut State, message: Message) -> Result<(), WsError> {
    match state.poll_send(&mut cx(), &mut Some(message)) {
        Poll::Ready(res) => res,
        Poll::Pending => panic!("no room to send"),
    }
}

fn recv(state: &mut State) -> Option<Message> {
    match state.poll_recv(&mut cx()) {
        Poll::Ready(Some(Ok(message))) => Some(message),
        _ => None,
    }
}

#[test]
fn a_pong_goes_out_before_the_data_sent_after_the_ping() {
    let mut state = State::new(Settings::default());
    let mut buf = client_frame(0x9, b"");
    buf.extend(client_frame(0x1, b"hi"));
    state.received(&mut buf);
    assert!(buf.is_empty());
    assert_eq!(recv(&mut state).unwrap().as_text(), Some("hi"));
    send(&mut state, Message::text("hi")).unwrap();
    send(&mut state, Message::binary(vec![1; 200])).unwrap();
    let out = output(&mut state);
    assert_eq!(out[..6], [0x8a, 0x00, 0x81, 0x02, b'h', b'i']);
    assert_eq!(out[6..10], [0x82, 126, 0, 200]);
    assert_eq!(out.len(), 10 + 200);
}

#[test]
fn a_frame_split_across_reads_arrives_whole() {
    let mut state = State::new(Settings::default());
    let payload: Vec<u8> = (0..70_000).map(|i| (i % 253) as u8).collect();
    let frame = client_frame(0x2, &payload);
    let (first, second) = frame.split_at(3);
    let (second, third) = second.split_at(40_000);
    // The buffer keeps the frame's start between reads, as the reading
    // loop's does.
    let mut buf = Vec::new();
    for part in [first, second, third] {
        buf.extend_from_slice(part);
        state.received(&mut buf);
    }
    assert!(buf.is_empty());
    match recv(&mut state) {
        Some(Message::Binary(bytes)) => assert_eq!(bytes[..], payload[..]),
        other => panic!("expected the binary message, got {other:?}"),
    }
    assert!(recv(&mut state).is_none());
}

#[test]
fn the_peer_closing_is_answered_and_ends_the_socket() {
    let mut state = State::new(Settings::default());
    let mut buf = client_frame(0x8, &[0x03, 0xe8]);
    state.received(&mut buf);
    assert!(matches!(recv(&mut state), Some(Message::Close(Some(_)))));
    assert_eq!(output(&mut state), [0x88, 0x02, 0x03, 0xe8]);
    assert_eq!(state.phase(), Phase::Done);
    assert!(send(&mut state, Message::text("late")).is_err());
}

#[test]
fn closing_first_sends_the_frame_then_waits_for_the_reply() {
    let mut state = State::new(Settings::default());
    send(&mut state, Message::text("bye")).unwrap();
    send(&mut state, Message::Close(None)).unwrap();
    assert_eq!(state.phase(), Phase::Closing);
    assert!(send(&mut state, Message::text("late")).is_err());
    let out = output(&mut state);
    assert_eq!(out[..5], [0x81, 0x03, b'b', b'y', b'e']);
    assert_eq!(out[5..], [0x88, 0x02, 0x03, 0xe8]);
    let mut buf = client_frame(0x8, &[0x03, 0xe8]);
    state.received(&mut buf);
    assert_eq!(state.phase(), Phase::Done);
    assert!(output(&mut state).is_empty());
}

fn room(state: &mut State) -> Poll<bool> {
    state.poll_room(&mut cx())
}

#[test]
fn an_application_that_closes_without_reading_still_sees_the_peers_close() {
    let mut state = State::new(Settings::default());
    // More messages than the backlog; the application reads none.
    let mut buf = Vec::new();
    for _ in 0..INBOUND_HIGH {
        buf.extend(client_frame(0x1, b"unread"));
    }
    state.received(&mut buf);
    assert_eq!(
        room(&mut state),
        Poll::Pending,
        "a full backlog pauses reading"
    );
    // It closes (or drops its last handle): the socket is read again, so
    // the peer's closing frame ends the handshake before the deadline.
    state.abandoned();
    assert_eq!(room(&mut state), Poll::Ready(true));
    let mut buf = client_frame(0x1, b"more");
    buf.extend(client_frame(0x8, &[0x03, 0xe8]));
    state.received(&mut buf);
    assert_eq!(state.phase(), Phase::Done);
    // What the backlog had no room for was dropped, not queued.
    assert_eq!(state.inbound.len(), INBOUND_HIGH + 1);
    assert!(matches!(state.inbound.back(), Some(Message::Close(_))));
}

#[test]
fn pings_from_a_peer_that_does_not_read_pause_the_reading() {
    let mut state = State::new(Settings::default());
    let ping = client_frame(0x9, &[7; 125]);
    let mut rounds = 0;
    // The writer is stuck (output never taken): pongs may pile up only to
    // the output's limit, then the socket is not read.
    while room(&mut state) == Poll::Ready(true) {
        let mut buf = ping.repeat(100);
        state.received(&mut buf);
        rounds += 1;
        assert!(rounds < 1000, "reading never paused");
    }
    assert!(state.output.len() < OUTPUT_HIGH + 100 * 127);
    // Once the writer takes the output, reading goes on.
    assert!(!output(&mut state).is_empty());
    assert_eq!(room(&mut state), Poll::Ready(true));
}

#[test]
fn a_ping_after_our_close_is_still_answered() {
    let mut state = State::new(Settings::default());
    send(&mut state, Message::Close(None)).unwrap();
    output(&mut state);
    let mut buf = client_frame(0x9, b"hey");
    state.received(&mut buf);
    assert_eq!(output(&mut state), [0x8a, 0x03, b'h', b'e', b'y']);
}

#[test]
fn parsing_stops_while_the_application_is_behind_and_resumes_after() {
    let mut state = State::new(Settings::default());
    let mut buf = Vec::new();
    for i in 0..INBOUND_HIGH + 8 {
        buf.extend(client_frame(0x1, format!("m{i}").as_bytes()));
    }
    state.received(&mut buf);
    assert!(state.backlog(), "frames wait in the buffer");
    assert_eq!(room(&mut state), Poll::Pending);
    for i in 0..10 {
        assert_eq!(recv(&mut state).unwrap().as_text(), Some(&*format!("m{i}")));
    }
    assert_eq!(room(&mut state), Poll::Ready(true));
    // The reading loop parses what waits before it reads again.
    state.received(&mut buf);
    assert!(!state.backlog());
    assert!(buf.is_empty());
    for i in 10..INBOUND_HIGH + 8 {
        assert_eq!(recv(&mut state).unwrap().as_text(), Some(&*format!("m{i}")));
    }
}

#[cfg(feature = "ws-deflate")]
mod compressed {
    use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

    use super::*;
    use crate::ws::deflate::Agreed;

    fn agreed(client_no_context_takeover: bool) -> Agreed {
        Agreed {
            client_no_context_takeover,
            server_max_window_bits: false,
        }
    }

    /// A client's compressor: `messages` compressed one after another
    /// (with context takeover unless `fresh`), as RSV1 frames.
    fn client_frames(opcode: u8, messages: &[&[u8]], fresh: bool) -> Vec<u8> {
        let mut compress = Compress::new(Compression::default(), false);
        let mut out = Vec::new();
        for message in messages {
            if fresh {
                compress.reset();
            }
            let mut wire = Vec::with_capacity(message.len() + 64);
            compress
                .compress_vec(message, &mut wire, FlushCompress::Sync)
                .unwrap();
            wire.truncate(wire.len() - 4);
            out.extend(client_frame(0x40 | opcode, &wire));
        }
        out
    }

    /// What a client reads from one server frame: (RSV1, payload inflated
    /// by a fresh inflater, as `server_no_context_takeover` allows).
    fn server_message(out: &[u8]) -> (bool, Vec<u8>) {
        let rsv1 = out[0] & 0x40 != 0;
        let (len, at) = match out[1] {
            126 => (usize::from(u16::from_be_bytes([out[2], out[3]])), 4),
            127 => (
                u64::from_be_bytes(out[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (usize::from(n), 2),
        };
        let payload = &out[at..at + len];
        if !rsv1 {
            return (false, payload.to_vec());
        }
        let mut inflate = Decompress::new(false);
        let mut plain = Vec::with_capacity(1 << 20);
        let input = [payload, &[0, 0, 0xff, 0xff]].concat();
        inflate
            .decompress_vec(&input, &mut plain, FlushDecompress::Sync)
            .unwrap();
        (true, plain)
    }

    #[test]
    fn the_clients_compressed_messages_come_out_whole() {
        for no_takeover in [false, true] {
            let mut state = State::new(Settings::default()).compressed(agreed(no_takeover));
            let text = "hello hello hello, compressed world ".repeat(10);
            let mut buf = client_frames(0x1, &[text.as_bytes(), text.as_bytes()], no_takeover);
            buf.extend(client_frames(0x2, &[&[9; 3000]], true));
            state.received(&mut buf);
            assert_eq!(recv(&mut state).unwrap().as_text(), Some(&*text));
            assert_eq!(recv(&mut state).unwrap().as_text(), Some(&*text));
            assert!(matches!(recv(&mut state), Some(Message::Binary(b)) if b[..] == [9; 3000]));
            assert!(output(&mut state).is_empty(), "no error was sent");
        }
    }

    #[test]
    fn inflated_text_that_is_not_utf8_fails_with_1007() {
        let mut state = State::new(Settings::default()).compressed(agreed(false));
        let mut buf = client_frames(0x1, &[&[b'a', 0xff, b'b']], false);
        state.received(&mut buf);
        assert_eq!(state.phase(), Phase::Done);
        assert_eq!(output(&mut state)[..4], [0x88, 0x0f, 0x03, 0xef]);
    }

    #[test]
    fn a_message_inflating_past_the_limit_fails_with_1009() {
        let settings = Settings {
            max_message_size: 64 * 1024,
            ..Settings::default()
        };
        let mut state = State::new(settings).compressed(agreed(false));
        let mut buf = client_frames(0x2, &[&vec![0; 1 << 20]], false);
        assert!(buf.len() < 4096);
        state.received(&mut buf);
        assert_eq!(state.phase(), Phase::Done);
        assert!(recv(&mut state).is_none());
        assert_eq!(output(&mut state)[..4], [0x88, 0x11, 0x03, 0xf1]);
    }

    #[test]
    fn a_read_of_small_compressed_frames_inflates_a_bounded_amount() {
        let mut state = State::new(Settings::default()).compressed(agreed(true));
        // Forty frames of about 200 bytes, each 1 MiB inflated.
        let zeros = vec![0u8; 1 << 20];
        let mut buf = client_frames(0x2, &[&zeros[..]; 40], true);
        assert!(buf.len() < 64 * 1024);
        state.received(&mut buf);
        assert!(state.backlog());
        let queued = state.inbound.bytes();
        assert!(queued <= INBOUND_BYTES_HIGH + (1 << 20), "{queued}");
        assert_eq!(state.inbound.len(), 1);
        assert!(!buf.is_empty(), "the rest waits, compressed");
    }

    #[test]
    fn messages_from_the_threshold_on_go_out_compressed_when_smaller() {
        let mut state = State::new(Settings::default()).compressed(agreed(false));
        let big = "a message long enough to be worth compressing. ".repeat(40);
        send(&mut state, Message::text(big.clone())).unwrap();
        let (rsv1, payload) = server_message(&output(&mut state));
        assert!(rsv1);
        assert_eq!(payload, big.as_bytes());
        // Under the threshold (1 KiB by default): as it is.
        send(&mut state, Message::text("short")).unwrap();
        assert_eq!(
            server_message(&output(&mut state)),
            (false, b"short".to_vec())
        );
        // Not smaller once compressed: as it is.
        let mut x = 1u32;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 24) as u8
            })
            .collect();
        send(&mut state, Message::binary(noise.clone())).unwrap();
        assert_eq!(server_message(&output(&mut state)), (false, noise));
        // Without the agreement nothing is compressed.
        let mut plain = State::new(Settings::default());
        send(&mut plain, Message::text(big.clone())).unwrap();
        assert_eq!(
            server_message(&output(&mut plain)),
            (false, big.into_bytes())
        );
    }
}
