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
            let worker = crate::worker::Worker::new(0, crate::Config::default(), 10);
            let service = std::rc::Rc::new(crate::service_fn(|_req| async {
                http::Response::new(crate::Body::empty())
            }));
            let permit = worker.conns.try_acquire().unwrap();
            let task = super::serve(stream, addr, worker.clone(), service, permit);
            let size = std::mem::size_of_val(&task);
            assert!(size <= 2304, "a connection future takes {size} bytes");
        });
    }

    /// A keep-alive connection that goes quiet gives its read buffer back
    /// within a few sweeps, then serves its next request as before.
    #[test]
    fn idle_connections_hold_no_buffer() {
        use std::io::{Read, Write};
        use std::sync::mpsc;
        use std::time::{Duration, Instant};

        let config = crate::Config {
            header_read_timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        };
        let worker = crate::worker::Worker::new(0, config, 10);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        // The client says when it has its answer and is idle; the server
        // side says when it has looked, so the client sends again.
        let (idle_tx, idle_rx) = mpsc::channel::<()>();
        let (looked_tx, looked_rx) = mpsc::channel::<()>();
        let client = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            let mut buf = [0u8; 1024];
            for _ in 0..2 {
                s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
                let n = s.read(&mut buf).unwrap();
                assert!(buf[..n].ends_with(b"hi"));
                idle_tx.send(()).unwrap();
                looked_rx.recv().unwrap();
            }
        });
        let w = worker.clone();
        let worker_for_serve = worker.clone();
        // Asserted outside the runtime: a panic inside it would hang the test.
        let lent_while_idle = crate::rt::block_on(async move {
            let listener = monoio::net::TcpListener::from_std(listener).unwrap();
            let service =
                crate::service_fn(|_req| async { http::Response::new(crate::Body::from("hi")) });
            let lent = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            let seen = lent.clone();
            let stop = async move {
                for _ in 0..2 {
                    while idle_rx.try_recv().is_err() {
                        crate::rt::sleep(Duration::from_millis(5)).await;
                    }
                    // Released within a few sweeps (10 ms each here), or not.
                    let deadline = Instant::now() + Duration::from_secs(2);
                    while w.pool.lent() > 0 && Instant::now() < deadline {
                        crate::rt::sleep(Duration::from_millis(5)).await;
                    }
                    seen.borrow_mut().push(w.pool.lent());
                    let _ = looked_tx.send(());
                }
            };
            crate::worker::serve_listener(listener, service, worker_for_serve, stop).await;
            lent.take()
        });
        client.join().unwrap();
        assert_eq!(
            lent_while_idle,
            [0, 0],
            "buffers held by an idle connection"
        );
        assert_eq!(worker.pool.lent(), 0);
    }
}
