//! A TLS session split in two for an upgraded connection, whose reading
//! and writing go on at once (a WebSocket receives while it sends): each
//! half owns its side of the socket, and both share the session, borrowed
//! only between operations, never across an await.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use monoio::buf::IoBufMut;
use monoio::io::{
    CancelHandle, CancelableAsyncReadRent, CancelableAsyncWriteRentExt, OwnedReadHalf,
    OwnedWriteHalf, Splitable,
};
use monoio::net::TcpStream;
use rustls::ServerConnection;

use super::stream::{Inbound, TlsIo, queued};
use crate::shared::Worker;

type Session = Rc<RefCell<Box<ServerConnection>>>;

/// The reading half: ciphertext in, plaintext out.
pub(crate) struct TlsRead {
    socket: OwnedReadHalf<TcpStream>,
    session: Session,
    inbound: Inbound,
    worker: Rc<Worker>,
}

/// The writing half: plaintext in, ciphertext out.
pub(crate) struct TlsWrite {
    socket: OwnedWriteHalf<TcpStream>,
    session: Session,
    worker: Rc<Worker>,
}

/// Splits the HTTP/1.1 transport of a connection that was upgraded.
pub(crate) fn split(io: TlsIo, worker: Rc<Worker>) -> (TlsRead, TlsWrite) {
    let (stream, session, inbound) = io.into_parts();
    let (read, write) = stream.into_split();
    let session = Rc::new(RefCell::new(session));
    let reader = TlsRead {
        socket: read,
        session: session.clone(),
        inbound,
        worker: worker.clone(),
    };
    let writer = TlsWrite {
        socket: write,
        session,
        worker,
    };
    (reader, writer)
}

impl TlsRead {
    /// Reads plaintext into `buf`'s spare room (0 at the end of the
    /// stream); `cancel` cancels the socket read in flight.
    pub(crate) async fn read(
        &mut self,
        mut buf: Vec<u8>,
        cancel: CancelHandle,
    ) -> (io::Result<usize>, Vec<u8>) {
        loop {
            let taken = self
                .inbound
                .take_plaintext(&mut self.session.borrow_mut(), &mut buf);
            match taken {
                Ok(Some(n)) => return (Ok(n), buf),
                Ok(None) => {}
                Err(e) => return (Err(e), buf),
            }
            let (cipher, at) = match self.inbound.take_pending() {
                Some(pending) => pending,
                None => {
                    let cipher = self.worker.pool.get();
                    let (res, slice) = self
                        .socket
                        .cancelable_read(cipher.slice_mut(0..), cancel.clone())
                        .await;
                    let cipher = slice.into_inner();
                    match res {
                        Ok(0) => {
                            self.worker.pool.put(cipher);
                            self.inbound.end();
                            continue;
                        }
                        Ok(_) => (cipher, 0),
                        Err(e) => {
                            self.worker.pool.put(cipher);
                            return (Err(e), buf);
                        }
                    }
                }
            };
            let fed = self.inbound.feed(
                &mut self.session.borrow_mut(),
                cipher,
                at,
                &self.worker.pool,
            );
            if let Err(e) = fed {
                // The alert rustls queued goes out with the writer's next
                // write, if there is one.
                return (Err(e), buf);
            }
        }
    }
}

impl TlsWrite {
    /// Encrypts and writes all of `data`, with whatever the session has
    /// queued besides (a reply to a key update the reader received);
    /// `cancel` cancels the socket write in flight.
    pub(crate) async fn write_all(&mut self, data: &[u8], cancel: CancelHandle) -> io::Result<()> {
        self.write_all_parts(&[data], cancel).await
    }

    /// [`write_all`](Self::write_all) for several parts in order: each is
    /// encrypted into its own records, and they all go out with one socket
    /// write while the session's buffer takes them.
    pub(crate) async fn write_all_parts(
        &mut self,
        parts: &[&[u8]],
        cancel: CancelHandle,
    ) -> io::Result<()> {
        for part in parts {
            let mut data = *part;
            while !data.is_empty() {
                let taken = self.session.borrow_mut().writer().write(data)?;
                data = &data[taken..];
                // The session's buffer is full: make room.
                if !data.is_empty() && !self.send_queued(cancel.clone()).await? && taken == 0 {
                    return Err(io::ErrorKind::WriteZero.into());
                }
            }
        }
        self.send_queued(cancel).await.map(drop)
    }

    /// Writes the ciphertext the session has queued; whether there was any.
    async fn send_queued(&mut self, cancel: CancelHandle) -> io::Result<bool> {
        let out = queued(&mut self.session.borrow_mut(), &self.worker.pool)?;
        let Some(out) = out else { return Ok(false) };
        let (res, out) = self.socket.write_all(out, cancel).await;
        self.worker.pool.put(out);
        res.map(|_| true)
    }

    /// Sends close_notify, then ends the sending side.
    pub(crate) async fn shutdown(&mut self, cancel: CancelHandle) {
        self.session.borrow_mut().send_close_notify();
        let out = queued(&mut self.session.borrow_mut(), &self.worker.pool);
        if let Ok(Some(out)) = out {
            let (_, out) = self.socket.write_all(out, cancel).await;
            self.worker.pool.put(out);
        }
        let _ = monoio::io::AsyncWriteRent::shutdown(&mut self.socket).await;
    }
}
