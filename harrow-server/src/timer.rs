//! Connection deadlines without a timer per request: one sweep per worker.
//!
//! Each connection owns an [`Entry`] in its worker's [`Timers`]. Setting a
//! deadline is two cell writes; no timer is created. A sweep task wakes a
//! few times per shortest timeout, and for every entry whose deadline has
//! passed it cancels the connection's in-flight operation through its
//! monoio `Canceller` and wakes it. The connection still awaits that
//! operation: with io_uring the kernel may be writing into the buffer until
//! the cancellation completes, so the buffer is only reused or freed after
//! the operation has returned it.
//!
//! The same path serves graceful drain (idle connections are cancelled at
//! once) and buffer release (connections idle for a whole sweep period give
//! their read buffer back and wait for readability without one).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;
use std::time::{Duration, Instant};

use monoio::io::{CancelHandle, Canceller};
use slab::Slab;

/// Why an entry's operation was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    /// Its deadline passed.
    Deadline,
    /// The worker is draining and the connection was idle.
    Drain,
    /// It sat idle for a sweep period; it should release its read buffer.
    Release,
}

/// The phase a connection is in, which says what may cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Between requests, with no bytes of the next one yet.
    Idle,
    /// Reading a request, writing a response, or running the service.
    Busy,
}

/// One connection's deadline and cancellation state.
pub(crate) struct Entry {
    deadline: Cell<Option<Instant>>,
    fired: Cell<Option<Fired>>,
    phase: Cell<Phase>,
    /// Sweeps seen while idle; at two, the read buffer is released.
    idle_sweeps: Cell<u8>,
    /// Whether the connection currently holds a read buffer to release.
    holds_buffer: Cell<bool>,
    canceller: RefCell<Canceller>,
    waker: RefCell<Option<Waker>>,
}

impl Entry {
    fn fire(&self, why: Fired) {
        self.fired.set(Some(why));
        let old = self.canceller.replace(Canceller::new());
        // Cancels every operation registered with the old canceller; each
        // one still completes (with ECANCELED or its data) and is awaited.
        drop(old.cancel());
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// A worker's registry of connection deadlines.
pub(crate) struct Timers {
    entries: RefCell<Slab<Rc<Entry>>>,
    /// The last sweep's clock plus one tick: deadlines count from here, so
    /// that none fires early although the clock is only read per sweep.
    base: Cell<Instant>,
    tick: Duration,
}

impl Timers {
    /// A registry swept every `tick`.
    pub(crate) fn new(tick: Duration) -> Rc<Timers> {
        Rc::new(Timers {
            entries: RefCell::new(Slab::new()),
            base: Cell::new(Instant::now() + tick),
            tick,
        })
    }

    /// The sweep period for the given timeouts: a tenth of the shortest,
    /// between 10 ms and 250 ms.
    pub(crate) fn tick_for(timeouts: &[Option<Duration>]) -> Duration {
        let shortest = timeouts
            .iter()
            .flatten()
            .min()
            .copied()
            .unwrap_or(Duration::from_secs(1));
        (shortest / 10).clamp(Duration::from_millis(10), Duration::from_millis(250))
    }

    /// Registers a connection that may live `max_life` at most.
    pub(crate) fn register(self: &Rc<Self>, max_life: Option<Duration>) -> ConnTimer {
        let entry = Rc::new(Entry {
            deadline: Cell::new(None),
            fired: Cell::new(None),
            phase: Cell::new(Phase::Busy),
            idle_sweeps: Cell::new(0),
            holds_buffer: Cell::new(false),
            canceller: RefCell::new(Canceller::new()),
            waker: RefCell::new(None),
        });
        let key = self.entries.borrow_mut().insert(entry.clone());
        let cap = max_life.map(|t| self.base.get() + t);
        ConnTimer {
            entry,
            key,
            cap,
            timers: self.clone(),
        }
    }

    /// The sweep period.
    pub(crate) fn tick(&self) -> Duration {
        self.tick
    }

    /// Fires every entry whose deadline has passed, and asks connections
    /// idle for two sweeps to release their read buffers.
    pub(crate) fn sweep(&self) {
        let now = Instant::now();
        self.base.set(now + self.tick);
        let entries = self.entries.borrow();
        for (_, e) in entries.iter() {
            if e.fired.get().is_some() {
                continue;
            }
            if e.deadline.get().is_some_and(|d| d <= now) {
                e.fire(Fired::Deadline);
            } else if e.phase.get() == Phase::Idle && e.holds_buffer.get() {
                let seen = e.idle_sweeps.get() + 1;
                e.idle_sweeps.set(seen);
                if seen >= 2 {
                    e.fire(Fired::Release);
                }
            }
        }
    }

    /// Cancels every connection's operation (the drain deadline passed).
    pub(crate) fn fire_all(&self) {
        for (_, e) in self.entries.borrow().iter() {
            if e.fired.get().is_none() {
                e.fire(Fired::Deadline);
            }
        }
    }

    /// Cancels every idle connection at once (graceful drain).
    pub(crate) fn fire_idle(&self) {
        for (_, e) in self.entries.borrow().iter() {
            if e.phase.get() == Phase::Idle && e.fired.get().is_none() {
                e.fire(Fired::Drain);
            }
        }
    }

    /// How many connections are registered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }
}

/// Cancels a connection's operation in flight (which still completes, with
/// ECANCELED or its data, and is awaited by its owner).
pub(crate) struct Interrupter(Rc<Entry>);

impl Interrupter {
    /// Cancels the operations registered so far.
    pub(crate) fn interrupt(&self) {
        let old = self.0.canceller.replace(Canceller::new());
        drop(old.cancel());
    }
}

/// A connection's handle on its entry; dropping it unregisters.
pub(crate) struct ConnTimer {
    entry: Rc<Entry>,
    key: usize,
    cap: Option<Instant>,
    timers: Rc<Timers>,
}

impl ConnTimer {
    /// The instant `timeout` from now on the sweep clock, never early: the
    /// clock lags real time by up to one tick, so a tick is added.
    pub(crate) fn deadline_in(&self, timeout: Option<Duration>) -> Option<Instant> {
        timeout.map(|t| self.timers.base.get() + t)
    }

    /// Sets the deadline to `at`, capped at the connection's end of life;
    /// `None` leaves only that cap. Clears a previous [`Fired::Release`].
    pub(crate) fn arm(&self, at: Option<Instant>) {
        let at = match (at, self.cap) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        self.entry.deadline.set(at);
        if self.entry.fired.get() == Some(Fired::Release) {
            self.entry.fired.set(None);
        }
    }

    /// Lifts the connection's end of life: from now on it lives as long as
    /// what it carries (an upgraded stream) keeps it busy.
    #[cfg(feature = "http2")]
    pub(crate) fn uncap(&mut self) {
        self.cap = None;
    }

    /// [`arm`](Self::arm) with a deadline `timeout` from now.
    pub(crate) fn arm_in(&self, timeout: Option<Duration>) {
        self.arm(self.deadline_in(timeout));
    }

    /// A handle that cancels the operation in flight without firing the
    /// deadline, usable while the connection itself is borrowed.
    pub(crate) fn interrupter(&self) -> Interrupter {
        Interrupter(self.entry.clone())
    }

    /// Forgets that the entry fired, so its next deadline can fire again.
    /// Only for connections with no cancelable operation in flight.
    pub(crate) fn reset_fired(&self) {
        self.entry.fired.set(None);
    }

    /// Marks the connection idle (between requests) or busy.
    pub(crate) fn set_phase(&self, phase: Phase, holds_buffer: bool) {
        self.entry.phase.set(phase);
        self.entry.holds_buffer.set(holds_buffer);
        self.entry.idle_sweeps.set(0);
    }

    /// A handle to pass to the next cancelable operation.
    pub(crate) fn handle(&self) -> CancelHandle {
        self.entry.canceller.borrow().handle()
    }

    /// Why the last operation was cancelled, if it was.
    pub(crate) fn fired(&self) -> Option<Fired> {
        self.entry.fired.get()
    }

    /// Runs `fut` until it finishes, or until the entry fires (then
    /// `None`, and `fut` is dropped): for readiness-based work, where a
    /// dropped future owns no buffer the kernel could still write to.
    #[cfg(feature = "http2")]
    pub(crate) async fn until_fired<F: std::future::Future>(&self, fut: F) -> Option<F::Output> {
        let mut fut = std::pin::pin!(fut);
        std::future::poll_fn(|cx| {
            if self.fired().is_some() {
                return std::task::Poll::Ready(None);
            }
            self.register_waker(cx.waker());
            fut.as_mut().poll(cx).map(Some)
        })
        .await
    }

    /// Registers the task to wake when the entry fires.
    pub(crate) fn register_waker(&self, waker: &Waker) {
        let mut slot = self.entry.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

impl Drop for ConnTimer {
    fn drop(&mut self) {
        self.timers.entries.borrow_mut().remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_follows_the_shortest_timeout() {
        let t = Timers::tick_for(&[
            Some(Duration::from_secs(5)),
            None,
            Some(Duration::from_millis(300)),
        ]);
        assert_eq!(t, Duration::from_millis(30));
        assert_eq!(
            Timers::tick_for(&[Some(Duration::from_secs(60))]),
            Duration::from_millis(250)
        );
        assert_eq!(
            Timers::tick_for(&[Some(Duration::from_millis(1))]),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn sweep_fires_passed_deadlines_only() {
        let timers = Timers::new(Duration::from_millis(10));
        let soon = timers.register(None);
        let later = timers.register(None);
        let never = timers.register(None);
        soon.arm_in(Some(Duration::ZERO));
        later.arm_in(Some(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(15));
        timers.sweep();
        assert_eq!(soon.fired(), Some(Fired::Deadline));
        assert_eq!(later.fired(), None);
        assert_eq!(never.fired(), None);
        drop(soon);
        assert_eq!(timers.len(), 2);
    }

    #[test]
    fn idle_connections_release_buffers_then_drain() {
        let timers = Timers::new(Duration::from_millis(10));
        let idle = timers.register(None);
        let busy = timers.register(None);
        idle.set_phase(Phase::Idle, true);
        timers.sweep();
        assert_eq!(idle.fired(), None, "one sweep is not enough");
        timers.sweep();
        assert_eq!(idle.fired(), Some(Fired::Release));
        idle.arm(None);
        idle.set_phase(Phase::Idle, false);
        assert_eq!(idle.fired(), None);
        timers.fire_idle();
        assert_eq!(idle.fired(), Some(Fired::Drain));
        assert_eq!(busy.fired(), None);
    }
}
