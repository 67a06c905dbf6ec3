//! Server-sent events over real sockets, under each driver: events as a
//! real client (hyper) reads them, resuming from `Last-Event-ID`,
//! keep-alive comments on a quiet stream, HTTP/2, and the stream's end at
//! a drain.

use std::time::{Duration, Instant};

use bytes::Bytes;
use harrow::sse::{Event, LastEventId, Sse, Stream};
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::{App, Config};
use harrow_tests::server::{Full, each_driver, hyper_client};
use http::Request;
use http_body_util::BodyExt;

/// Events 0 to 4, from the one after `Last-Event-ID`.
async fn numbers(LastEventId(last): LastEventId) -> Sse<impl Stream<Item = Event>> {
    let from = last
        .and_then(|id| id.parse::<u32>().ok())
        .map_or(0, |n| n + 1);
    let events = (from..5).map(|n| {
        Event::new()
            .id(n.to_string())
            .event("number")
            .data(format!("{n}\nline two"))
    });
    Sse::new(harrow::sse::iter(events))
}

/// One event, then nothing, with a keep-alive comment every 200 ms.
async fn quiet() -> Sse<impl Stream<Item = Event>> {
    let first = harrow::sse::iter([Event::new().data("first")]);
    let stream = futures_util::StreamExt::chain(first, futures_util::stream::pending());
    Sse::new(stream).keep_alive(Duration::from_millis(200))
}

fn start(config: Config) -> TestServer {
    spawn_server_with_config(
        || App::new().get("/numbers", numbers).get("/quiet", quiet),
        config,
    )
    .expect("the server starts")
}

fn get(path: &str, last: Option<&str>) -> Request<Full> {
    let mut req = Request::get(path).header("host", "localhost");
    if let Some(last) = last {
        req = req.header("last-event-id", last);
    }
    req.body(Full::default()).unwrap()
}

#[test]
fn events_arrive_and_a_reconnection_resumes_after_the_last_id() {
    each_driver(|config| {
        let server = start(config);
        let (first, resumed) = hyper_client(server.addr(), async |mut send| {
            let res = send.send_request(get("/numbers", None)).await.unwrap();
            assert_eq!(res.headers()["content-type"], "text/event-stream");
            assert_eq!(res.headers()["cache-control"], "no-cache");
            let first = res.into_body().collect().await.unwrap().to_bytes();
            // The stream ended; the client reconnects with the last id.
            send.ready().await.unwrap();
            let res = send.send_request(get("/numbers", Some("2"))).await.unwrap();
            let resumed = res.into_body().collect().await.unwrap().to_bytes();
            (first, resumed)
        });
        let expected = |from: u32| -> Bytes {
            (from..5)
                .map(|n| format!("id: {n}\nevent: number\ndata: {n}\ndata: line two\n\n"))
                .collect::<String>()
                .into()
        };
        assert_eq!(first, expected(0));
        assert_eq!(resumed, expected(3));
    });
}

#[test]
fn a_quiet_stream_sends_keep_alive_comments_and_a_drain_ends_it() {
    each_driver(|config| {
        let server = start(config);
        let addr = server.addr();
        let (chunks, ended_after) = hyper_client(addr, async move |mut send| {
            let res = send.send_request(get("/quiet", None)).await.unwrap();
            let mut body = res.into_body();
            let mut chunks = Vec::new();
            let started = Instant::now();
            while chunks.len() < 3 {
                let frame = body.frame().await.unwrap().unwrap();
                chunks.push(frame.into_data().unwrap());
            }
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(350),
                "comments every 200 ms: {waited:?}"
            );
            // A drain ends the stream: the body finishes, the server stops.
            let stopping = Instant::now();
            let stopper = std::thread::spawn(move || server.shutdown());
            while let Some(frame) = body.frame().await {
                frame.unwrap();
            }
            stopper.join().unwrap().unwrap();
            (chunks, stopping.elapsed())
        });
        assert_eq!(chunks[0], Bytes::from("data: first\n\n"));
        assert_eq!(chunks[1], Bytes::from(":\n\n"));
        assert_eq!(chunks[2], Bytes::from(":\n\n"));
        assert!(
            ended_after < Duration::from_secs(5),
            "the drain waited {ended_after:?}"
        );
    });
}

#[test]
fn events_over_http2() {
    each_driver(|config| {
        let server = start(Config {
            enable_http2: true,
            ..config
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let body = rt.block_on(async {
            let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
            let (send, conn) = h2::client::handshake(tcp).await.unwrap();
            tokio::spawn(conn);
            let mut send = send.ready().await.unwrap();
            let req = Request::get("http://localhost/numbers")
                .header("last-event-id", "3")
                .body(())
                .unwrap();
            let (res, _) = send.send_request(req, true).unwrap();
            let res = res.await.unwrap();
            assert_eq!(res.headers()["content-type"], "text/event-stream");
            let mut body = res.into_body();
            let mut all = Vec::new();
            while let Some(chunk) = body.data().await {
                let chunk = chunk.unwrap();
                let _ = body.flow_control().release_capacity(chunk.len());
                all.extend_from_slice(&chunk);
            }
            all
        });
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "id: 4\nevent: number\ndata: 4\ndata: line two\n\n"
        );
    });
}
