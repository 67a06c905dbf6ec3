//! Stopping: the signal workers watch, the handle `start` returns, and
//! SIGINT/SIGTERM for `run`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use crate::error::{Error, Kind};

/// A one-way flag that wakes every waiter when raised; shared across threads.
#[derive(Default)]
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl StopSignal {
    /// Raises the flag and wakes every waiter.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let wakers =
            std::mem::take(&mut *self.wakers.lock().unwrap_or_else(PoisonError::into_inner));
        for w in wakers {
            w.wake();
        }
    }

    /// Whether the flag is up.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Resolves once the flag is up.
    pub(crate) fn wait(self: &Arc<Self>) -> StopWait {
        StopWait(self.clone())
    }
}

/// The future of [`StopSignal::wait`].
pub(crate) struct StopWait(Arc<StopSignal>);

impl Future for StopWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.is_stopped() {
            return Poll::Ready(());
        }
        self.0
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cx.waker().clone());
        // Raised between the first check and registering: don't miss it.
        if self.0.is_stopped() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A running server. Dropping it shuts the server down and waits for it.
pub struct ServerHandle {
    pub(crate) local_addr: SocketAddr,
    pub(crate) signal: Arc<StopSignal>,
    pub(crate) workers: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the workers listen on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A cloneable, `Send` handle that can ask for shutdown from anywhere.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            signal: self.signal.clone(),
        }
    }

    /// Stops accepting, drains in-flight requests (up to `drain_timeout`)
    /// and joins every worker.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.signal.stop();
        self.join()
    }

    /// Waits until the server stops, after a [`StopHandle::stop`] call or a
    /// signal (with [`crate::run`]).
    pub fn wait(mut self) -> Result<(), Error> {
        self.join()
    }

    /// Waits for SIGINT or SIGTERM (or a [`StopHandle::stop`] call), then
    /// drains and joins every worker; a second signal ends the process
    /// without waiting. The signals are handled from this call on (use
    /// [`crate::run_and_report`] to handle them from before the start).
    ///
    /// ```no_run
    /// use harrow_server::{service_fn, Body};
    /// let server = harrow_server::start(
    ///     || service_fn(|_req| async { http::Response::new(Body::from("hi")) }),
    ///     "127.0.0.1:3000",
    /// )?;
    /// println!("listening on http://{}", server.local_addr());
    /// server.wait_for_signal()?;
    /// # Ok::<(), harrow_server::Error>(())
    /// ```
    pub fn wait_for_signal(self) -> Result<(), Error> {
        let _guard = on_terminate(self.signal.clone()).map_err(|e| Error::new(Kind::Signals, e))?;
        self.wait()
    }

    fn join(&mut self) -> Result<(), Error> {
        let mut result = Ok(());
        for w in self.workers.drain(..) {
            if w.join().is_err() {
                result = Err(Error::bare(Kind::WorkerPanic));
            }
        }
        result
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if !self.workers.is_empty() {
            self.signal.stop();
            let _ = self.join();
        }
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .field("workers", &self.workers.len())
            .finish()
    }
}

/// Asks a running server to stop; see [`ServerHandle::stop_handle`].
#[derive(Clone)]
pub struct StopHandle {
    signal: Arc<StopSignal>,
}

impl StopHandle {
    /// Starts a graceful shutdown; returns at once.
    pub fn stop(&self) {
        self.signal.stop();
    }
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle")
            .field("stopped", &self.signal.is_stopped())
            .finish()
    }
}

/// Raises `signal` on the first SIGINT or SIGTERM and ends the process on
/// the second; the returned guard stops listening when dropped.
pub(crate) fn on_terminate(signal: Arc<StopSignal>) -> std::io::Result<SignalGuard> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let handle = signals.handle();
    let thread = std::thread::Builder::new()
        .name("harrow-signals".into())
        .spawn(move || {
            let mut received = signals.forever();
            if let Some(sig) = received.next() {
                tracing::info!(signal = sig, "shutdown signal received; draining");
                signal.stop();
            }
            // A second signal means "now": the drain (or a startup that
            // hangs) must not make the process unkillable short of SIGKILL.
            if let Some(sig) = received.next() {
                tracing::warn!(
                    signal = sig,
                    "second shutdown signal; exiting without draining"
                );
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        })?;
    Ok(SignalGuard {
        handle,
        thread: Some(thread),
    })
}

/// Keeps the signal listener alive; see [`on_terminate`].
pub(crate) struct SignalGuard {
    handle: signal_hook::iterator::Handle,
    thread: Option<JoinHandle<()>>,
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
