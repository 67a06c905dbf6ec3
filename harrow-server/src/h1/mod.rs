//! A sans-IO HTTP/1.1 codec (RFC 9112).
//!
//! Bytes in, parsed heads and body data out; responses in, bytes out.
//! Nothing here touches a socket, so every rule is unit tested and fuzzed
//! on plain byte slices. "Not enough bytes yet" is `Ok(Status::Partial)`,
//! never an error. Public so that fuzz targets and tools can drive it.

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
