//! The accept loop of one worker, its deadline sweep, and the drain that
//! ends it.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use monoio::net::TcpListener;

use crate::shared::Worker;
use crate::{Service, conn};

/// Accepts and serves until `stop` resolves, then drains.
pub(crate) async fn serve_listener<S: Service>(
    listener: TcpListener,
    service: S,
    worker: Rc<Worker>,
    stop: impl Future<Output = ()>,
) {
    let service = Rc::new(service);
    let _drain = worker.drain.enter();
    service.on_worker_start(&worker.server);
    let done = Rc::new(Cell::new(false));
    monoio::spawn(sweep(worker.clone(), done.clone()));

    let mut stop = pin!(stop);
    loop {
        let accepted = {
            let mut accept = pin!(listener.accept());
            poll_fn(|cx| {
                if stop.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                accept.as_mut().poll(cx).map(Some)
            })
            .await
        };
        match accepted {
            None => break,
            Some(Ok((stream, remote))) => match worker.conns.try_acquire() {
                Some(permit) => {
                    monoio::spawn(conn::serve(
                        stream,
                        remote,
                        worker.clone(),
                        service.clone(),
                        permit,
                    ));
                }
                None if worker.conns.rejected().is_power_of_two() => {
                    // Logged at 1, 2, 4, 8… rejections so a flood cannot flood the log.
                    tracing::warn!(
                        worker = worker.id,
                        %remote,
                        open = worker.conns.open(),
                        rejected = worker.conns.rejected(),
                        "connection limit reached; closing new connection"
                    );
                    drop(stream);
                }
                None => {
                    tracing::debug!(worker = worker.id, %remote, "connection limit reached");
                    drop(stream);
                }
            },
            Some(Err(e)) => {
                tracing::error!(worker = worker.id, error = %e, "accept failed");
                // Out of descriptors or memory: back off instead of spinning.
                monoio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
    drain(&worker).await;
    done.set(true);
    // With io_uring, dropping a socket queues an asynchronous close (and the
    // cancellation of its pending accept or read). One more trip through the
    // runtime's park submits them, so no descriptor outlives the worker.
    monoio::time::sleep(Duration::from_millis(1)).await;
}

/// Closes idle connections, waits for busy ones up to `drain_timeout`,
/// then cancels whatever is left.
async fn drain(worker: &Worker) {
    let open = worker.conns.open();
    tracing::info!(worker = worker.id, open, "draining");
    worker.drain.start();
    let deadline = Instant::now() + worker.config.drain_timeout;
    while worker.conns.open() > 0 && Instant::now() < deadline {
        worker.timers.fire_idle();
        monoio::time::sleep(worker.timers.tick()).await;
    }
    let left = worker.conns.open();
    if left > 0 {
        tracing::warn!(
            worker = worker.id,
            left,
            "drain timeout passed; closing remaining connections"
        );
        worker.timers.fire_all();
        worker.aborts.abort_all();
        // Let the tasks see it and end, dropping their sockets.
        for _ in 0..10 {
            if worker.conns.open() == 0 {
                break;
            }
            monoio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    tracing::info!(worker = worker.id, "drained");
}

/// The worker's clock: a few times per shortest timeout it fires passed
/// deadlines and brings the cached `Date` up to the second.
async fn sweep(worker: Rc<Worker>, done: Rc<Cell<bool>>) {
    while !done.get() {
        monoio::time::sleep(worker.timers.tick()).await;
        worker.timers.sweep();
        crate::codec::DateCache::refresh_thread();
    }
}

#[cfg(test)]
mod tests {
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
        let worker = crate::shared::Worker::new(0, config, 10, Default::default());
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
            let service = crate::service_fn(|_req, _conn| async {
                http::Response::new(crate::Body::from("hi"))
            });
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
            super::serve_listener(listener, service, worker_for_serve, stop).await;
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
