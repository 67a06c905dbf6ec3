//! Connection IO: the only code that reads and writes sockets.

mod detect;
mod h1;
#[cfg(feature = "http2")]
pub(crate) mod h2;
mod panic;

use std::net::SocketAddr;
use std::rc::Rc;

use monoio::net::TcpStream;

use crate::Service;
use crate::shared::permits::Permit;
use crate::timer::ConnTimer;
use crate::shared::Worker;

/// What the HTTP/1 loop hands back when it stops.
pub(crate) enum Outcome {
    /// The connection is finished.
    Closed,
    /// The client sent the HTTP/2 preface; these bytes were already read.
    #[cfg_attr(not(feature = "http2"), allow(dead_code))]
    Http2(TcpStream, Vec<u8>, ConnTimer),
}

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
    aborts
        .wrap(async move {
            let outcome = h1::Conn::new(stream, remote, worker.clone(), service.clone(), timer)
                .run()
                .await;
            match outcome {
                Outcome::Closed => {}
                #[cfg(feature = "http2")]
                Outcome::Http2(stream, read, timer) => {
                    // Boxed: the HTTP/2 state is large, and most connections
                    // never need it, so an idle HTTP/1 connection stays small.
                    Box::pin(h2::serve(stream, read, remote, worker, service, timer)).await
                }
                #[cfg(not(feature = "http2"))]
                Outcome::Http2(..) => {}
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
    /// about 2 KiB (3.5 KiB with those paths inline).
    #[test]
    fn an_http1_connection_task_stays_small() {
        crate::rt::block_on(async {
            let listener = monoio::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = monoio::net::TcpStream::connect(addr).await.unwrap();
            let worker = crate::shared::Worker::new(0, crate::Config::default(), 10);
            let service = std::rc::Rc::new(crate::service_fn(|_req| async {
                http::Response::new(crate::Body::empty())
            }));
            let permit = worker.conns.try_acquire().unwrap();
            let task = super::serve(stream, addr, worker.clone(), service, permit);
            let size = std::mem::size_of_val(&task);
            assert!(size <= 2304, "a connection future takes {size} bytes");
        });
    }
}
