//! The worker's drain flag, with wakers: connections read it between
//! requests, and long-lived responses (event streams, WebSockets) wait on
//! it through [`crate::rt::shutdown`] to end cleanly when the server stops.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

/// Whether the worker is draining, and who waits to hear it.
#[derive(Default)]
pub(crate) struct Drain {
    on: Cell<bool>,
    wakers: RefCell<Slab<Waker>>,
}

thread_local! {
    /// The drain of the worker running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Drain>>> = const { RefCell::new(None) };
}

impl Drain {
    /// Starts the drain and wakes every waiter.
    pub(crate) fn start(&self) {
        self.on.set(true);
        let wakers: Vec<Waker> = self.wakers.borrow_mut().drain().collect();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether the drain has started.
    pub(crate) fn is_on(&self) -> bool {
        self.on.get()
    }

    /// Makes this the drain [`crate::rt::shutdown`] waits on, on this
    /// thread, until the guard is dropped.
    pub(crate) fn enter(self: &Rc<Self>) -> Entered {
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        Entered { previous }
    }

    /// Resolves once the drain has started.
    pub(crate) fn wait(self: &Rc<Self>) -> DrainWait {
        DrainWait {
            drain: self.clone(),
            slot: None,
        }
    }

    /// The drain of the worker running on this thread.
    pub(crate) fn current() -> Option<Rc<Drain>> {
        CURRENT.with(|c| c.borrow().clone())
    }
}

/// Restores the thread's previous drain when dropped.
pub(crate) struct Entered {
    previous: Option<Rc<Drain>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The future of [`Drain::wait`]: it holds one waker slot, refreshed in
/// place however often it is polled, and given back when dropped.
pub(crate) struct DrainWait {
    drain: Rc<Drain>,
    slot: Option<usize>,
}

impl Future for DrainWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.drain.is_on() {
            return Poll::Ready(());
        }
        let drain = self.drain.clone();
        let mut wakers = drain.wakers.borrow_mut();
        match self.slot.and_then(|slot| wakers.get_mut(slot)) {
            Some(waker) => waker.clone_from(cx.waker()),
            None => self.slot = Some(wakers.insert(cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for DrainWait {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.drain.wakers.borrow_mut().try_remove(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_wake_once_and_hold_one_slot_each() {
        crate::rt::block_on(async {
            let drain = Rc::new(Drain::default());
            let mut wait = Box::pin(drain.wait());
            for _ in 0..100 {
                let polled = std::future::poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx))).await;
                assert!(polled.is_pending());
            }
            assert_eq!(
                drain.wakers.borrow().len(),
                1,
                "one slot however often polled"
            );
            drain.start();
            wait.await;
            assert_eq!(drain.wakers.borrow().len(), 0);
        });
    }
}
