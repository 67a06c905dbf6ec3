//! A socket that retries a read or write a signal interrupted.
//!
//! A blocking read on a socket with a read timeout (`SO_RCVTIMEO`) is not
//! restarted after a signal handler runs, whatever the handler's flags: it
//! fails with `EINTR` (signal(7)). The test process has handlers (the
//! server's SIGINT/SIGTERM listener), so a client that hands its socket to a
//! library that treats `Interrupted` as fatal (tungstenite's handshake does)
//! needs this wrapper.

use std::io::{ErrorKind, Read, Result, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A `TcpStream` whose reads and writes go again after `EINTR`.
#[derive(Debug)]
pub struct Patient(pub TcpStream);

impl Patient {
    /// Connects to `addr`, with `timeout` on each read.
    pub fn connect(addr: SocketAddr, timeout: Duration) -> Patient {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(timeout))
            .expect("read timeout");
        Patient(stream)
    }
}

/// Runs `op` until it ends other than by a signal.
fn again<T>(mut op: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Read for Patient {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        again(|| self.0.read(buf))
    }
}

impl Write for Patient {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        again(|| self.0.write(buf))
    }

    fn flush(&mut self) -> Result<()> {
        again(|| self.0.flush())
    }
}
