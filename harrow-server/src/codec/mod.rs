//! A sans-IO HTTP/1.1 codec (RFC 9112).
//!
//! Bytes in, parsed heads and body data out; responses in, bytes out.
//! Nothing here touches a socket, so every rule is unit tested and fuzzed
//! on plain byte slices. "Not enough bytes yet" is `Ok(Status::Partial)`,
//! never an error.
//!
//! Private to the crate, so that its types are not part of the server's API
//! ([`Trailers`] is re-exported for services); the `unstable` cargo feature
//! opens it, without a semver promise, for the fuzz targets and benchmarks.

// Without `unstable`, the module is private and some of its entry points
// serve only the tests, the fuzz targets and the benchmarks.
#![cfg_attr(
    not(feature = "unstable"),
    allow(unreachable_pub, dead_code, unused_imports)
)]

mod body;
mod date;
mod encode;
mod error;
mod head;
mod response;

pub use body::{Decoder, Progress, Trailers};
pub use date::DateCache;
pub use encode::{Framing, ResponseHead, encode_chunk, encode_head, encode_last_chunk};
pub use error::H1Error;
pub(crate) use head::parse_head_with;
pub use head::{BodyKind, Head, Limits, MAX_HEADERS_CAP, Status, parse_head, parse_head_shared};
pub use response::{CONTINUE, asks_to_close, body_framing};

#[cfg(test)]
#[path = "props_tests.rs"]
mod props_tests;
