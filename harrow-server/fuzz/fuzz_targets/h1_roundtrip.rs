//! A head that parses must parse the same when fed one byte at a time.
#![no_main]

use harrow_server::codec::{Limits, Status, parse_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(Status::Complete(whole)) = parse_head(data, &limits) else { return };
    for end in 0..whole.len {
        match parse_head(&data[..end], &limits) {
            Ok(Status::Partial) => {}
            other => panic!("a prefix of a valid head gave {other:?}"),
        }
    }
    match parse_head(&data[..whole.len], &limits) {
        Ok(Status::Complete(again)) => {
            assert_eq!(again.uri, whole.uri);
            assert_eq!(again.headers, whole.headers);
            assert_eq!(again.body, whole.body);
        }
        other => panic!("the exact head gave {other:?}"),
    }
});
