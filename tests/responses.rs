//! Responses through the public API: every `IntoResponse` type's status,
//! Content-Type, Content-Length and body; streaming over a real socket.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use harrow::test::{TestClient, spawn_server};
use harrow::{App, Body, Bytes, Error, Html, IntoResponse, Json, Redirect, Response, StatusCode};

/// Yields its chunks one per poll.
struct Chunks(Vec<&'static str>);

impl Stream for Chunks {
    type Item = Result<&'static str, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(if self.0.is_empty() {
            None
        } else {
            Some(Ok(self.0.remove(0)))
        })
    }
}

async fn text() -> &'static str {
    "static text"
}
async fn string() -> String {
    "owned text".to_string()
}
async fn bytes() -> Bytes {
    Bytes::from_static(b"\x00\x01\x02")
}
async fn vec() -> Vec<u8> {
    vec![7; 5]
}
async fn json() -> Json<serde_json::Value> {
    Json(serde_json::json!({"ok": true, "n": 3}))
}
async fn html() -> Html<&'static str> {
    Html("<h1>hi</h1>")
}
async fn no_content() -> StatusCode {
    StatusCode::NO_CONTENT
}
async fn teapot() -> StatusCode {
    StatusCode::IM_A_TEAPOT
}
async fn created() -> (StatusCode, Json<u32>) {
    (StatusCode::CREATED, Json(7))
}
async fn with_headers() -> (StatusCode, [(&'static str, &'static str); 2], &'static str) {
    (
        StatusCode::ACCEPTED,
        [("x-one", "1"), ("content-type", "text/csv")],
        "a,b",
    )
}
async fn cached() -> ([(&'static str, &'static str); 1], Html<&'static str>) {
    ([("cache-control", "max-age=60")], Html("<p>cached</p>"))
}
async fn maybe(harrow::Query(q): harrow::Query<Vec<(String, String)>>) -> Result<String, Error> {
    match q.first() {
        Some((k, _)) if k == "fail" => Err(Error::conflict("already there")),
        Some((k, v)) if k == "n" => {
            let n: u32 = v.parse()?;
            Ok(format!("n={n}"))
        }
        _ => Ok("nothing".into()),
    }
}
async fn manual() -> Response {
    let mut res = Response::new(Body::from("manual"));
    *res.status_mut() = StatusCode::PARTIAL_CONTENT;
    res.headers_mut().insert("x-manual", "yes".parse().unwrap());
    res
}
async fn stream() -> impl IntoResponse {
    (
        StatusCode::OK,
        [("content-type", "text/plain")],
        Body::from_stream(Chunks(vec!["one ", "two ", "three"])),
    )
}
async fn see_other() -> Redirect {
    Redirect::to("/target")
}
async fn temporary() -> Redirect {
    Redirect::temporary("/t")
}
async fn permanent() -> Redirect {
    Redirect::permanent("https://example.com/p")
}

fn app() -> App {
    App::new()
        .get("/text", text)
        .get("/string", string)
        .get("/bytes", bytes)
        .get("/vec", vec)
        .get("/json", json)
        .get("/html", html)
        .get("/no-content", no_content)
        .get("/teapot", teapot)
        .post("/created", created)
        .get("/headers", with_headers)
        .get("/cached", cached)
        .get("/maybe", maybe)
        .get("/manual", manual)
        .get("/stream", stream)
        .get("/see-other", see_other)
        .get("/temporary", temporary)
        .get("/permanent", permanent)
}

#[test]
fn bodies_carry_content_type_and_length() {
    let c = TestClient::new(app());
    let cases = [
        ("/text", "text/plain; charset=utf-8", "11"),
        ("/string", "text/plain; charset=utf-8", "10"),
        ("/bytes", "application/octet-stream", "3"),
        ("/vec", "application/octet-stream", "5"),
        ("/json", "application/json", "17"),
        ("/html", "text/html; charset=utf-8", "11"),
    ];
    for (path, content_type, length) in cases {
        let res = c.get(path).send();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.header("content-type"), Some(content_type), "{path}");
        assert_eq!(res.header("content-length"), Some(length), "{path}");
    }
    assert_eq!(c.get("/vec").send().bytes().as_ref(), &[7u8; 5]);
    assert_eq!(c.get("/html").send().text(), "<h1>hi</h1>");
    let v: serde_json::Value = c.get("/json").send().json();
    assert_eq!(v, serde_json::json!({"ok": true, "n": 3}));
}

#[test]
fn status_codes_alone_and_in_tuples() {
    let c = TestClient::new(app());
    let res = c.get("/no-content").send();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(res.bytes().is_empty());
    let res = c.get("/teapot").send();
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(res.text(), "I'm a teapot");
    let res = c.post("/created").send();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), "7");
    let res = c.get("/headers").send();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.header("x-one"), Some("1"));
    assert_eq!(res.header("content-type"), Some("text/csv"));
    assert_eq!(res.text(), "a,b");
    let res = c.get("/cached").send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("cache-control"), Some("max-age=60"));
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
}

#[test]
fn results_and_framework_errors() {
    let c = TestClient::new(app());
    assert_eq!(c.get("/maybe?n=4").send().text(), "n=4");
    let res = c.get("/maybe?fail=1").send();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.text(), "already there");
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let res = c.get("/maybe?n=x").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
}

#[test]
fn a_response_passes_through_unchanged() {
    let res = TestClient::new(app()).get("/manual").send();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.header("x-manual"), Some("yes"));
    assert_eq!(res.text(), "manual");
}

#[test]
fn redirects_set_status_and_location() {
    let c = TestClient::new(app());
    let cases = [
        ("/see-other", StatusCode::SEE_OTHER, "/target"),
        ("/temporary", StatusCode::TEMPORARY_REDIRECT, "/t"),
        (
            "/permanent",
            StatusCode::PERMANENT_REDIRECT,
            "https://example.com/p",
        ),
    ];
    for (path, status, location) in cases {
        let res = c.get(path).send();
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(res.header("location"), Some(location), "{path}");
    }
}

#[test]
fn streaming_body_in_process_has_no_length() {
    let res = TestClient::new(app()).get("/stream").send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-length"), None);
    assert_eq!(res.text(), "one two three");
}

#[test]
fn streaming_body_goes_out_chunked_over_http1() {
    let server = spawn_server(app);
    let res = harrow_tests::get(server.addr(), "/stream");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("transfer-encoding"), Some("chunked"));
    assert_eq!(res.header("content-type"), Some("text/plain"));
    assert_eq!(res.text(), "one two three");
    let res = harrow_tests::get(server.addr(), "/json");
    assert_eq!(res.header("content-length"), Some("17"));
    assert_eq!(res.text(), r#"{"n":3,"ok":true}"#);
}
