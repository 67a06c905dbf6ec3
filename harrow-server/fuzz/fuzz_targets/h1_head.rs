//! Arbitrary bytes into the head parser: it may refuse them, never panic.
#![no_main]

use harrow_server::codec::{Limits, parse_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_head(data, &Limits::default());
});
