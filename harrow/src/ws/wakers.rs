//! Who waits on a WebSocket's state, and how they are woken.
//!
//! The reading loop, the writing loop and the application's future
//! usually run in one task (`driver::run`). Waking one of them from
//! another while that task is being polled would only schedule it again,
//! to be polled once more for what the running poll can see at once: a
//! queue push, a waker clone and a whole extra round per message. So while
//! `run` polls, a waiter whose waker is that task's is not woken; `run`
//! polls its futures again instead. Waiters in other tasks (an application
//! that moved its handle into a task of its own) are woken as usual.

use std::task::{Context, Waker};

/// One of the parties that wait on the state.
#[derive(Debug, Clone, Copy)]
pub(super) enum Waiter {
    /// The reading loop, waiting for room.
    Reader,
    /// The writing loop, waiting for output.
    Writer,
    /// The application, waiting for a message.
    Receiver,
    /// The application, waiting for room to send.
    Sender,
    /// The reading loop, its read in flight, watching for a closing
    /// handshake to begin (its deadline then bounds the read).
    Closing,
}

/// How many kinds of waiter there are.
const WAITERS: usize = 5;

/// The waiters' wakers, and whether the socket's own task is in its poll.
#[derive(Default)]
pub(super) struct Wakers {
    /// Each waiter's waker, by [`Waiter`].
    slots: [Option<Waker>; WAITERS],
    /// Each waiter in the polling task that was due a wake-up and has not
    /// registered again since: it is polled in the next round already,
    /// and another wake-up for it asks for no further round.
    woken: [bool; WAITERS],
    /// The waker of the task running `driver::run`.
    task: Option<Waker>,
    /// That task is polling the socket's futures now.
    polling: bool,
    /// A waiter in the polling task was due a wake-up.
    again: bool,
}

impl Wakers {
    /// Remembers `cx`'s waker for `waiter` (without a clone when it is
    /// the one already held).
    pub(super) fn register(&mut self, waiter: Waiter, cx: &Context<'_>) {
        let slot = &mut self.slots[waiter as usize];
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        self.woken[waiter as usize] = false;
    }

    /// Wakes `waiter`, or, when it is the task now polling, asks that
    /// task's poll to go round once more (and keeps the waker for the
    /// waiter's next registration).
    pub(super) fn wake(&mut self, waiter: Waiter) {
        let slot = &mut self.slots[waiter as usize];
        if self.polling
            && let (Some(w), Some(task)) = (slot.as_ref(), self.task.as_ref())
            && w.will_wake(task)
        {
            let woken = &mut self.woken[waiter as usize];
            self.again |= !*woken;
            *woken = true;
            return;
        }
        if let Some(w) = slot.take() {
            w.wake();
        }
    }

    /// Wakes every waiter.
    pub(super) fn wake_all(&mut self) {
        for waiter in [
            Waiter::Reader,
            Waiter::Writer,
            Waiter::Receiver,
            Waiter::Sender,
            Waiter::Closing,
        ] {
            self.wake(waiter);
        }
    }

    /// The task with `cx` starts polling the socket's futures.
    pub(super) fn enter(&mut self, cx: &Context<'_>) {
        match &self.task {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.task = Some(cx.waker().clone()),
        }
        self.polling = true;
        self.again = false;
    }

    /// Whether a waiter in the polling task was due a wake-up since the
    /// last call (then its futures are polled again).
    pub(super) fn take_again(&mut self) -> bool {
        std::mem::take(&mut self.again)
    }

    /// The task's poll ends (after `take_again` said no, or after the
    /// task woke itself).
    pub(super) fn leave(&mut self) {
        self.polling = false;
        self.again = false;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    /// A task that counts its wake-ups.
    #[derive(Default)]
    struct Task(AtomicUsize);

    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn task() -> (Arc<Task>, Waker) {
        let task = Arc::new(Task::default());
        (task.clone(), Waker::from(task))
    }

    fn woken(task: &Task) -> usize {
        task.0.load(Ordering::Relaxed)
    }

    #[test]
    fn a_waiter_in_the_polling_task_is_polled_again_not_woken() {
        let (own, own_waker) = task();
        let mut wakers = Wakers::default();
        let cx = Context::from_waker(&own_waker);
        wakers.register(Waiter::Receiver, &cx);
        wakers.enter(&cx);
        wakers.wake(Waiter::Receiver);
        assert!(wakers.take_again(), "the poll must go round again");
        assert!(!wakers.take_again(), "once per wake-up");
        // Woken already and not waiting again: no further round.
        wakers.wake(Waiter::Receiver);
        assert!(!wakers.take_again());
        // Waiting again: a wake-up asks for a round once more.
        wakers.register(Waiter::Receiver, &cx);
        wakers.wake(Waiter::Receiver);
        assert!(wakers.take_again());
        wakers.leave();
        assert_eq!(woken(&own), 0);
        // Outside the poll the same waiter is woken as usual.
        wakers.wake(Waiter::Receiver);
        assert_eq!(woken(&own), 1);
    }

    #[test]
    fn a_waiter_in_another_task_is_woken_during_the_poll() {
        let (own, own_waker) = task();
        let (other, other_waker) = task();
        let mut wakers = Wakers::default();
        wakers.register(Waiter::Sender, &Context::from_waker(&other_waker));
        wakers.enter(&Context::from_waker(&own_waker));
        wakers.wake_all();
        assert!(!wakers.take_again());
        wakers.leave();
        assert_eq!(woken(&other), 1);
        assert_eq!(woken(&own), 0);
        // Its waker was used up: a second wake-up needs a new registration.
        wakers.wake(Waiter::Sender);
        assert_eq!(woken(&other), 1);
    }
}
