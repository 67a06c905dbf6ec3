//! A file's bytes as a response body: small ranges read at once, larger
//! ones streamed a chunk at a time through the runtime's file IO, so a large
//! file never sits in memory whole.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use harrow_server::Body;
use harrow_server::rt::fs::File;

/// The default size of one read, and of the largest body read at once.
pub(crate) const DEFAULT_CHUNK: usize = 128 * 1024;

/// The body for bytes `start..start + len` of `file`. Up to `chunk` bytes
/// are read before the response is sent (one read, one buffer); more are
/// streamed with a known length, one read of `chunk` bytes in flight at a
/// time, the next only once the connection has taken the last. For a HEAD
/// request (`read: false`) nothing is read: the stream is never polled.
pub(crate) async fn file_body(
    file: File,
    start: u64,
    len: u64,
    chunk: usize,
    read: bool,
) -> io::Result<Body> {
    let chunk = chunk.max(1);
    if read && len <= chunk as u64 {
        let want = usize::try_from(len).unwrap_or(usize::MAX);
        let (res, buf) = file.read_to(Vec::with_capacity(want), start, want).await;
        if res? < want {
            return Err(truncated());
        }
        return Ok(Body::full(buf));
    }
    Ok(streamed(file, start, len, chunk))
}

/// The body for bytes `start..start + len` of `file`, streamed with a
/// known length in reads of `chunk` bytes; nothing is read until the
/// connection asks for the first chunk.
pub(crate) fn streamed(file: File, start: u64, len: u64, chunk: usize) -> Body {
    let stream = FileStream {
        file: Rc::new(file),
        pos: start,
        remaining: len,
        chunk: chunk.max(1),
        reading: None,
    };
    Body::from_sized_stream(len, stream)
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file shrank while it was read",
    )
}

type Read = Pin<Box<dyn Future<Output = (io::Result<usize>, Vec<u8>)>>>;

/// Reads `remaining` bytes from `pos`, one chunk per poll of a finished read.
struct FileStream {
    file: Rc<File>,
    pos: u64,
    remaining: u64,
    chunk: usize,
    /// The read in flight: it owns its buffer until the kernel is done.
    reading: Option<Read>,
}

impl Stream for FileStream {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let reading = this.reading.get_or_insert_with(|| {
            let want = usize::try_from(this.remaining)
                .unwrap_or(usize::MAX)
                .min(this.chunk);
            let (file, pos) = (this.file.clone(), this.pos);
            Box::pin(async move { file.read_to(Vec::with_capacity(want), pos, want).await })
        });
        let (res, buf) = std::task::ready!(reading.as_mut().poll(cx));
        this.reading = None;
        match res {
            Ok(0) => {
                this.remaining = 0;
                Poll::Ready(Some(Err(truncated())))
            }
            Ok(n) => {
                this.pos += n as u64;
                this.remaining -= n as u64;
                Poll::Ready(Some(Ok(Bytes::from(buf))))
            }
            Err(e) => {
                this.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}
