//! Connection IO: the only code that reads and writes sockets.

mod detect;
mod h1;
#[cfg(feature = "http2")]
mod h2;
mod panic;

use std::net::SocketAddr;
use std::rc::Rc;

use monoio::net::TcpStream;

use crate::Service;
use crate::limits::Permit;
use crate::timer::ConnTimer;
use crate::worker::Worker;

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
    let outcome = h1::Conn::new(stream, remote, worker.clone(), service.clone(), timer)
        .run()
        .await;
    match outcome {
        Outcome::Closed => {}
        #[cfg(feature = "http2")]
        Outcome::Http2(stream, read, timer) => {
            h2::serve(stream, read, remote, worker, service, timer).await
        }
        #[cfg(not(feature = "http2"))]
        Outcome::Http2(..) => {}
    }
    drop(permit);
}
