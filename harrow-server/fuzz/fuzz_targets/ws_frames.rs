//! Arbitrary bytes into the WebSocket frame reader, whole and in pieces:
//! it may fail the connection, never panic or hand out a message over its
//! limit, and how the bytes are cut into reads changes nothing it makes of
//! them.
#![no_main]

use harrow::ws::fuzz::read_in_pieces;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The first three bytes choose the limits and how many piece sizes
    // follow; the rest is what the client sent.
    let [frame, message, count, rest @ ..] = input else {
        return;
    };
    let max_frame = usize::from(*frame) * 64 + 1;
    let max_message = max_frame + usize::from(*message) * 64;
    // The count's high bit: permessage-deflate agreed (RSV1 taken).
    let compressed = count & 0x80 != 0;
    let (pieces, data) = rest.split_at(usize::from(*count % 16).min(rest.len()));
    let whole = read_in_pieces(data, &[], max_message, max_frame, compressed);
    let split = read_in_pieces(data, pieces, max_message, max_frame, compressed);
    assert_eq!(whole, split, "pieces {pieces:?}");
});
