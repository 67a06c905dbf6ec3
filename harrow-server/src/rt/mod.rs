//! Runtime helpers that do not name the runtime: sleeping, spawning and
//! blocking on a future. The `harrow` crate uses these so that only this
//! crate's connection and worker code knows it runs on monoio.

pub mod blocking;
#[cfg(feature = "fs")]
pub mod fs;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Waits for `duration` on the current worker's timer.
pub async fn sleep(duration: Duration) {
    monoio::time::sleep(duration).await
}

/// Runs `future` with a time limit; `Err(Elapsed)` when it ran out.
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    monoio::time::timeout(duration, future)
        .await
        .map_err(|_| Elapsed)
}

/// The error of [`timeout`] when the time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl std::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Starts `future` on the current worker; it need not be `Send`.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    JoinHandle(monoio::spawn(future))
}

/// Awaits the output of a task started with [`spawn`].
pub struct JoinHandle<T>(monoio::task::JoinHandle<T>);

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Resolves when the server this worker belongs to starts its graceful
/// drain (and never on a thread that is not a server's worker): a
/// long-lived response, an event stream or a WebSocket, ends on it instead
/// of holding the drain up to its timeout.
pub async fn shutdown() {
    match crate::shared::drain::Drain::current() {
        Some(drain) => drain.wait().await,
        None => std::future::pending().await,
    }
}

/// Runs `future` to completion on a fresh single-threaded runtime with a
/// timer (the epoll driver, which works everywhere). For tests and tools.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut rt = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
        .enable_timer()
        .build()
        .expect("failed to build a monoio runtime (epoll)");
    rt.block_on(future)
}

#[cfg(test)]
mod tests {
    /// A test that asserts inside `block_on` must fail, not hang.
    #[test]
    fn a_panic_in_block_on_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| super::block_on(async { panic!("inner") }));
        assert!(r.is_err());
    }
}
