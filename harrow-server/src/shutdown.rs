//! Stopping: the handle returned by `start`, and the signal workers watch.

use std::net::SocketAddr;

use crate::Error;

/// A running server. Dropping it shuts the server down and waits for it.
pub struct ServerHandle {
    pub(crate) local_addr: SocketAddr,
}

impl ServerHandle {
    /// The address the workers listen on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A cloneable, `Send` handle that can ask for shutdown from anywhere.
    pub fn stop_handle(&self) -> StopHandle {
        todo!()
    }

    /// Stops accepting, drains in-flight requests and joins every worker.
    pub fn shutdown(self) -> Result<(), Error> {
        todo!()
    }

    /// Waits until the server stops (after a [`StopHandle::stop`] call).
    pub fn wait(self) -> Result<(), Error> {
        todo!()
    }
}

/// Asks a running server to stop; see [`ServerHandle::stop_handle`].
#[derive(Clone)]
pub struct StopHandle {}

impl StopHandle {
    /// Starts a graceful shutdown; returns at once.
    pub fn stop(&self) {
        todo!()
    }
}
