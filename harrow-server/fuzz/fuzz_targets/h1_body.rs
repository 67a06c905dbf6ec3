//! Arbitrary bytes into the chunked and length decoders, in two pieces.
#![no_main]

use bytes::BytesMut;
use harrow_server::codec::{BodyKind, Decoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().copied().unwrap_or(0) as usize % (data.len() + 1);
    for kind in [BodyKind::Chunked, BodyKind::Length(64)] {
        let Ok(mut dec) = Decoder::new(kind, 1 << 16) else { continue };
        let mut out = BytesMut::new();
        let mut buf = data[..split].to_vec();
        if let Ok(p) = dec.decode(&buf, &mut out) {
            buf.drain(..p.consumed);
            buf.extend_from_slice(&data[split..]);
            let _ = dec.decode(&buf, &mut out);
        }
    }
});
