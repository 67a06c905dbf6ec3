//! The IO of one WebSocket, in its connection's task: a reading loop and a
//! writing loop over the upgraded socket's halves, beside the
//! application's future.
//!
//! * Reading: waits for room (a slow application stops the reading, and
//!   TCP makes the client wait), reads, and hands the bytes to the frame
//!   reader.
//!   A quiet socket gets a ping after `ping_interval`; one still quiet after
//!   `pong_timeout` is dropped. A drain sends close 1001; a closing
//!   handshake gets `close_timeout` to finish.
//! * Writing: writes whatever was encoded (messages, pongs, closing
//!   frames), each write bounded by `write_timeout`, then ends the socket.
//! * The application's future ends the socket when it returns (its
//!   handle's drop closes with 1000); the socket's end drops the
//!   application's future if it is still waiting.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Instant;

use harrow_server::upgrade::{Upgraded, UpgradedRead, UpgradedWrite};

use super::WsError;
use super::outbox::Output;
use super::state::{Phase, Shared};

/// The first read buffer's capacity; it doubles while reads fill it. An
/// idle socket holds this much in its read in flight.
const READ_START: usize = 512;
/// The largest read buffer grown by full reads (a frame's whole length is
/// made room for once its header has arrived).
const READ_MAX: usize = 64 * 1024;
/// How many times one poll of a socket's task goes round its futures
/// while they wake each other, before it yields to the worker's other
/// tasks.
const POLL_ROUNDS: usize = 4;

/// Runs the socket and the application's future `app` until the socket is
/// done.
pub(super) async fn run(upgraded: Upgraded, shared: Rc<Shared>, app: impl Future<Output = ()>) {
    let (read, write) = upgraded.split();
    let io = async {
        let reading = pin!(reading(read, &shared));
        let writing = pin!(writing(write, &shared));
        join(reading, writing).await;
    };
    let mut io = pin!(io);
    let mut app = pin!(app);
    let mut app_done = false;
    poll_fn(|cx| {
        shared.borrow_mut().wakers.enter(cx);
        // One side's progress (a message read, one sent) is seen by the
        // other in the same poll, not after a wake-up and a trip through
        // the run queue (`wakers.rs`); a bounded number of rounds, so the
        // worker's other tasks still get their turn.
        let mut rounds = 0;
        loop {
            if !app_done && app.as_mut().poll(cx).is_ready() {
                app_done = true;
            }
            if io.as_mut().poll(cx).is_ready() {
                shared.borrow_mut().wakers.leave();
                return Poll::Ready(());
            }
            rounds += 1;
            if !shared.borrow_mut().wakers.take_again() {
                break;
            }
            if rounds == POLL_ROUNDS {
                cx.waker().wake_by_ref();
                break;
            }
        }
        shared.borrow_mut().wakers.leave();
        Poll::Pending
    })
    .await;
}

/// Polls both futures to the end.
async fn join(a: impl Future<Output = ()>, b: impl Future<Output = ()>) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut a_done, mut b_done) = (false, false);
    poll_fn(|cx| {
        a_done = a_done || a.as_mut().poll(cx).is_ready();
        b_done = b_done || b.as_mut().poll(cx).is_ready();
        if a_done && b_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

/// The reading loop.
async fn reading(mut read: UpgradedRead, shared: &Shared) {
    let settings = shared.borrow().settings().clone();
    read.set_timeout(settings.ping_interval);
    let mut buf = Vec::with_capacity(READ_START);
    // What an empty buffer is given before a read.
    let mut size = READ_START;
    let mut awaiting_pong = false;
    loop {
        if !poll_fn(|cx| shared.borrow_mut().poll_room(cx)).await {
            return;
        }
        // Frames of the last read left unparsed while the application was
        // behind go first: they may be all the client sends until answered.
        if shared.borrow().backlog() {
            shared.borrow_mut().received(&mut buf);
            continue;
        }
        // The buffer holds at most the start of a frame, with room made
        // for its rest; an empty one (or a full one) gets `size`. A new
        // allocation, not `reserve`, for an empty one: nothing to copy.
        if buf.is_empty() && buf.capacity() < size {
            buf = Vec::with_capacity(size);
        } else if buf.len() == buf.capacity() {
            buf.reserve(size);
        }
        let spare = buf.capacity() - buf.len();
        let outcome = {
            let reading = pin!(read.read(std::mem::take(&mut buf)));
            until_deadline(reading, shared).await
        };
        let (res, back) = match outcome {
            Some(done) => done,
            None => {
                shared
                    .borrow_mut()
                    .gave_up("the closing handshake took too long");
                return;
            }
        };
        buf = back;
        match res {
            Ok(0) => {
                shared.borrow_mut().ended(None);
                return;
            }
            Ok(n) => {
                if n == spare {
                    size = (size * 2).min(READ_MAX);
                }
                shared.borrow_mut().received(&mut buf);
                awaiting_pong = false;
                let closing = shared.borrow().phase() != Phase::Open;
                if !closing {
                    read.set_timeout(settings.ping_interval);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                if awaiting_pong || shared.borrow().phase() != Phase::Open {
                    shared
                        .borrow_mut()
                        .gave_up("the peer stopped answering pings");
                    return;
                }
                shared.borrow_mut().ping();
                awaiting_pong = true;
                read.set_timeout(Some(settings.pong_timeout));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted && read.draining() => {
                shared.borrow_mut().going_away();
                read.set_timeout(Some(settings.close_timeout));
            }
            Err(e) => {
                let error = WsError::new(format!("reading from the peer failed: {e}"));
                shared.borrow_mut().ended(Some(error));
                return;
            }
        }
    }
}

/// Awaits `read` unless the closing handshake's deadline passes first
/// (then `None`, and the read is dropped: the socket is abandoned).
async fn until_deadline<T>(read: impl Future<Output = T>, shared: &Shared) -> Option<T> {
    let mut read = pin!(read);
    let mut sleep: Option<std::pin::Pin<Box<dyn Future<Output = ()>>>> = None;
    poll_fn(|cx| {
        if let Poll::Ready(out) = read.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if sleep.is_none()
            && let Some(deadline) = shared.borrow().closing_deadline()
        {
            let left = deadline.saturating_duration_since(Instant::now());
            sleep = Some(Box::pin(harrow_server::rt::sleep(left)));
        }
        match sleep.as_mut().map(|s| s.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => {
                // A closing handshake may begin later: be woken for it.
                shared.borrow_mut().watch_closing(cx);
                Poll::Pending
            }
        }
    })
    .await
}

/// The writing loop.
async fn writing(mut write: UpgradedWrite, shared: &Shared) {
    let settings = shared.borrow().settings().clone();
    write.set_timeout(Some(settings.write_timeout));
    let mut spare = Vec::new();
    loop {
        let next = poll_fn(|cx| shared.borrow_mut().poll_output(cx, &mut spare)).await;
        let res = match next {
            None => break,
            Some(Output::Copied(out)) => {
                let (res, out) = write.write_all(out).await;
                spare = out;
                res
            }
            Some(Output::Parts(parts)) => write.write_all_bufs(parts).await,
        };
        if let Err(e) = res {
            shared.borrow_mut().write_failed(&e);
            break;
        }
    }
    write.shutdown().await;
}
