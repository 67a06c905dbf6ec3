//! Connections: the protocol is read from the first bytes (when HTTP/2
//! shares the port), then an HTTP/1.1 or an HTTP/2 connection serves it.
//! The only code that reads and writes sockets.

mod detect;
mod h1;
#[cfg(feature = "http2")]
pub(crate) mod h2;
mod panic;
#[cfg(feature = "tls")]
pub(crate) mod tls;
mod transport;
pub(crate) mod upgraded;
mod wait;

use std::net::SocketAddr;
use std::rc::Rc;

use monoio::net::TcpStream;

use self::detect::Detected;
use self::h1::{Dispatch, Io};
use self::transport::Plain;
use crate::shared::Worker;
use crate::shared::permits::Permit;
use crate::{ConnInfo, Service};

/// Serves one accepted connection to the end.
pub(crate) async fn serve<S: Service>(
    stream: TcpStream,
    remote: SocketAddr,
    worker: Rc<Worker>,
    service: Rc<S>,
    permit: Permit,
) {
    let _ = stream.set_nodelay(true);
    let timer = worker.timers.register(worker.config.connection_timeout);
    let aborts = worker.aborts.clone();
    let http1 = worker.config.http1_enabled();
    let sniff = worker.config.http2_enabled();
    #[cfg(feature = "tls")]
    if let Some(tls) = worker.tls.clone() {
        // Boxed: the handshake and the session are large, and a plain
        // connection should not carry room for them.
        let conn = Box::pin(tls::serve(stream, remote, worker, service, timer, tls));
        aborts.wrap(conn).await;
        drop(permit);
        return;
    }
    aborts
        .wrap(async move {
            let plain = Plain {
                stream,
                readiness: monoio::utils::is_legacy(),
            };
            let io = Io::new(plain, worker.clone(), timer, None);
            let (protocol, mut io) = if sniff {
                detect::sniff(io).await
            } else {
                (Some(Detected::Http1), io)
            };
            match protocol {
                Some(Detected::Http1) if http1 => {
                    Dispatch::new(io, service, ConnInfo::new(remote))
                        .run()
                        .await
                }
                #[cfg(feature = "http2")]
                Some(Detected::Http2) => {
                    let (plain, read, timer) = io.into_parts();
                    let stream = plain.stream;
                    // Boxed: the HTTP/2 state is large, and most connections
                    // never need it, so an idle HTTP/1 connection stays small.
                    let conn = ConnInfo::new(remote);
                    Box::pin(h2::serve(stream, read, conn, worker, service, timer)).await
                }
                // HTTP/1 on an HTTP/2-only listener, or a connection that
                // closed or timed out before it said anything.
                _ => io.release_read_buf(),
            }
        })
        .await;
    drop(permit);
}

#[cfg(test)]
mod tests {
    /// Every open connection holds its task's future, idle or not; keeping
    /// it small keeps idle connections cheap. The rare paths (reading a
    /// body, streaming one either way, large writes) are boxed futures, and
    /// the HTTP/2 state only exists for HTTP/2 connections, so the task is
    /// about 1.8 KiB (3.5 KiB with those paths inline).
    #[test]
    fn an_http1_connection_task_stays_small() {
        crate::rt::block_on(async {
            let listener = monoio::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = monoio::net::TcpStream::connect(addr).await.unwrap();
            let worker =
                crate::shared::Worker::new(0, crate::Config::default(), 10, Default::default());
            let service = std::rc::Rc::new(crate::service_fn(|_req, _conn| async {
                http::Response::new(crate::Body::empty())
            }));
            let permit = worker.conns.try_acquire().unwrap();
            let task = super::serve(stream, addr, worker.clone(), service, permit);
            let size = std::mem::size_of_val(&task);
            assert!(size <= 2048, "a connection future takes {size} bytes");
        });
    }
}
