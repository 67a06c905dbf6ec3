//! A bounded pool of threads for blocking and CPU-heavy work, so that a
//! worker never stalls on it.
//!
//! A worker thread serves many connections from one event loop: a handler
//! that blocks (a synchronous database call, a file read through `std::fs`,
//! password hashing, image resizing) stops every other request on that
//! worker until it returns. [`spawn_blocking`] hands such a closure to this
//! pool and gives back a future; the worker goes on serving while a pool
//! thread runs the closure, and the thread that finishes it wakes the
//! awaiting task through the runtime's cross-thread waker. The worker never
//! waits on a lock or a channel for it.
//!
//! # Limits
//!
//! * One pool for the whole process, started on first use. Threads are
//!   started on demand up to a maximum ([`max_threads`]: 64 unless the
//!   `HARROW_BLOCKING_THREADS` variable or [`set_max_threads`] says
//!   otherwise) and end after 10 seconds without work.
//! * Past the maximum, jobs wait in a queue, first come first served. The
//!   queue has no bound of its own: each job is awaited by a request in
//!   flight, and those are bounded by the server's connection and stream
//!   limits.
//! * A job that has started runs to its end: dropping the future (a client
//!   that went away, a timeout) does not stop it, as no thread can be
//!   stopped from outside. Jobs not awaited still run.
//! * A job that panics makes the awaiting task panic with the same payload,
//!   as if the closure had run in place (a handler's panic becomes a 500).
//!   Should the system refuse to start any thread at all, the waiting
//!   tasks panic with the reason.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// The most threads the pool starts unless told otherwise.
const DEFAULT_MAX_THREADS: usize = 64;

/// How long an idle pool thread waits for work before it ends.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The environment variable that sets the pool's maximum at first use.
const ENV_MAX_THREADS: &str = "HARROW_BLOCKING_THREADS";

/// Runs `job` on the blocking pool; the returned future yields its result.
///
/// Call it from a handler (or any task on a worker) for work that would
/// otherwise block the worker's thread. The closure must be `Send`: it runs
/// on another thread, so it takes owned values (clone an `Arc`, not an
/// `Rc`).
///
/// ```
/// use harrow_server::rt::{self, blocking::spawn_blocking};
///
/// let sum = rt::block_on(async {
///     spawn_blocking(|| (1..=1_000u64).sum::<u64>()).await
/// });
/// assert_eq!(sum, 500_500);
/// ```
///
/// When `job` panics, awaiting the future panics with the same payload.
pub fn spawn_blocking<F, T>(job: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    pool().spawn(job)
}

/// The most threads the blocking pool runs at once.
pub fn max_threads() -> usize {
    pool().max.load(Ordering::Relaxed)
}

/// Sets the most threads the blocking pool runs at once (at least one).
/// Threads already running finish their jobs; past the new maximum no new
/// thread starts until enough have ended.
pub fn set_max_threads(max: usize) {
    pool().set_max(max);
}

/// The output of [`spawn_blocking`]: a future that resolves to the job's
/// result once a pool thread has run it.
#[must_use = "the job runs anyway; await this to get its result"]
pub struct Blocking<T> {
    done: Arc<Done<T>>,
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = lock(&self.done.slot);
        match slot.outcome.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(payload)) => {
                drop(slot);
                resume_unwind(payload)
            }
            None => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T> std::fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let finished = lock(&self.done.slot).outcome.is_some();
        f.debug_struct("Blocking")
            .field("finished", &finished)
            .finish()
    }
}

/// Where a pool thread leaves a job's outcome for the awaiting task.
struct Done<T> {
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    outcome: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

impl<T> Done<T> {
    /// Stores the outcome and wakes the task awaiting it, if any (from the
    /// pool thread; the runtime's waker crosses threads).
    fn finish(&self, outcome: thread::Result<T>) {
        let waker = {
            let mut slot = lock(&self.slot);
            slot.outcome = Some(outcome);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A queued job: its closure and where its outcome goes.
trait Job: Send {
    /// Runs the closure and hands over its outcome.
    fn run(self: Box<Self>);
    /// Hands over a failure instead: the awaiting task panics with `reason`.
    fn fail(self: Box<Self>, reason: String);
}

struct JobOf<F, T> {
    job: F,
    done: Arc<Done<T>>,
}

impl<F, T> Job for JobOf<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(self: Box<Self>) {
        let JobOf { job, done } = *self;
        done.finish(catch_unwind(AssertUnwindSafe(job)));
    }

    fn fail(self: Box<Self>, reason: String) {
        self.done.finish(Err(Box::new(reason)));
    }
}

/// A pool of threads: a queue of jobs, the threads that take them, and the
/// counts that decide when to start one.
pub(crate) struct Pool {
    state: Mutex<State>,
    work: Condvar,
    max: AtomicUsize,
    keep_alive: Duration,
    name: &'static str,
}

struct State {
    queue: VecDeque<Box<dyn Job>>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for work and not yet told of any.
    idle: usize,
    /// Wake-ups sent and not yet taken by a thread.
    notified: usize,
}

/// The process's pool.
fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let max = std::env::var(ENV_MAX_THREADS)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_MAX_THREADS);
        Pool::new(max, KEEP_ALIVE, "harrow-blocking")
    })
}

impl Pool {
    pub(crate) fn new(max: usize, keep_alive: Duration, name: &'static str) -> Pool {
        Pool {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                notified: 0,
            }),
            work: Condvar::new(),
            max: AtomicUsize::new(max.max(1)),
            keep_alive,
            name,
        }
    }

    /// Sets the most threads, at least one.
    pub(crate) fn set_max(&self, max: usize) {
        self.max.store(max.max(1), Ordering::Relaxed);
    }

    /// Queues `job`, waking an idle thread or starting one when under the
    /// maximum.
    pub(crate) fn spawn<F, T>(&'static self, job: F) -> Blocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let done = Arc::new(Done {
            slot: Mutex::new(Slot {
                outcome: None,
                waker: None,
            }),
        });
        let job = Box::new(JobOf {
            job,
            done: done.clone(),
        });
        let mut state = lock(&self.state);
        state.queue.push_back(job);
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            // Woken after the lock is released, so the thread does not
            // wake only to wait for it.
            drop(state);
            self.work.notify_one();
        } else if state.threads < self.max.load(Ordering::Relaxed) {
            self.start_thread(&mut state);
        }
        Blocking { done }
    }

    /// Starts one more thread. When the system refuses and no thread is
    /// left to take the queue, the queued jobs fail (their tasks panic
    /// with the reason) rather than wait for ever.
    fn start_thread(&'static self, state: &mut MutexGuard<'_, State>) {
        let started = thread::Builder::new()
            .name(self.name.to_owned())
            .spawn(move || self.serve());
        match started {
            Ok(_) => state.threads += 1,
            Err(e) if state.threads == 0 => {
                let reason = format!("cannot start a blocking-pool thread: {e}");
                tracing::error!("{reason}");
                for job in state.queue.drain(..) {
                    job.fail(reason.clone());
                }
            }
            Err(e) => tracing::warn!("cannot start another blocking-pool thread: {e}"),
        }
    }

    /// A pool thread: takes jobs until none comes for `keep_alive`.
    fn serve(&self) {
        let mut state = lock(&self.state);
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job.run();
                state = lock(&self.state);
                continue;
            }
            state.idle += 1;
            let (next, wait) = self
                .work
                .wait_timeout(state, self.keep_alive)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            if state.notified > 0 {
                // Told of a job: whoever told us already counted us busy.
                state.notified -= 1;
                continue;
            }
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}

/// Locks `mutex`, going on after a panic elsewhere: the pool's state stays
/// consistent because no code panics while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::block_on;
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    fn leaked(max: usize, keep_alive: Duration) -> &'static Pool {
        Box::leak(Box::new(Pool::new(max, keep_alive, "test-blocking")))
    }

    #[test]
    fn the_result_comes_back_to_the_awaiting_task() {
        let name = block_on(spawn_blocking(|| {
            thread::current().name().map(str::to_owned)
        }));
        assert_eq!(name.as_deref(), Some("harrow-blocking"));
    }

    #[test]
    fn a_panic_in_the_job_reaches_the_awaiting_task() {
        let caught = std::panic::catch_unwind(|| {
            block_on(spawn_blocking(|| -> u8 { panic!("job failed on purpose") }))
        });
        let payload = caught.expect_err("the panic crosses over");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"job failed on purpose")
        );
    }

    #[test]
    fn no_more_than_the_maximum_run_at_once() {
        let pool = leaked(2, Duration::from_secs(1));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..6)
            .map(|i| {
                let (running, peak) = (running.clone(), peak.clone());
                pool.spawn(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                })
            })
            .collect();
        let results = block_on(async {
            let mut out = Vec::new();
            for job in jobs {
                out.push(job.await);
            }
            out
        });
        assert_eq!(results, vec![0, 1, 2, 3, 4, 5]);
        assert!(peak.load(Ordering::SeqCst) <= 2, "more than two at once");
        assert!(lock(&pool.state).threads <= 2);
    }

    #[test]
    fn idle_threads_end_and_new_work_starts_one_again() {
        let pool = leaked(4, Duration::from_millis(20));
        assert_eq!(block_on(pool.spawn(|| 1)), 1);
        let deadline = Instant::now() + Duration::from_secs(5);
        while lock(&pool.state).threads > 0 {
            assert!(Instant::now() < deadline, "the idle thread did not end");
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(block_on(pool.spawn(|| 2)), 2);
    }

    #[test]
    fn a_job_not_awaited_still_runs() {
        let pool = leaked(1, Duration::from_secs(1));
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        drop(pool.spawn(move || flag.store(true, Ordering::SeqCst)));
        // The pool runs jobs in order: once this one is done, so is the first.
        block_on(pool.spawn(|| ()));
        assert!(ran.load(Ordering::SeqCst));
    }

    #[test]
    fn the_maximum_can_be_changed() {
        let pool = leaked(3, Duration::from_secs(1));
        assert_eq!(pool.max.load(Ordering::Relaxed), 3);
        pool.set_max(0);
        assert_eq!(pool.max.load(Ordering::Relaxed), 1, "never below one");
        assert_eq!(block_on(pool.spawn(|| 7)), 7);
    }
}
