//! A per-worker arena for the copies request heads point into.
//!
//! The parts of a parsed head (target, header values) are `Bytes` that must
//! outlive the connection's read buffer, so each read's complete heads are
//! copied once. Copying them into one shared chunk, carved up as requests
//! arrive, costs a reference count per request instead of two allocations
//! and two frees. A chunk is freed when the last request pointing into it
//! is dropped; a copy larger than a quarter chunk gets its own allocation,
//! so that one large head cannot waste most of a chunk.

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};

/// Bytes per chunk: a retained header value keeps at most this much alive.
const CHUNK: usize = 16 * 1024;

/// Carves copies out of a shared chunk.
pub(crate) struct Arena {
    chunk: RefCell<BytesMut>,
}

impl Arena {
    /// An arena that allocates its first chunk on first use.
    pub(crate) fn new() -> Arena {
        Arena {
            chunk: RefCell::new(BytesMut::new()),
        }
    }

    /// A copy of `data` that shares its allocation with earlier copies.
    pub(crate) fn copy(&self, data: &[u8]) -> Bytes {
        if data.len() > CHUNK / 4 {
            return Bytes::copy_from_slice(data);
        }
        let mut chunk = self.chunk.borrow_mut();
        if chunk.capacity() - chunk.len() < data.len() {
            // The old chunk lives on in the copies made from it.
            *chunk = BytesMut::with_capacity(CHUNK);
        }
        chunk.extend_from_slice(data);
        chunk.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_exact_and_share_a_chunk() {
        let arena = Arena::new();
        let a = arena.copy(b"GET / HTTP/1.1\r\n\r\n");
        let b = arena.copy(b"hello");
        assert_eq!(&a[..], b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(&b[..], b"hello");
        // Adjacent in one allocation.
        assert_eq!(a.as_ptr() as usize + a.len(), b.as_ptr() as usize);
    }

    #[test]
    fn a_full_chunk_is_replaced_and_old_copies_stay_valid() {
        let arena = Arena::new();
        let first = arena.copy(&[1; 4000]);
        let mut last = first.clone();
        for i in 0..10u8 {
            last = arena.copy(&[i; 4000]);
            assert!(last.iter().all(|&b| b == i));
        }
        assert!(first.iter().all(|&b| b == 1));
        assert_eq!(last.len(), 4000);
    }

    #[test]
    fn large_copies_get_their_own_allocation() {
        let arena = Arena::new();
        let small = arena.copy(b"x");
        let big = arena.copy(&[7; CHUNK]);
        let next = arena.copy(b"y");
        assert_eq!(big.len(), CHUNK);
        assert_eq!(small.as_ptr() as usize + 1, next.as_ptr() as usize);
    }
}
