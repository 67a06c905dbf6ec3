//! A per-worker pool of byte buffers.
//!
//! Connections borrow a read buffer while a request is arriving and a write
//! buffer while a response is going out, and give both back. In the steady
//! state of keep-alive traffic with small requests no buffer is allocated:
//! the same few buffers circulate. Buffers that grew large are dropped
//! rather than pooled, and the pool keeps at most `max_cached` of them.

use std::cell::RefCell;

/// A LIFO stack of cleared buffers of at least `size` bytes of capacity.
pub(crate) struct BufPool {
    free: RefCell<Vec<Vec<u8>>>,
    size: usize,
    max_cached: usize,
    /// Buffers handed out and not yet given back.
    #[cfg(test)]
    lent: std::cell::Cell<usize>,
}

impl BufPool {
    /// A pool of `size`-byte buffers that keeps up to `max_cached` spares.
    pub(crate) fn new(size: usize, max_cached: usize) -> BufPool {
        BufPool {
            free: RefCell::new(Vec::with_capacity(max_cached)),
            size,
            max_cached,
            #[cfg(test)]
            lent: std::cell::Cell::new(0),
        }
    }

    /// An empty buffer with at least the pool's capacity.
    pub(crate) fn get(&self) -> Vec<u8> {
        #[cfg(test)]
        self.lent.set(self.lent.get() + 1);
        self.free
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.size))
    }

    /// Returns a buffer; it is cleared, and dropped when it grew past four
    /// times the pool size or the pool is full.
    pub(crate) fn put(&self, mut buf: Vec<u8>) {
        #[cfg(test)]
        self.lent.set(self.lent.get() - 1);
        if buf.capacity() < self.size || buf.capacity() > self.size * 4 {
            return;
        }
        let mut free = self.free.borrow_mut();
        if free.len() < self.max_cached {
            buf.clear();
            free.push(buf);
        }
    }

    /// How many buffers are out (taken and not given back).
    #[cfg(test)]
    pub(crate) fn lent(&self) -> usize {
        self.lent.get()
    }

    /// How many spare buffers the pool holds.
    #[cfg(test)]
    pub(crate) fn cached(&self) -> usize {
        self.free.borrow().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_circulate_without_allocating() {
        let pool = BufPool::new(1024, 2);
        let mut a = pool.get();
        a.extend_from_slice(b"hello");
        let ptr = a.as_ptr();
        pool.put(a);
        let b = pool.get();
        assert_eq!(b.as_ptr(), ptr, "the same allocation comes back");
        assert!(b.is_empty());
        assert!(b.capacity() >= 1024);
    }

    #[test]
    fn oversized_and_surplus_buffers_are_dropped() {
        let pool = BufPool::new(1024, 2);
        let mut grown = pool.get();
        grown.reserve(1024 * 8);
        pool.put(grown);
        assert_eq!(pool.cached(), 0);
        let three = [pool.get(), pool.get(), pool.get()];
        for buf in three {
            pool.put(buf);
        }
        assert_eq!(pool.cached(), 2);
        assert_eq!(pool.lent(), 0);
    }
}
