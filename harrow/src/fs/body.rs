//! A file's bytes as a response body: small ranges read at once, larger
//! ones handed to the server as a [`FileBody`], which the kernel sends
//! itself on plain HTTP/1.1 (`sendfile`) and which is streamed a chunk at a
//! time through the runtime's file IO elsewhere, so a large file never sits
//! in memory whole.

use std::io;

use harrow_server::Body;
use harrow_server::rt::fs::{DEFAULT_CHUNK, File, FileBody};

/// With zero-copy on, ranges up to this size are still read before the
/// answer: one read and one write of head and body together cost less than
/// a head and a `sendfile`.
const READ_AT_ONCE: usize = 16 * 1024;

/// How a file's bytes go out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sending {
    /// The size of one read.
    pub(crate) chunk: usize,
    /// Whether the server may send the file with `sendfile`.
    pub(crate) zero_copy: bool,
}

impl Default for Sending {
    fn default() -> Self {
        Sending {
            chunk: DEFAULT_CHUNK,
            zero_copy: true,
        }
    }
}

/// The body for bytes `start..start + len` of `file`. A small range is read
/// before the response is sent (one read, one buffer): up to 16 KiB with
/// zero-copy on, up to a chunk with it off. A larger one is a [`FileBody`].
/// For a HEAD request (`read: false`) nothing is read.
pub(crate) async fn file_body(
    file: File,
    start: u64,
    len: u64,
    sending: Sending,
    read: bool,
) -> io::Result<Body> {
    let at_once = if sending.zero_copy {
        READ_AT_ONCE.min(sending.chunk)
    } else {
        sending.chunk
    };
    if read && len <= at_once as u64 {
        let want = usize::try_from(len).unwrap_or(usize::MAX);
        let (res, buf) = file.read_to(Vec::with_capacity(want), start, want).await;
        if res? < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was read",
            ));
        }
        return Ok(Body::full(buf));
    }
    Ok(streamed(file, start, len, sending))
}

/// The body for bytes `start..start + len` of `file`, sent as `sending`
/// says; nothing is read until the connection asks for it.
pub(crate) fn streamed(file: File, start: u64, len: u64, sending: Sending) -> Body {
    Body::from(
        FileBody::new(file, start, len)
            .chunk_size(sending.chunk)
            .zero_copy(sending.zero_copy),
    )
}
