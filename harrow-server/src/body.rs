//! The body type for requests and responses: empty, one buffer, or a stream.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

/// A boxed error that a streaming body may yield.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

type BoxStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>>>>;

/// A request or response body.
///
/// On HTTP/1.1 a request body of up to 64 KiB is read whole (within
/// `body_read_timeout` and `max_body_size`) before the service is called;
/// past that, and always on HTTP/2, it streams: the service reads chunks as
/// they arrive (the connection reads on only when asked), and a body past
/// `max_body_size` or the body deadline yields an error
/// ([`CollectError::TooLarge`] or [`CollectError::TimedOut`] from
/// [`Body::collect`]). A service that answers before reading a streamed
/// HTTP/1.1 body to its end closes the connection after the answer, and the
/// connection reads no more of that body: one still held (returned as the
/// response body, or handed to a task) ends with an error. Response bodies may
/// stream: one of unknown length goes out chunked on HTTP/1.1.
///
/// ```
/// use harrow_server::Body;
/// let body = Body::from("hello");
/// assert_eq!(body.exact_len(), Some(5));
/// ```
#[derive(Default)]
pub struct Body {
    inner: Inner,
}

#[derive(Default)]
enum Inner {
    #[default]
    Empty,
    Full(Bytes),
    Stream(BoxStream),
    /// A stream that promised `remaining` more bytes.
    Sized {
        stream: BoxStream,
        remaining: u64,
    },
    /// A range of an open file.
    #[cfg(feature = "fs")]
    File(crate::rt::fs::FileBody),
}

impl Body {
    /// A body with no bytes.
    pub const fn empty() -> Self {
        Body {
            inner: Inner::Empty,
        }
    }

    /// A body held in one buffer.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body {
                inner: Inner::Full(bytes),
            }
        }
    }

    /// A body produced chunk by chunk; its length is unknown up front.
    pub fn from_stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Body {
            inner: Inner::Stream(Box::pin(MapStream(stream))),
        }
    }

    /// A body produced chunk by chunk whose length, `len` bytes, is known
    /// up front (a file's, say): it goes out with a `Content-Length` on both
    /// protocols, and a HEAD answer carries that length too.
    ///
    /// A stream that yields more than `len` bytes, or ends before, yields
    /// an error instead, so the connection ends rather than sending a body
    /// that disagrees with its length.
    ///
    /// ```
    /// use harrow_server::Body;
    /// # struct Once(Option<&'static str>);
    /// # impl futures_core::Stream for Once {
    /// #     type Item = Result<&'static str, std::io::Error>;
    /// #     fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>)
    /// #         -> std::task::Poll<Option<Self::Item>> { std::task::Poll::Ready(self.0.take().map(Ok)) }
    /// # }
    /// let body = Body::from_sized_stream(5, Once(Some("hello")));
    /// assert_eq!(body.exact_len(), Some(5));
    /// assert!(body.is_stream());
    /// ```
    pub fn from_sized_stream<S, B, E>(len: u64, stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        if len == 0 {
            return Body::empty();
        }
        Body {
            inner: Inner::Sized {
                stream: Box::pin(MapStream(stream)),
                remaining: len,
            },
        }
    }

    /// The body's length when it is known without reading it: for a body
    /// being read, what is left of it.
    pub fn exact_len(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Full(b) => Some(b.len() as u64),
            Inner::Stream(_) => None,
            Inner::Sized { remaining, .. } => Some(*remaining),
            #[cfg(feature = "fs")]
            Inner::File(file) => Some(file.remaining()),
        }
    }

    /// Whether the body is a stream (of known length or not), read chunk by
    /// chunk.
    pub fn is_stream(&self) -> bool {
        match self.inner {
            Inner::Empty | Inner::Full(_) => false,
            Inner::Stream(_) | Inner::Sized { .. } => true,
            #[cfg(feature = "fs")]
            Inner::File(_) => true,
        }
    }

    /// Takes a file range that the kernel may send as it is (zero-copy
    /// allowed, no read in flight: what is left of it), leaving the body
    /// empty; `None` for any other body (which is left as it was).
    #[cfg(feature = "fs")]
    pub(crate) fn take_file(&mut self) -> Option<crate::rt::fs::FileBody> {
        match &self.inner {
            Inner::File(file) if file.kernel_range().is_some() => {
                match std::mem::take(&mut self.inner) {
                    Inner::File(file) => Some(file),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Takes the bytes of a body held in one buffer, leaving it empty;
    /// `None` for an empty body or a stream (which is left as it was).
    pub(crate) fn take_full(&mut self) -> Option<Bytes> {
        match std::mem::take(&mut self.inner) {
            Inner::Full(b) => Some(b),
            other => {
                self.inner = other;
                None
            }
        }
    }

    /// Polls for the next chunk; `None` at the end.
    pub fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        match &mut self.inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Full(_) => match std::mem::take(&mut self.inner) {
                Inner::Full(b) => Poll::Ready(Some(Ok(b))),
                _ => Poll::Ready(None),
            },
            Inner::Stream(s) => {
                let r = s.as_mut().poll_next(cx);
                if let Poll::Ready(None) = r {
                    self.inner = Inner::Empty;
                }
                r
            }
            Inner::Sized { stream, remaining } => loop {
                let chunk = match std::task::ready!(stream.as_mut().poll_next(cx)) {
                    Some(Ok(chunk)) if chunk.is_empty() => continue,
                    Some(Ok(chunk)) => chunk,
                    Some(Err(e)) => {
                        self.inner = Inner::Empty;
                        return Poll::Ready(Some(Err(e)));
                    }
                    None => {
                        let short = *remaining;
                        self.inner = Inner::Empty;
                        return Poll::Ready(Some(Err(LengthMismatch::Short(short).into())));
                    }
                };
                let len = chunk.len() as u64;
                if len > *remaining {
                    self.inner = Inner::Empty;
                    return Poll::Ready(Some(Err(LengthMismatch::Long.into())));
                }
                *remaining -= len;
                if *remaining == 0 {
                    // Done: the stream (a file, say) is let go at once.
                    self.inner = Inner::Empty;
                }
                return Poll::Ready(Some(Ok(chunk)));
            },
            #[cfg(feature = "fs")]
            Inner::File(file) => {
                let r = std::task::ready!(file.poll_chunk(cx));
                if file.remaining() == 0 {
                    // Done (or failed): the file is let go at once.
                    self.inner = Inner::Empty;
                }
                Poll::Ready(r.map(|r| r.map_err(Into::into)))
            }
        }
    }

    /// The next chunk; `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, BoxError>> {
        poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// Reads the whole body into one buffer, failing once it passes `limit` bytes.
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, CollectError> {
        match std::mem::take(&mut self.inner) {
            Inner::Empty => return Ok(Bytes::new()),
            Inner::Full(b) if b.len() <= limit => return Ok(b),
            Inner::Full(_) => return Err(CollectError::TooLarge { limit }),
            stream => self.inner = stream,
        }
        let mut out = BytesMut::new();
        while let Some(chunk) = self.next_chunk().await {
            let chunk = chunk.map_err(CollectError::from_stream)?;
            if out.len() + chunk.len() > limit {
                return Err(CollectError::TooLarge { limit });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

/// A body that fails at once with `error`, unread: one the server refused
/// before reading it (a declared length over the limit, say).
pub(crate) fn refused(error: impl Into<BoxError>) -> Body {
    Body::from_stream(Refused(Some(error.into())))
}

/// A sized stream that disagreed with its declared length.
#[derive(Debug, Clone, Copy)]
enum LengthMismatch {
    /// It ended this many bytes short.
    Short(u64),
    /// It yielded more.
    Long,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LengthMismatch::Short(n) => {
                write!(f, "body stream ended {n} bytes short of its length")
            }
            LengthMismatch::Long => f.write_str("body stream yielded more than its length"),
        }
    }
}

impl std::error::Error for LengthMismatch {}

/// The stream of [`refused`]: one error, then the end.
struct Refused(Option<BoxError>);

impl Stream for Refused {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

/// Why [`Body::collect`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CollectError {
    /// The body passed the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body did not arrive within the server's body timeout.
    TimedOut,
    /// The stream yielded an error.
    Stream(BoxError),
}

impl CollectError {
    fn from_stream(e: BoxError) -> CollectError {
        if let Some(l) = e.downcast_ref::<LimitExceeded>() {
            CollectError::TooLarge {
                limit: usize::try_from(l.limit).unwrap_or(usize::MAX),
            }
        } else if e.is::<BodyTimedOut>() {
            CollectError::TimedOut
        } else {
            CollectError::Stream(e)
        }
    }
}

/// A streaming request body passed the server's `max_body_size`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimitExceeded {
    pub(crate) limit: u64,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request body is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

/// A streaming request body did not arrive within the body timeout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTimedOut;

impl fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("request body timed out")
    }
}

impl std::error::Error for BodyTimedOut {}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CollectError::TooLarge { limit } => write!(f, "body is larger than {limit} bytes"),
            CollectError::TimedOut => f.write_str("body timed out"),
            CollectError::Stream(e) => write!(f, "body stream failed: {e}"),
        }
    }
}

impl std::error::Error for CollectError {}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("Body::Empty"),
            Inner::Full(b) => write!(f, "Body::Full({} bytes)", b.len()),
            Inner::Stream(_) => f.write_str("Body::Stream"),
            Inner::Sized { remaining, .. } => write!(f, "Body::Sized({remaining} bytes left)"),
            #[cfg(feature = "fs")]
            Inner::File(file) => write!(f, "Body::File({} bytes left)", file.remaining()),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::full(b)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::full(s)
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::full(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body::full(Bytes::from_static(s))
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::full(v)
    }
}

#[cfg(feature = "fs")]
impl From<crate::rt::fs::FileBody> for Body {
    fn from(file: crate::rt::fs::FileBody) -> Self {
        if file.remaining() == 0 {
            return Body::empty();
        }
        Body {
            inner: Inner::File(file),
        }
    }
}

impl From<()> for Body {
    fn from(_: ()) -> Self {
        Body::empty()
    }
}

struct MapStream<S>(S);

impl<S, B, E> Stream for MapStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // SAFETY: `MapStream` is a transparent wrapper; the inner stream is
        // never moved out of the pinned wrapper.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
        inner
            .poll_next(cx)
            .map(|o| o.map(|r| r.map(Into::into).map_err(Into::into)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Chunks(Vec<&'static str>);

    impl Stream for Chunks {
        type Item = Result<&'static str, std::io::Error>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(if self.0.is_empty() {
                None
            } else {
                Some(Ok(self.0.remove(0)))
            })
        }
    }

    #[test]
    fn collect_joins_chunks_and_enforces_limit() {
        let body = Body::from_stream(Chunks(vec!["ab", "cd"]));
        assert_eq!(body.exact_len(), None);
        let all = crate::rt::block_on(body.collect(10)).unwrap();
        assert_eq!(&all[..], b"abcd");
        let body = Body::from_stream(Chunks(vec!["ab", "cd"]));
        let err = crate::rt::block_on(body.collect(3)).unwrap_err();
        assert!(matches!(err, CollectError::TooLarge { limit: 3 }));
    }

    #[test]
    fn sized_streams_count_down_and_hold_to_their_length() {
        let mut body = Body::from_sized_stream(4, Chunks(vec!["ab", "", "cd"]));
        assert_eq!(body.exact_len(), Some(4));
        let first = crate::rt::block_on(body.next_chunk()).unwrap().unwrap();
        assert_eq!((&first[..], body.exact_len()), (&b"ab"[..], Some(2)));
        let second = crate::rt::block_on(body.next_chunk()).unwrap().unwrap();
        assert_eq!((&second[..], body.exact_len()), (&b"cd"[..], Some(0)));
        assert!(crate::rt::block_on(body.next_chunk()).is_none());

        let short = Body::from_sized_stream(5, Chunks(vec!["ab"]));
        let err = crate::rt::block_on(short.collect(10)).unwrap_err();
        assert!(err.to_string().contains("3 bytes short"), "{err}");
        let long = Body::from_sized_stream(1, Chunks(vec!["ab"]));
        let err = crate::rt::block_on(long.collect(10)).unwrap_err();
        assert!(err.to_string().contains("more than its length"), "{err}");
        assert_eq!(
            Body::from_sized_stream(0, Chunks(vec![])).exact_len(),
            Some(0)
        );
    }

    #[test]
    fn full_and_empty_report_lengths() {
        assert_eq!(Body::from("").exact_len(), Some(0));
        assert_eq!(Body::from(vec![1, 2, 3]).exact_len(), Some(3));
    }
}
