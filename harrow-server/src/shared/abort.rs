//! Ending every connection task of a worker at once, when the drain
//! deadline has passed and a service is still running.
//!
//! A deadline can cancel a connection's IO, but not a service future that
//! is busy elsewhere; dropping the task's future does. Dropping is safe with
//! io_uring: an operation still in flight keeps its buffer alive in the
//! driver until the kernel completes it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

/// The connection tasks of one worker, and whether they must end.
#[derive(Default)]
pub(crate) struct Aborts {
    aborted: Cell<bool>,
    wakers: RefCell<Slab<Option<Waker>>>,
}

impl Aborts {
    /// Wraps `fut` so that it ends early once [`abort_all`](Self::abort_all)
    /// is called. A plain struct future, so `fut` is stored once, in place.
    pub(crate) fn wrap<F: Future<Output = ()>>(self: &Rc<Self>, fut: F) -> Abortable<F> {
        let key = self.wakers.borrow_mut().insert(None);
        Abortable {
            fut,
            aborts: self.clone(),
            key,
        }
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

pin_project_lite::pin_project! {
    /// A future that ends when it completes or its worker aborts all tasks.
    pub(crate) struct Abortable<F> {
        #[pin]
        fut: F,
        aborts: Rc<Aborts>,
        key: usize,
    }

    impl<F> PinnedDrop for Abortable<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.aborts.wakers.borrow_mut().remove(*this.key);
        }
    }
}

impl<F: Future<Output = ()>> Future for Abortable<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.aborts.aborted.get() {
            return Poll::Ready(());
        }
        if let Some(slot) = this.aborts.wakers.borrow_mut().get_mut(*this.key)
            && !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
        {
            *slot = Some(cx.waker().clone());
        }
        this.fut.poll(cx)
    }
}
