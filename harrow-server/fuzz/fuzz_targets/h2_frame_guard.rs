//! Arbitrary bytes after the HTTP/2 preface into the frame guard, whole and
//! in pieces: it never panics, a verdict once given stays, and a protocol
//! error is found the same however the bytes are split. The trailer scan
//! takes the same bytes as an HPACK block.
#![no_main]

use harrow_server::frame_guard::{Guard, pseudo_field_in};
use libfuzzer_sys::fuzz_target;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let _ = pseudo_field_in(data);
    let piece = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut whole = Guard::default();
    let mut split = Guard::default();
    let _ = whole.inspect(PREFACE);
    let _ = split.inspect(PREFACE);
    let at_once = whole.inspect(data);
    let mut pieced = None;
    for chunk in data.chunks(piece) {
        let verdict = split.inspect(chunk);
        if pieced.is_some() {
            assert_eq!(verdict, pieced, "a verdict changed");
        }
        pieced = verdict;
    }
    // Floods depend on timing; the protocol rules must not.
    let rule = |v: Option<&'static str>| v.filter(|&why| why != "flood");
    if at_once != Some("flood") && pieced != Some("flood") {
        assert_eq!(rule(at_once), rule(pieced), "split differently, judged differently");
    }
});
