//! Several `Bytes` written with one vectored write (`writev`), owned by the
//! operation while the kernel reads them, and advanced past what each
//! write took.

use bytes::Bytes;
use monoio::buf::IoVecBuf;

/// The most buffers one `writev` is given (the kernel's `IOV_MAX` is 1024);
/// the rest follow in later writes.
const MAX_IOVECS: usize = 64;

/// Buffers to write in order, with the `iovec`s that describe what is left
/// of them.
pub(crate) struct IoVecs {
    /// The memory the `iovec`s point into, held (never read) until the
    /// writes are done.
    _bufs: Vec<Bytes>,
    iovecs: Vec<libc::iovec>,
    /// The first `iovec` not wholly written.
    at: usize,
}

impl IoVecs {
    /// The non-empty ones of `bufs`, in order.
    pub(crate) fn new(mut bufs: Vec<Bytes>) -> IoVecs {
        bufs.retain(|b| !b.is_empty());
        let iovecs = bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.as_ptr().cast_mut().cast(),
                iov_len: b.len(),
            })
            .collect();
        IoVecs {
            _bufs: bufs,
            iovecs,
            at: 0,
        }
    }

    /// Whether everything was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.at == self.iovecs.len()
    }

    /// Records that a write took the next `n` bytes.
    pub(crate) fn advance(&mut self, mut n: usize) {
        while let Some(iovec) = self.iovecs.get_mut(self.at) {
            if n < iovec.iov_len {
                // SAFETY: `n` is less than the buffer's remaining length, so
                // the pointer stays inside the `Bytes` it came from.
                iovec.iov_base = unsafe { iovec.iov_base.cast::<u8>().add(n) }.cast();
                iovec.iov_len -= n;
                return;
            }
            n -= iovec.iov_len;
            self.at += 1;
        }
    }
}

// SAFETY: the `iovec`s point into `_bufs`, whose memory neither moves nor
// changes while the value exists (a `Bytes` is immutable and its memory
// lives on the heap, as does the `iovec` array); `at` and the array only
// change through `advance`, between operations, never while the runtime
// owns the value.
unsafe impl IoVecBuf for IoVecs {
    fn read_iovec_ptr(&self) -> *const libc::iovec {
        self.iovecs[self.at..].as_ptr()
    }

    fn read_iovec_len(&self) -> usize {
        (self.iovecs.len() - self.at).min(MAX_IOVECS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is left, as the kernel would read it.
    fn left(v: &IoVecs) -> Vec<u8> {
        let mut out = Vec::new();
        for iovec in &v.iovecs[v.at..] {
            // SAFETY: each iovec describes live bytes of `v._bufs`.
            let part =
                unsafe { std::slice::from_raw_parts(iovec.iov_base.cast::<u8>(), iovec.iov_len) };
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn advancing_walks_across_and_into_buffers() {
        let mut v = IoVecs::new(vec![
            Bytes::from_static(b"head"),
            Bytes::new(),
            Bytes::from_static(b"payload"),
            Bytes::from_static(b"!"),
        ]);
        assert_eq!(v.read_iovec_len(), 3, "empty buffers are skipped");
        assert_eq!(left(&v), b"headpayload!");
        v.advance(2);
        assert_eq!(left(&v), b"adpayload!");
        v.advance(5);
        assert_eq!(left(&v), b"load!");
        assert_eq!(v.read_iovec_len(), 2);
        v.advance(4);
        assert_eq!(left(&v), b"!");
        assert!(!v.is_empty());
        v.advance(1);
        assert!(v.is_empty());
        assert_eq!(v.read_iovec_len(), 0);
    }

    #[test]
    fn one_write_is_given_at_most_max_iovecs() {
        let bufs = (0..MAX_IOVECS + 10)
            .map(|_| Bytes::from_static(b"x"))
            .collect();
        let mut v = IoVecs::new(bufs);
        assert_eq!(v.read_iovec_len(), MAX_IOVECS);
        v.advance(MAX_IOVECS);
        assert_eq!(v.read_iovec_len(), 10);
    }
}
