//! Taking a connection over after `101 Switching Protocols` (RFC 9110
//! §7.8), for protocols such as WebSocket that start as an HTTP/1.1
//! request.
//!
//! An HTTP/1.1 request that carries an `Upgrade` field (and no body) comes
//! with an [`OnUpgrade`] in its extensions. A service that agrees registers
//! what to run on the connection with [`OnUpgrade::on_upgrade`] and answers
//! `101` with the `Upgrade` and `Connection: upgrade` fields the protocol
//! asks for. Once that head is written, the connection runs the callback
//! with the [`Upgraded`] socket, in the connection's own task: it still
//! counts against the connection limit, and a graceful drain reaches it
//! (see [`UpgradedRead::read`]). When the callback returns, the connection
//! closes.
//!
//! Over HTTP/2 (with the `http2` feature), a stream opened by an extended
//! CONNECT (RFC 8441: method CONNECT and a `:protocol`, read with
//! [`connect_protocol`]) comes with an [`OnUpgrade`] too. There the
//! service accepts with a `2xx` (a `101`, which HTTP/2 does not have, goes
//! out as a `200`, so a service written for HTTP/1.1 works unchanged), and
//! the callback gets the stream itself as its [`Upgraded`] connection, in
//! the stream's own task: DATA frames carry the bytes, flow control paces
//! them, END_STREAM ends each side, and the rest of the connection's
//! streams go on beside it. When the callback returns, the stream ends
//! after what it queued. Other answers end the stream as usual, except a
//! `2xx` with no callback registered: that would tell the client its tunnel
//! is open, so it becomes a `501`.
//!
//! A `101` without a registered callback closes the connection after the
//! head; a callback with any other answer is dropped, and the connection
//! goes on as HTTP/1.1.
//!
//! ```
//! use harrow_server::upgrade::OnUpgrade;
//! use harrow_server::{Body, service_fn};
//! use http::{Response, StatusCode};
//!
//! let svc = service_fn(|req: http::Request<Body>, _conn| async move {
//!     let Some(on_upgrade) = req.extensions().get::<OnUpgrade>().cloned() else {
//!         return Response::new(Body::from("ask for an upgrade"));
//!     };
//!     let registered = on_upgrade.on_upgrade(|upgraded| async move {
//!         let (mut read, mut write) = upgraded.split();
//!         // Echo whatever arrives, until the peer closes.
//!         loop {
//!             let (res, buf) = read.read(Vec::with_capacity(4096)).await;
//!             match res {
//!                 Ok(n) if n > 0 => {
//!                     if write.write_all(buf).await.0.is_err() {
//!                         break;
//!                     }
//!                 }
//!                 _ => break,
//!             }
//!         }
//!     });
//!     let mut res = Response::new(Body::empty());
//!     if registered.is_ok() {
//!         *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
//!         res.headers_mut().insert("upgrade", "echo".parse().unwrap());
//!         res.headers_mut().insert("connection", "upgrade".parse().unwrap());
//!     }
//!     res
//! });
//! # let _ = svc;
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;

pub use crate::conn::upgraded::{Upgraded, UpgradedRead, UpgradedWrite};

/// The protocol an HTTP/2 extended CONNECT asks for (RFC 8441 §4, its
/// `:protocol` pseudo-header, such as `websocket`), read from the request's
/// extensions; `None` for any other request.
pub fn connect_protocol(extensions: &http::Extensions) -> Option<&str> {
    #[cfg(feature = "http2")]
    {
        extensions.get::<h2::ext::Protocol>().map(|p| p.as_str())
    }
    #[cfg(not(feature = "http2"))]
    {
        let _ = extensions;
        None
    }
}

/// What a connection runs once upgraded.
pub(crate) type Callback = Box<dyn FnOnce(Upgraded) -> Pin<Box<dyn Future<Output = ()>>>>;

thread_local! {
    /// The callbacks registered by requests in flight on this worker,
    /// by key. A request's extensions must be `Send`, and a callback need
    /// not be, so the request carries only the key; the connection that
    /// made the key takes its entry back when its exchange ends.
    static WAITING: RefCell<Waiting> = RefCell::new(Waiting::default());
}

#[derive(Default)]
struct Waiting {
    last: u64,
    entries: HashMap<NonZeroU64, Option<Callback>>,
}

/// The right to take a connection over: found in the extensions of an
/// HTTP/1.1 request that asks for an upgrade, and of an HTTP/2 extended
/// CONNECT.
#[derive(Clone)]
pub struct OnUpgrade {
    key: NonZeroU64,
    thread: std::thread::ThreadId,
}

impl OnUpgrade {
    /// Runs `callback` with the connection once the service's `101` answer
    /// (a `2xx` on an HTTP/2 stream) is written. Fails when the request is over (its connection has
    /// moved on) or when called from another thread than the worker's.
    pub fn on_upgrade<F, Fut>(&self, callback: F) -> Result<(), UpgradeGone>
    where
        F: FnOnce(Upgraded) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        if std::thread::current().id() != self.thread {
            return Err(UpgradeGone);
        }
        let callback: Callback = Box::new(move |upgraded| Box::pin(callback(upgraded)));
        WAITING.with(|w| match w.borrow_mut().entries.get_mut(&self.key) {
            Some(slot) => {
                *slot = Some(callback);
                Ok(())
            }
            None => Err(UpgradeGone),
        })
    }

    /// A key for a request in flight on this thread's worker.
    pub(crate) fn open() -> OnUpgrade {
        let key = WAITING.with(|w| {
            let mut w = w.borrow_mut();
            w.last += 1;
            let key = NonZeroU64::new(w.last).expect("counts up from 1");
            w.entries.insert(key, None);
            key
        });
        OnUpgrade {
            key,
            thread: std::thread::current().id(),
        }
    }

    /// The key, which is all the connection keeps while the request runs.
    pub(crate) fn key(&self) -> NonZeroU64 {
        self.key
    }

    /// Ends the life of `key`, with the callback registered under it, if
    /// any.
    pub(crate) fn close(key: NonZeroU64) -> Option<Callback> {
        WAITING.with(|w| w.borrow_mut().entries.remove(&key).flatten())
    }
}

impl fmt::Debug for OnUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnUpgrade").field("key", &self.key).finish()
    }
}

/// [`OnUpgrade::on_upgrade`] was called too late, or on another thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeGone;

impl fmt::Display for UpgradeGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request's connection can no longer be upgraded")
    }
}

impl std::error::Error for UpgradeGone {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_takes_one_callback_and_is_gone_once_closed() {
        let key = OnUpgrade::open();
        assert!(
            OnUpgrade::close(key.key()).is_none(),
            "nothing registered yet"
        );
        let key = OnUpgrade::open();
        assert_eq!(key.on_upgrade(|_| async {}), Ok(()));
        assert!(OnUpgrade::close(key.key()).is_some());
        assert_eq!(key.on_upgrade(|_| async {}), Err(UpgradeGone));
        let elsewhere = OnUpgrade::open();
        let moved = elsewhere.clone();
        let other = std::thread::spawn(move || moved.on_upgrade(|_| async {}));
        assert_eq!(other.join().unwrap(), Err(UpgradeGone));
        assert!(OnUpgrade::close(elsewhere.key()).is_none());
    }
}
