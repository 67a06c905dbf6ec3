//! A range of an open file as a response body.
//!
//! Read through the runtime's file IO a chunk at a time, it works wherever a
//! body streams (HTTP/2, TLS, a compression layer). On a plain HTTP/1.1
//! connection the server sends it with `sendfile` instead: the kernel moves
//! the file's pages to the socket and no byte is copied through user space.

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::File;

/// The chunk size of a [`FileBody`] unless set.
pub const DEFAULT_CHUNK: usize = 128 * 1024;

type Read = Pin<Box<dyn Future<Output = (io::Result<usize>, Vec<u8>)>>>;

/// Bytes `start..start + len` of an open file, as a body of known length
/// (`Body::from(file_body)`).
///
/// Where the connection allows it (plain HTTP/1.1, not TLS, not HTTP/2)
/// the server sends the range with `sendfile`, straight from the kernel's
/// page cache; elsewhere the range is read in chunks of
/// [`chunk_size`](Self::chunk_size), one read in flight at a time and the
/// next only once the connection has taken the last, so a large file never
/// sits in memory whole.
///
/// `sendfile` waits for the disk on the worker's thread when the pages are
/// not cached yet, where a read through io_uring would not: for files on
/// slow storage that are rarely read twice, turn it off with
/// [`zero_copy(false)`](Self::zero_copy).
///
/// ```
/// use harrow_server::{Body, rt::{self, fs::{File, FileBody}}};
///
/// let path = std::env::temp_dir().join("harrow-file-body-doc.txt");
/// std::fs::write(&path, b"hello, file").unwrap();
/// let text = rt::block_on(async {
///     let file = File::open(&path).await.unwrap();
///     let body = Body::from(FileBody::new(file, 7, 4));
///     assert_eq!(body.exact_len(), Some(4));
///     body.collect(64).await.unwrap()
/// });
/// assert_eq!(&text[..], b"file");
/// # std::fs::remove_file(&path).ok();
/// ```
pub struct FileBody {
    file: Rc<File>,
    pos: u64,
    remaining: u64,
    chunk: usize,
    zero_copy: bool,
    /// The read in flight: it owns its buffer until the kernel is done.
    reading: Option<Read>,
}

impl FileBody {
    /// The `len` bytes of `file` from byte `start`.
    pub fn new(file: File, start: u64, len: u64) -> Self {
        FileBody {
            file: Rc::new(file),
            pos: start,
            remaining: len,
            chunk: DEFAULT_CHUNK,
            zero_copy: true,
            reading: None,
        }
    }

    /// Reads of `bytes` each where the body is read rather than sent by
    /// the kernel (at least 1; 128 KiB by default).
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(1);
        self
    }

    /// Whether the server may send the body with `sendfile` where the
    /// connection allows it (on by default).
    pub fn zero_copy(mut self, on: bool) -> Self {
        self.zero_copy = on;
        self
    }

    /// How many bytes are left to send.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The file's descriptor and the range left, for the kernel to send:
    /// `None` when zero-copy is off or reading has begun.
    pub(crate) fn kernel_range(&self) -> Option<(RawFd, u64, u64)> {
        (self.zero_copy && self.reading.is_none())
            .then(|| (self.file.inner.as_raw_fd(), self.pos, self.remaining))
    }

    /// Records that the kernel sent the next `n` bytes.
    pub(crate) fn advance(&mut self, n: u64) {
        let n = n.min(self.remaining);
        self.pos += n;
        self.remaining -= n;
    }

    /// Reads the next chunk; `None` once the range is read, an error when
    /// the file ends before it.
    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let reading = self.reading.get_or_insert_with(|| {
            let want = usize::try_from(self.remaining)
                .unwrap_or(usize::MAX)
                .min(self.chunk);
            let (file, pos) = (self.file.clone(), self.pos);
            Box::pin(async move { file.read_to(Vec::with_capacity(want), pos, want).await })
        });
        let (res, buf) = std::task::ready!(reading.as_mut().poll(cx));
        self.reading = None;
        match res {
            Ok(0) => {
                self.remaining = 0;
                Poll::Ready(Some(Err(truncated())))
            }
            Ok(n) => {
                self.advance(n as u64);
                Poll::Ready(Some(Ok(Bytes::from(buf))))
            }
            Err(e) => {
                self.remaining = 0;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

impl std::fmt::Debug for FileBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody")
            .field("file", &self.file)
            .field("pos", &self.pos)
            .field("remaining", &self.remaining)
            .field("zero_copy", &self.zero_copy)
            .finish()
    }
}

/// The error for a file that ended before the range it promised.
pub(crate) fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file shrank while it was sent",
    )
}
