//! The tokio bridge: run a future on a shared tokio runtime and await its
//! output on the worker, so that tokio-based libraries (`sqlx`, `reqwest`,
//! `redis`, cloud SDKs) work from Harrow's handlers.
//!
//! Harrow's workers run monoio, not tokio. A library that needs a tokio
//! runtime (to open sockets, to set timers) panics with "there is no
//! reactor running" when called on a worker. [`run`] sends the future to a
//! tokio runtime shared by the whole process, started on first use with
//! few threads, and gives back a future the handler awaits; the worker
//! serves other requests meanwhile, and the tokio thread that finishes the
//! future wakes the handler's task.
//!
//! ```no_run
//! use harrow::{App, Error};
//!
//! /// A `reqwest::Client` (or an `sqlx::PgPool`) is `Send + Sync`: build
//! /// it once, keep it in state, and clone it into each bridged future.
//! #[derive(Clone)]
//! struct Upstream(String);
//!
//! async fn proxy(harrow::State(up): harrow::State<Upstream>) -> Result<String, Error> {
//!     let body = harrow::tokio::run(async move {
//!         // tokio's timers and sockets work here.
//!         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!         format!("fetched {}", up.0)
//!     })
//!     .await;
//!     Ok(body)
//! }
//! # let _ = App::new().state(Upstream("x".into())).get("/", proxy);
//! ```
//!
//! # Cost and limits
//!
//! * Each call is two cross-thread hops (to a tokio thread and back), a few
//!   microseconds each; the book's chapter on databases gives the measured
//!   figure. It is worth it for work that waits on the network; for CPU
//!   work or blocking calls use [`rt::spawn_blocking`](crate::rt::spawn_blocking).
//! * The future must be `Send + 'static`: it runs on another thread, so it
//!   owns what it uses (clone an `Arc`, never an `Rc`).
//! * The runtime has 2 threads unless the `HARROW_TOKIO_THREADS` variable
//!   or [`set_threads`] (before first use) says otherwise. It lives as long
//!   as the process.

use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use ::tokio::runtime::{Builder, Handle, Runtime};
use ::tokio::task::JoinHandle;

/// How many threads the runtime starts with, unless told otherwise.
const DEFAULT_THREADS: usize = 2;

/// The environment variable read for the thread count at first use.
const ENV_THREADS: &str = "HARROW_TOKIO_THREADS";

/// The count [`set_threads`] asked for; 0 for none.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The shared runtime, once started.
static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Runs `future` on the shared tokio runtime; awaiting the returned future
/// on a worker yields its output.
///
/// It behaves as if `future` were awaited in place: dropping the returned
/// [`Bridged`] (the client went away, a timeout fired) cancels `future` on
/// the runtime, and a panic inside it resumes in the awaiting task (a
/// handler's panic becomes a 500). Use [`spawn`] for work that must go on
/// unawaited.
///
/// ```
/// let n = harrow::rt::block_on(harrow::tokio::run(async {
///     tokio::task::yield_now().await;
///     40 + 2
/// }));
/// assert_eq!(n, 42);
/// ```
pub fn run<F>(future: F) -> Bridged<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Bridged(Some(handle().spawn(future)))
}

/// Starts `future` on the shared tokio runtime and returns tokio's own
/// handle: the task goes on when the handle is dropped, as with
/// `tokio::spawn`, and awaiting the handle (on a worker too) yields a
/// `Result` that says whether the task panicked.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    handle().spawn(future)
}

/// The shared runtime's handle, starting the runtime on first use: for
/// libraries that want one, or to build a client inside the runtime with
/// `handle().block_on(..)` at start-up (never on a worker).
pub fn handle() -> &'static Handle {
    RUNTIME.get_or_init(start).handle()
}

/// Sets the runtime's thread count (at least one). It takes effect only
/// before the runtime starts (the first [`run`], [`spawn`] or [`handle`]);
/// returns whether it did.
pub fn set_threads(threads: usize) -> bool {
    THREADS.store(threads.max(1), Ordering::Relaxed);
    RUNTIME.get().is_none()
}

/// How many threads the runtime has, or will start with.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => std::env::var(ENV_THREADS)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_THREADS),
        n => n,
    }
}

fn start() -> Runtime {
    let threads = threads();
    tracing::debug!(threads, "starting the shared tokio runtime");
    match Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("harrow-tokio")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("cannot start the shared tokio runtime: {e}"),
    }
}

/// The future [`run`] returns: the bridged future's output, awaited on the
/// worker. Dropping it cancels the bridged future.
#[must_use = "dropping it cancels the bridged future"]
pub struct Bridged<T>(Option<JoinHandle<T>>);

impl<T> Future for Bridged<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Some(task) = self.0.as_mut() else {
            panic!("`Bridged` polled after it finished");
        };
        let result = std::task::ready!(Pin::new(task).poll(cx));
        self.0 = None;
        match result {
            Ok(value) => Poll::Ready(value),
            Err(e) if e.is_panic() => resume_unwind(e.into_panic()),
            // Only this handle aborts the task, and only when dropped.
            Err(e) => panic!("the bridged future was cancelled: {e}"),
        }
    }
}

impl<T> Drop for Bridged<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

impl<T> std::fmt::Debug for Bridged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridged")
            .field("finished", &self.0.is_none())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokio_timers_work_inside_and_the_output_comes_back() {
        let out = crate::rt::block_on(run(async {
            ::tokio::time::sleep(Duration::from_millis(5)).await;
            std::thread::current().name().map(str::to_owned)
        }));
        assert_eq!(out.as_deref(), Some("harrow-tokio"));
    }

    #[test]
    fn a_panic_inside_resumes_in_the_awaiting_task() {
        let caught = std::panic::catch_unwind(|| {
            crate::rt::block_on(run(async { panic!("bridged panic") }))
        });
        let payload = caught.expect_err("the panic crosses over");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"bridged panic"));
    }

    #[test]
    fn dropping_the_bridge_cancels_the_future() {
        /// Tells, when dropped, that the future holding it was dropped.
        struct Guard(std::sync::mpsc::Sender<&'static str>);
        impl Drop for Guard {
            fn drop(&mut self) {
                let _ = self.0.send("dropped");
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let bridged = run(async move {
            let guard = Guard(tx.clone());
            let _ = tx.send("started");
            ::tokio::time::sleep(Duration::from_secs(60)).await;
            drop(guard);
            let _ = tx.send("finished");
        });
        let wait = Duration::from_secs(10);
        assert_eq!(rx.recv_timeout(wait), Ok("started"));
        drop(bridged);
        assert_eq!(
            rx.recv_timeout(wait),
            Ok("dropped"),
            "cancelled on the runtime"
        );
    }

    #[test]
    fn spawned_tasks_go_on_unawaited() {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(spawn(async move {
            ::tokio::task::yield_now().await;
            let _ = tx.send(7);
        }));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
    }
}
