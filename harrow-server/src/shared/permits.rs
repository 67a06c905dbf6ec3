//! Connection permits: each worker's share of `max_connections`.
//!
//! The counts live in the worker's [`Counters`], where a server's
//! statistics read them from any thread.

use std::rc::Rc;
use std::sync::Arc;

use crate::stats::Counters;

/// Counts a worker's open connections against its share of the limit.
pub(crate) struct ConnLimit {
    counters: Arc<Counters>,
    max: usize,
}

impl ConnLimit {
    /// A limit of `max` connections, counted in `counters`.
    pub(crate) fn new(max: usize, counters: Arc<Counters>) -> Rc<ConnLimit> {
        Rc::new(ConnLimit { counters, max })
    }

    /// A permit for one more connection, or `None` (counted) when full.
    pub(crate) fn try_acquire(self: &Rc<Self>) -> Option<Permit> {
        if self.open() >= self.max {
            self.counters.rejected.add(1);
            return None;
        }
        self.counters.open.add(1);
        self.counters.accepted.add(1);
        Some(Permit(self.clone()))
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.counters.open.get() as usize
    }

    /// Connections refused so far.
    pub(crate) fn rejected(&self) -> u64 {
        self.counters.rejected.get()
    }
}

/// One open connection; dropping it frees the slot.
pub(crate) struct Permit(Rc<ConnLimit>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.counters.open.sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_counted_and_returned() {
        let limit = ConnLimit::new(2, Counters::new(0));
        let a = limit.try_acquire().unwrap();
        let _b = limit.try_acquire().unwrap();
        assert!(limit.try_acquire().is_none());
        assert_eq!(limit.rejected(), 1);
        drop(a);
        assert_eq!(limit.open(), 1);
        assert!(limit.try_acquire().is_some());
        assert_eq!(limit.counters.accepted.get(), 3);
    }
}
