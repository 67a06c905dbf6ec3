//! A chat room over WebSocket, with the same messages as server-sent events:
//! `cargo run -p harrow-examples --features chat --example chat`, then open
//! <http://127.0.0.1:3000/> in two browser tabs (or
//! `curl -N localhost:3000/events` to watch).
//!
//! Each worker runs its own sockets; one broadcast channel, made before the
//! workers start and cloned into each, carries every line to every socket
//! on every worker. A socket that falls behind the channel misses lines
//! rather than holding the room up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::{Either, select};
use harrow::sse::{Event, Sse, Stream};
use harrow::ws::{Message, WebSocketUpgrade};
use harrow::{App, Html, Response, State};
use tokio::sync::broadcast;

/// What every worker shares: the room's channel and a counter for names.
#[derive(Clone)]
struct Room {
    lines: broadcast::Sender<String>,
    guests: Arc<AtomicUsize>,
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

// ANCHOR: join
async fn join(ws: WebSocketUpgrade, State(room): State<Room>) -> Response {
    ws.max_message_size(4096)
        .on_upgrade(move |socket| async move {
            let name = format!("guest-{}", room.guests.fetch_add(1, Ordering::Relaxed) + 1);
            let mut lines = room.lines.subscribe();
            let _ = room.lines.send(format!("{name} joined"));
            let (mut to_client, mut from_client) = socket.split();
            loop {
                // Whichever comes first: a line for the room, or one from it.
                let next = select(Box::pin(from_client.recv()), Box::pin(lines.recv())).await;
                match next {
                    Either::Left((Some(Ok(Message::Text(text))), _)) => {
                        let _ = room.lines.send(format!("{name}: {text}"));
                    }
                    Either::Left((Some(Ok(Message::Binary(_))), _)) => {}
                    // The client left (or broke the protocol).
                    Either::Left((Some(Ok(Message::Close(_))) | Some(Err(_)) | None, _)) => break,
                    Either::Right((Ok(line), _)) => {
                        if to_client.send(line).await.is_err() {
                            break;
                        }
                    }
                    // Behind the channel: some lines were missed.
                    Either::Right((Err(broadcast::error::RecvError::Lagged(_)), _)) => {}
                    Either::Right((Err(broadcast::error::RecvError::Closed), _)) => break,
                }
            }
            let _ = room.lines.send(format!("{name} left"));
        })
}
// ANCHOR_END: join

/// The room's lines as server-sent events, for clients without WebSocket.
async fn events(State(room): State<Room>) -> Sse<impl Stream<Item = Event>> {
    let lines = room.lines.subscribe();
    let stream = futures_util::stream::unfold(lines, |mut lines| async move {
        loop {
            match lines.recv().await {
                Ok(line) => return Some((Event::new().data(line), lines)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream)
}

fn main() {
    let (lines, _) = broadcast::channel(256);
    let room = Room {
        lines,
        guests: Arc::default(),
    };
    let app = move || {
        App::new()
            .state(room.clone())
            .get("/", page)
            .get("/ws", join)
            .get("/events", events)
    };
    if let Err(e) = harrow::run(app, "127.0.0.1:3000") {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>Harrow chat</title>
<ul id="lines"></ul>
<form id="say"><input id="text" autocomplete="off" autofocus><button>Send</button></form>
<script>
  const socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onmessage = (e) => {
    const li = document.createElement("li");
    li.textContent = e.data;
    document.getElementById("lines").append(li);
  };
  document.getElementById("say").onsubmit = (e) => {
    e.preventDefault();
    const input = document.getElementById("text");
    socket.send(input.value);
    input.value = "";
  };
</script>
"#;
