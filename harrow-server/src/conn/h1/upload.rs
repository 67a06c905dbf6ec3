//! The HTTP/1.1 request body past its first 64 KiB: pumped from the socket
//! to the service, one chunk each time the service's body stream asks,
//! while the service runs in the same task.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use bytes::BytesMut;

use super::dispatch::Dispatch;
use super::feed::{Feed, FeedError};
use super::io::FillError;
use crate::Service;
use crate::codec::{Decoder, H1Error};
use crate::conn::transport::Transport;
use crate::timer::Fired;

impl<S: Service, T: Transport> Dispatch<S, T> {
    /// Runs the service while pumping the rest of the body to it. Returns
    /// the service's outcome and whether the body was read to its end.
    pub(super) async fn call_streaming<F: Future>(
        &mut self,
        call: F,
        decoder: Decoder,
        feed: Rc<Feed>,
    ) -> (F::Output, bool) {
        let interrupter = self.io.interrupter();
        let mut call = pin!(call);
        let mut pump = pin!(self.pump(decoder, &feed));
        let mut pumped = None;
        let answered = poll_fn(|cx| {
            if let Poll::Ready(out) = call.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            if pumped.is_none()
                && let Poll::Ready(complete) = pump.as_mut().poll(cx)
            {
                pumped = Some(complete);
            }
            Poll::Pending
        })
        .await;
        let complete = match pumped {
            Some(complete) => complete,
            None => {
                // The service answered before the body ended: cancel a read
                // in flight and wait for it, so the buffer comes back.
                feed.stop();
                interrupter.interrupt();
                pump.await
            }
        };
        (answered, complete)
    }

    /// Reads, decodes and hands over the body chunk by chunk as the service
    /// asks for it; `true` once the body is complete.
    async fn pump(&mut self, mut decoder: Decoder, feed: &Feed) -> bool {
        loop {
            if !poll_fn(|cx| feed.poll_wanted(cx)).await {
                return false;
            }
            let mut out = BytesMut::new();
            let progress = match decoder.decode(self.io.buffered(), &mut out) {
                Ok(p) => p,
                Err(e) => {
                    feed.end(Err(match e {
                        H1Error::BodyTooLarge => {
                            FeedError::TooLarge(self.io.config().max_body_size)
                        }
                        H1Error::BadRequest(why) => FeedError::Broken(why),
                        _ => FeedError::Broken("malformed request body"),
                    }));
                    return false;
                }
            };
            self.io.consume(progress.consumed);
            if !out.is_empty() {
                feed.push(out.freeze());
            }
            if progress.done {
                feed.end(Ok(()));
                return true;
            }
            if progress.consumed > 0 {
                continue;
            }
            match self.io.fill().await {
                Ok(_) | Err(FillError::Fired(Fired::Release)) => {}
                Err(FillError::Fired(Fired::Deadline)) => {
                    feed.end(Err(FeedError::TimedOut));
                    return false;
                }
                Err(_) => {
                    feed.end(Err(FeedError::Broken("the connection closed mid-body")));
                    return false;
                }
            }
        }
    }
}
