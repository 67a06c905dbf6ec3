//! Ending every connection task of a worker at once, when the drain
//! deadline has passed and a service is still running.
//!
//! A deadline can cancel a connection's IO, but not a service future that
//! is busy elsewhere; dropping the task's future does. Dropping is safe with
//! io_uring: an operation still in flight keeps its buffer alive in the
//! driver until the kernel completes it.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use slab::Slab;

/// The connection tasks of one worker, and whether they must end.
#[derive(Default)]
pub(crate) struct Aborts {
    aborted: Cell<bool>,
    wakers: RefCell<Slab<Option<Waker>>>,
}

impl Aborts {
    /// Runs `fut` until it ends or [`abort_all`](Self::abort_all) is called.
    pub(crate) async fn run<F: Future<Output = ()>>(self: &Rc<Self>, fut: F) {
        let key = self.wakers.borrow_mut().insert(None);
        let _guard = Unregister(self, key);
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if self.aborted.get() {
                return Poll::Ready(());
            }
            if let Some(slot) = self.wakers.borrow_mut().get_mut(key) {
                if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *slot = Some(cx.waker().clone());
                }
            }
            fut.as_mut().poll(cx)
        })
        .await
    }

    /// Ends every task started with [`run`](Self::run), now and later.
    pub(crate) fn abort_all(&self) {
        self.aborted.set(true);
        let wakers: Vec<Waker> = self
            .wakers
            .borrow_mut()
            .iter_mut()
            .filter_map(|(_, w)| w.take())
            .collect();
        for w in wakers {
            w.wake();
        }
    }
}

struct Unregister<'a>(&'a Aborts, usize);

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        self.0.wakers.borrow_mut().remove(self.1);
    }
}
