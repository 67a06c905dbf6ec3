//! Server-sent events (the WHATWG HTML standard, "Server-sent events"): a
//! response that stays open and sends [`Event`]s as a stream yields them.
//!
//! ```
//! use std::time::Duration;
//! use harrow::sse::{Event, LastEventId, Sse, Stream};
//!
//! async fn ticks(LastEventId(last): LastEventId) -> Sse<impl Stream<Item = Event>> {
//!     // Resume after the last event the client saw, if it says.
//!     let from: u64 = last.and_then(|id| id.parse().ok()).map_or(0, |n: u64| n + 1);
//!     let events = (from..from + 3).map(|n| Event::new().id(n.to_string()).data(format!("tick {n}")));
//!     Sse::new(harrow::sse::iter(events)).keep_alive(Duration::from_secs(15))
//! }
//! # let _ = harrow::App::new().get("/ticks", ticks);
//! ```
//!
//! The response carries `Content-Type: text/event-stream`, `Cache-Control:
//! no-cache` and `X-Accel-Buffering: no` (so nginx passes events on as
//! they come). A comment line goes out when the stream has been quiet for
//! the keep-alive interval, so proxies and browsers keep the connection.
//! When the server drains, the stream ends, and the client reconnects
//! (with `Last-Event-ID`) to another instance.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
/// The trait of an event source: `futures_core::Stream`.
pub use futures_core::Stream;
use http::request::Parts;
use http::{HeaderValue, header};

use super::{IntoResponse, Response};
use crate::Body;
use crate::context::RequestContext;
use crate::extract::FromRequestParts;

/// One event: data (any number of lines), and optionally a name, an id, a
/// reconnection delay, or a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    text: String,
}

impl Event {
    /// An empty event; add fields with the methods below.
    pub fn new() -> Event {
        Event::default()
    }

    /// The event's data. Line breaks split it into `data:` lines, which
    /// the client joins back with `\n`.
    pub fn data(mut self, data: impl AsRef<str>) -> Event {
        for line in lines(data.as_ref()) {
            self.field("data", line);
        }
        self
    }

    /// The data as JSON (one line).
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize>(self, value: &T) -> Result<Event, serde_json::Error> {
        Ok(self.data(serde_json::to_string(value)?))
    }

    /// The event's name, dispatched to `addEventListener(name, …)` in a
    /// browser (`message` without one). Line breaks are dropped.
    pub fn event(mut self, name: impl AsRef<str>) -> Event {
        self.field("event", &single_line(name.as_ref()));
        self
    }

    /// The event's id, which the client sends back as `Last-Event-ID` when
    /// it reconnects. Line breaks and NUL are dropped.
    pub fn id(mut self, id: impl AsRef<str>) -> Event {
        let id: String = single_line(id.as_ref()).replace('\0', "");
        self.field("id", &id);
        self
    }

    /// How long the client waits before reconnecting.
    pub fn retry(mut self, delay: Duration) -> Event {
        let _ = writeln!(self.text, "retry: {}", delay.as_millis());
        self
    }

    /// A comment line, which clients ignore.
    pub fn comment(mut self, comment: impl AsRef<str>) -> Event {
        for line in lines(comment.as_ref()) {
            self.text.push(':');
            self.text.push_str(line);
            self.text.push('\n');
        }
        self
    }

    fn field(&mut self, name: &str, value: &str) {
        self.text.push_str(name);
        self.text.push_str(": ");
        self.text.push_str(value);
        self.text.push('\n');
    }

    /// The event on the wire: its lines and the blank line that ends it.
    fn encode(mut self) -> Bytes {
        self.text.push('\n');
        Bytes::from(self.text)
    }
}

/// Splits on `\r\n`, `\r` and `\n`, the line ends of the format.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split("\r\n").flat_map(|l| l.split(['\r', '\n']))
}

fn single_line(text: &str) -> String {
    text.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// A response that sends the events `stream` yields, as they come.
pub struct Sse<S> {
    stream: S,
    keep_alive: Option<Duration>,
}

impl<S> Sse<S>
where
    S: Stream<Item = Event> + 'static,
{
    /// Events from `stream`, with a keep-alive comment after 15 s of quiet.
    pub fn new(stream: S) -> Sse<S> {
        Sse {
            stream,
            keep_alive: Some(Duration::from_secs(15)),
        }
    }

    /// Sends a comment after `interval` without an event.
    pub fn keep_alive(mut self, interval: Duration) -> Sse<S> {
        self.keep_alive = Some(interval);
        self
    }

    /// Sends no keep-alive comments.
    pub fn without_keep_alive(mut self) -> Sse<S> {
        self.keep_alive = None;
        self
    }
}

impl<S> IntoResponse for Sse<S>
where
    S: Stream<Item = Event> + 'static,
{
    fn into_response(self) -> Response {
        let body = Encoded {
            events: Box::pin(self.stream),
            keep_alive: self.keep_alive,
            timer: None,
            shutdown: Box::pin(harrow_server::rt::shutdown()),
        };
        let mut res = Response::new(Body::from_stream(body));
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        res
    }
}

/// The events as bytes, with keep-alive comments, ending at the drain.
struct Encoded {
    events: Pin<Box<dyn Stream<Item = Event>>>,
    keep_alive: Option<Duration>,
    timer: Option<Pin<Box<dyn Future<Output = ()>>>>,
    shutdown: Pin<Box<dyn Future<Output = ()>>>,
}

impl Stream for Encoded {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(Some(event)) => {
                this.timer = None;
                return Poll::Ready(Some(Ok(event.encode())));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        let Some(interval) = this.keep_alive else {
            return Poll::Pending;
        };
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(harrow_server::rt::sleep(interval)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.timer = None;
                Poll::Ready(Some(Ok(Bytes::from_static(b":\n\n"))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A stream of the items of `iter`, for events known in advance.
pub fn iter<I: IntoIterator>(iter: I) -> impl Stream<Item = I::Item> {
    Iter(iter.into_iter())
}

struct Iter<I>(I);

// The iterator is never pinned: it is only called through `&mut`.
impl<I> Unpin for Iter<I> {}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}

/// The `Last-Event-ID` a reconnecting client sends: the id of the last
/// event it received, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastEventId(pub Option<String>);

impl FromRequestParts for LastEventId {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(LastEventId(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_encoded_field_by_field() {
        let cases = [
            (Event::new().data("hello"), "data: hello\n\n"),
            (
                Event::new().data("a\nb\r\nc\rd"),
                "data: a\ndata: b\ndata: c\ndata: d\n\n",
            ),
            (
                Event::new().event("up\ndate").id("4\n2").data("x"),
                "event: update\nid: 42\ndata: x\n\n",
            ),
            (
                Event::new().retry(Duration::from_secs(3)).comment("hi"),
                "retry: 3000\n:hi\n\n",
            ),
            (Event::new().id("a\0b"), "id: ab\n\n"),
        ];
        for (event, wire) in cases {
            assert_eq!(event.encode(), Bytes::from(wire));
        }
    }
}
