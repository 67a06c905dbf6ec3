//! The offers a server takes or declines, and messages both ways: the
//! client's, with and without context takeover, within and past the limit;
//! the server's, each one standing alone.

use flate2::{Compress, Compression, FlushCompress};

use super::*;

fn negotiated(lines: &[&str]) -> Option<(bool, String)> {
    let mut headers = HeaderMap::new();
    for line in lines {
        headers.append(
            header::SEC_WEBSOCKET_EXTENSIONS,
            HeaderValue::from_str(line).unwrap(),
        );
    }
    negotiate(&headers).map(|(agreed, answer)| {
        (
            agreed.client_no_context_takeover,
            answer.to_str().unwrap().to_owned(),
        )
    })
}

/// A client that keeps its context between messages.
const TAKEOVER: Agreed = Agreed {
    client_no_context_takeover: false,
    server_max_window_bits: false,
};

const PLAIN: &str = "permessage-deflate; server_no_context_takeover";
const BOTH: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

#[test]
fn offers_are_taken_or_declined_by_their_parameters() {
    let cases: [(&[&str], Option<&str>); 17] = [
        (&["permessage-deflate"], Some(PLAIN)),
        (&["PerMessage-Deflate"], Some(PLAIN)),
        // What browsers send.
        (&["permessage-deflate; client_max_window_bits"], Some(PLAIN)),
        (
            &["permessage-deflate; client_max_window_bits=10"],
            Some(PLAIN),
        ),
        (
            &["permessage-deflate; client_max_window_bits=\"10\""],
            Some(PLAIN),
        ),
        (
            &["permessage-deflate; server_no_context_takeover"],
            Some(PLAIN),
        ),
        (
            &["permessage-deflate; server_max_window_bits=15"],
            Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=15"),
        ),
        (
            &["permessage-deflate;client_no_context_takeover"],
            Some(BOTH),
        ),
        // The first offer asks for a window this server cannot keep to;
        // the second is taken.
        (
            &["permessage-deflate; server_max_window_bits=10, permessage-deflate"],
            Some(PLAIN),
        ),
        (
            &["x-webkit-deflate-frame", "permessage-deflate"],
            Some(PLAIN),
        ),
        (&["permessage-deflate; server_max_window_bits=10"], None),
        (&["permessage-deflate; server_max_window_bits"], None),
        (&["permessage-deflate; client_max_window_bits=16"], None),
        (&["permessage-deflate; client_max_window_bits=08"], None),
        (&["permessage-deflate; mystery"], None),
        (
            &["permessage-deflate; client_no_context_takeover; client_no_context_takeover"],
            None,
        ),
        // A comma inside a quoted value does not start an offer.
        (&["foo; bar=\"x, permessage-deflate\""], None),
    ];
    for (lines, answer) in cases {
        let got = negotiated(lines);
        assert_eq!(got.as_ref().map(|(_, a)| a.as_str()), answer, "{lines:?}");
        if let Some((no_takeover, answer)) = got {
            assert_eq!(no_takeover, answer.contains("client_no"), "{lines:?}");
        }
    }
    assert_eq!(negotiated(&[]), None);
}

/// What a client sends: each message compressed with one compressor kept
/// across messages (context takeover), flushed, its tail cut off.
fn client_messages(messages: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut compress = Compress::new(Compression::default(), false);
    messages
        .iter()
        .map(|message| {
            let mut out = Vec::with_capacity(message.len() + 64);
            compress
                .compress_vec(message, &mut out, FlushCompress::Sync)
                .unwrap();
            assert!(out.ends_with(&TAIL));
            out.truncate(out.len() - TAIL.len());
            out
        })
        .collect()
}

#[test]
fn a_clients_messages_inflate_in_order_with_context_takeover() {
    // Words in an order that does not repeat within the message.
    let words = [
        "price", "symbol", "side", "buy", "sell", "4021.5", "HRW", "qty",
    ];
    let mut x = 7u32;
    let text: Vec<u8> = (0..200)
        .flat_map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            format!("{} ", words[(x >> 16) as usize % words.len()]).into_bytes()
        })
        .collect();
    let wire = client_messages(&[&text, &text, b"short"]);
    // The second refers back to the first: a fraction of its size.
    assert!(
        wire[1].len() * 4 < wire[0].len(),
        "{} {}",
        wire[1].len(),
        wire[0].len()
    );
    let mut inflater = Inflater::new(TAKEOVER);
    assert_eq!(inflater.inflate(&wire[0], 1 << 20).unwrap(), text);
    assert_eq!(inflater.inflate(&wire[1], 1 << 20).unwrap(), text);
    assert_eq!(inflater.inflate(&wire[2], 1 << 20).unwrap(), b"short");
}

#[test]
fn a_message_that_inflates_past_the_limit_fails_with_1009() {
    let bomb = client_messages(&[&vec![0u8; 1 << 20]]).remove(0);
    assert!(bomb.len() < 2048, "{}", bomb.len());
    let err = Inflater::new(TAKEOVER)
        .inflate(&bomb, 64 * 1024)
        .unwrap_err();
    assert_eq!(err.code(), 1009);
    // Exactly at the limit is fine.
    let exact = client_messages(&[&vec![7u8; 4096]]).remove(0);
    assert_eq!(
        Inflater::new(TAKEOVER).inflate(&exact, 4096).unwrap().len(),
        4096
    );
    assert_eq!(
        Inflater::new(TAKEOVER)
            .inflate(&exact, 4095)
            .unwrap_err()
            .code(),
        1009
    );
    // Limits under the first buffer's size (found by the fuzz target).
    for max in [0, 1, 63] {
        let err = Inflater::new(TAKEOVER).inflate(&exact, max).unwrap_err();
        assert_eq!(err.code(), 1009, "limit {max}");
    }
    let one = client_messages(&[b"a"]).remove(0);
    assert_eq!(Inflater::new(TAKEOVER).inflate(&one, 1).unwrap(), b"a");
}

#[test]
fn bytes_that_are_not_deflate_fail_with_1002() {
    let err = Inflater::new(TAKEOVER)
        .inflate(&[0xff, 0xff, 0xff, 0xff, 0x00], 1024)
        .unwrap_err();
    assert_eq!(err.code(), 1002);
}

#[test]
fn a_message_ended_with_a_final_block_inflates_and_the_next_starts_afresh() {
    let mut inflater = Inflater::new(TAKEOVER);
    for message in [&b"first message, final block"[..], b"second, a new stream"] {
        let mut compress = Compress::new(Compression::default(), false);
        let mut out = Vec::with_capacity(256);
        compress
            .compress_vec(message, &mut out, FlushCompress::Finish)
            .unwrap();
        assert_eq!(inflater.inflate(&out, 1024).unwrap(), message);
    }
}

#[test]
fn the_servers_messages_each_inflate_alone() {
    let text = b"the same words again and again; the same words again and again. ".repeat(8);
    for _ in 0..3 {
        let wire = deflate(&text).expect("text compresses");
        assert!(wire.len() < text.len() / 4);
        assert!(!wire.ends_with(&TAIL));
        // A fresh inflater each time: nothing refers to an earlier message.
        assert_eq!(
            Inflater::new(TAKEOVER).inflate(&wire, 1 << 20).unwrap(),
            text
        );
    }
    for len in [0, 1, 100, 70_000, 300_000] {
        let data: Vec<u8> = (0..len).map(|i| (i % 7) as u8).collect();
        if let Some(wire) = deflate(&data) {
            assert_eq!(
                Inflater::new(TAKEOVER).inflate(&wire, 1 << 20).unwrap(),
                data
            );
        }
    }
}

#[test]
fn data_that_does_not_shrink_is_left_as_it_is() {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert_eq!(deflate(&noise), None);
    assert_eq!(deflate(b"hi"), None);
}
