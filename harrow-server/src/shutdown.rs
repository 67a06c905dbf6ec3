//! Stopping: the signal workers watch, the handle `start` returns, and
//! SIGINT/SIGTERM for `run`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use slab::Slab;

use crate::Driver;
use crate::error::{Error, Kind};
use crate::shared::SharedTls;
use crate::stats::ServerStats;

/// A one-way flag that wakes every waiter when raised; shared across threads.
///
/// Each waiting [`StopWait`] owns one slot for its waker, taken on its first
/// pending poll, refreshed in place on later polls and given back when it is
/// dropped: however often a waiter is polled (the accept loop polls its wait
/// once per accepted connection), the list holds one waker per waiter.
#[derive(Default)]
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    wakers: Mutex<Slab<Waker>>,
}

impl StopSignal {
    /// Raises the flag and wakes every waiter.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        for (_, w) in self.lock().iter() {
            w.wake_by_ref();
        }
    }

    /// Whether the flag is up.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Resolves once the flag is up.
    pub(crate) fn wait(self: &Arc<Self>) -> StopWait {
        StopWait {
            signal: self.clone(),
            slot: None,
        }
    }

    /// How many wakers are registered: at most one per live [`StopWait`].
    #[cfg(test)]
    pub(crate) fn registered(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slab<Waker>> {
        self.wakers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`StopSignal::wait`].
pub(crate) struct StopWait {
    signal: Arc<StopSignal>,
    /// This waiter's slot in the signal's waker list, once it has one.
    slot: Option<usize>,
}

impl Future for StopWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.signal.is_stopped() {
            return Poll::Ready(());
        }
        let mut wakers = self.signal.lock();
        match self.slot {
            Some(slot) => {
                if let Some(w) = wakers.get_mut(slot)
                    && !w.will_wake(cx.waker())
                {
                    w.clone_from(cx.waker());
                }
            }
            None => {
                let slot = wakers.insert(cx.waker().clone());
                drop(wakers);
                self.slot = Some(slot);
            }
        }
        // Raised between the first check and registering: don't miss it.
        if self.signal.is_stopped() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for StopWait {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.signal.lock().try_remove(slot);
        }
    }
}

/// A running server. Dropping it shuts the server down and waits for it.
pub struct ServerHandle {
    pub(crate) local_addr: SocketAddr,
    pub(crate) driver: Driver,
    /// The SIGINT/SIGTERM listener, with `Config::handle_signals`; dropped
    /// after the workers are joined.
    pub(crate) signals: Option<SignalGuard>,
    pub(crate) signal: Arc<StopSignal>,
    pub(crate) workers: Vec<JoinHandle<()>>,
    /// The TLS state of the workers, for reloads.
    pub(crate) tls: SharedTls,
    /// Where plain HTTP is redirected to HTTPS, when it is.
    pub(crate) redirect_addr: Option<SocketAddr>,
    /// Every worker's counters.
    pub(crate) stats: ServerStats,
}

impl ServerHandle {
    /// The address the workers listen on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What the workers count: connections open, accepted and rejected,
    /// and bytes read and written, per worker.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// The IO driver the workers run on: [`Driver::IoUring`] or
    /// [`Driver::Epoll`] (what [`Driver::Auto`] turned into), for the startup line.
    pub fn driver(&self) -> Driver {
        self.driver
    }

    /// How many workers serve.
    pub fn worker_count(&self) -> usize {
        self.workers.len()
    }

    /// The address of the plain HTTP listener that redirects to HTTPS
    /// (`TlsConfig::redirect_from`, the real port when 0 was asked), if
    /// there is one.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect_addr
    }

    /// Whether the server speaks HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Reads the certificate and key files again and, when they check out,
    /// serves new connections with them; connections already open keep
    /// theirs. On an error (which names the file) the certificate in place
    /// stays. With [`Config::handle_signals`](crate::Config::handle_signals),
    /// SIGHUP does the same.
    #[cfg(feature = "tls")]
    pub fn reload_tls(&self) -> Result<(), crate::TlsError> {
        match &self.tls {
            Some(tls) => tls.reload(),
            None => Err(crate::tls::not_serving()),
        }
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

    /// Waits until the server stops: after a [`StopHandle::stop`] call, or a
    /// signal with [`Config::handle_signals`](crate::Config::handle_signals).
    pub fn wait(mut self) -> Result<(), Error> {
        self.join()
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
            .field("driver", &self.driver)
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
/// the second; with `tls`, SIGHUP reloads the certificate. The returned
/// guard stops listening when dropped.
pub(crate) fn on_terminate(
    signal: Arc<StopSignal>,
    tls: SharedTls,
) -> std::io::Result<SignalGuard> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut wanted = vec![SIGINT, SIGTERM];
    if tls.is_some() {
        wanted.push(SIGHUP);
    }
    let mut signals = signal_hook::iterator::Signals::new(&wanted)?;
    let handle = signals.handle();
    let thread = std::thread::Builder::new()
        .name("harrow-signals".into())
        .spawn(move || {
            let _log = crate::log::fallback();
            let mut stopping = false;
            for sig in signals.forever() {
                if sig == SIGHUP {
                    reload(&tls);
                } else if !stopping {
                    tracing::info!(signal = sig, "shutdown signal received; draining");
                    signal.stop();
                    stopping = true;
                } else {
                    // A second signal means "now": the drain (or a startup
                    // that hangs) must not make the process unkillable
                    // short of SIGKILL.
                    tracing::warn!(
                        signal = sig,
                        "second shutdown signal; exiting without draining"
                    );
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    std::process::exit(128 + sig);
                }
            }
        })?;
    Ok(SignalGuard {
        handle,
        thread: Some(thread),
    })
}

/// Reloads the TLS certificate on SIGHUP, saying how it went.
fn reload(tls: &SharedTls) {
    let Some(tls) = tls else { return };
    #[cfg(feature = "tls")]
    match tls.reload() {
        Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
        Err(e) => tracing::error!("SIGHUP: {e}; the certificate in place stays"),
    }
    #[cfg(not(feature = "tls"))]
    match *tls {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// Issue 11: every poll of the accept loop polls the stop wait; the
    /// waker list must not grow with the number of polls.
    #[test]
    fn a_wait_polled_many_times_holds_one_waker() {
        let signal = Arc::new(StopSignal::default());
        let mut wait = signal.wait();
        let mut other = signal.wait();
        let wakers = [Waker::noop().clone(), Waker::noop().clone()];
        for i in 0..10_000 {
            let mut cx = Context::from_waker(&wakers[i % 2]);
            assert!(Pin::new(&mut wait).poll(&mut cx).is_pending());
            assert!(Pin::new(&mut other).poll(&mut cx).is_pending());
        }
        assert_eq!(signal.registered(), 2);
        drop(other);
        assert_eq!(signal.registered(), 1);
        signal.stop();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut wait).poll(&mut cx).is_ready());
        drop(wait);
        assert_eq!(signal.registered(), 0);
    }

    /// Issue 11: opening and closing many connections leaves the stop
    /// signal's waker list as it was (one waker per worker), under both
    /// drivers.
    #[test]
    fn connection_churn_leaves_the_waker_list_flat() {
        use std::io::{Read, Write};
        for driver in crate::driver::test_drivers() {
            let server = crate::start_with_config(
                || {
                    crate::service_fn(|_req, _conn| async {
                        http::Response::new(crate::Body::from("hi"))
                    })
                },
                "127.0.0.1:0",
                crate::Config {
                    driver,
                    workers: Some(2),
                    ..Default::default()
                },
            )
            .expect("the server starts");
            let addr = server.local_addr();
            for i in 0..10_000 {
                let mut s = std::net::TcpStream::connect(addr).expect("connect");
                if i % 10 == 0 {
                    // Some connections carry a request; the rest only open and close.
                    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                        .expect("write");
                    let mut reply = Vec::new();
                    s.read_to_end(&mut reply).expect("read");
                    assert!(reply.ends_with(b"hi"), "driver {driver:?}");
                }
            }
            let registered = server.signal.registered();
            assert!(
                registered <= 2,
                "{registered} wakers registered after 10,000 connections under {driver:?}"
            );
            server.shutdown().expect("the server stops");
        }
    }
}
