//! Connection permits: each worker's share of `max_connections`.

use std::cell::Cell;
use std::rc::Rc;

/// Counts a worker's open connections against its share of the limit.
pub(crate) struct ConnLimit {
    open: Cell<usize>,
    max: usize,
    rejected: Cell<u64>,
}

impl ConnLimit {
    /// A limit of `max` connections.
    pub(crate) fn new(max: usize) -> Rc<ConnLimit> {
        Rc::new(ConnLimit {
            open: Cell::new(0),
            max,
            rejected: Cell::new(0),
        })
    }

    /// A permit for one more connection, or `None` (counted) when full.
    pub(crate) fn try_acquire(self: &Rc<Self>) -> Option<Permit> {
        if self.open.get() >= self.max {
            self.rejected.set(self.rejected.get() + 1);
            return None;
        }
        self.open.set(self.open.get() + 1);
        Some(Permit(self.clone()))
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.open.get()
    }

    /// Connections refused so far.
    pub(crate) fn rejected(&self) -> u64 {
        self.rejected.get()
    }
}

/// One open connection; dropping it frees the slot.
pub(crate) struct Permit(Rc<ConnLimit>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.open.set(self.0.open.get() - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_are_counted_and_returned() {
        let limit = ConnLimit::new(2);
        let a = limit.try_acquire().unwrap();
        let _b = limit.try_acquire().unwrap();
        assert!(limit.try_acquire().is_none());
        assert_eq!(limit.rejected(), 1);
        drop(a);
        assert_eq!(limit.open(), 1);
        assert!(limit.try_acquire().is_some());
    }
}
