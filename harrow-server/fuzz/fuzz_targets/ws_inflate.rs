//! Arbitrary bytes as a client's compressed WebSocket message
//! (permessage-deflate): the inflater may fail the connection, never
//! panic, pass the message limit, or answer differently from the worker's
//! shared inflater.
#![no_main]

use harrow::ws::fuzz::inflate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The first byte chooses the limit; the rest is the compressed payload.
    let [limit, data @ ..] = input else {
        return;
    };
    let max = usize::from(*limit) * 256;
    if let Err(code) = inflate(data, max) {
        assert!(code == 1002 || code == 1009, "closing code {code}");
    }
});
