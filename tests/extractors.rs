//! Extractors through the public API: each one's success and each
//! rejection's status and message.

use std::net::SocketAddr;

use harrow::extract::rejection::PathRejection;
use harrow::extract::{Extension, Header, TypedHeader, UserAgent, path_param};
use harrow::http::HeaderValue;
use harrow::test::{TestClient, spawn_server};
use harrow::{
    App, Bytes, Config, Form, HeaderMap, IntoResponse, Json, Method, Path, Query, RemoteAddr,
    Request, Response, StatusCode, Uri,
};
use serde::{Deserialize, Serialize};

/// A test client whose request body limit is `max_body_size` bytes.
fn limited_client(app: App, max_body_size: u64) -> TestClient {
    let config = Config {
        max_body_size,
        ..Config::default()
    };
    TestClient::with_config(app, config)
}

fn client(app: App) -> TestClient {
    TestClient::new(app)
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Repo {
    owner: String,
    id: u32,
}

#[test]
fn path_single_tuple_and_struct() {
    async fn one(Path(id): Path<u64>) -> String {
        format!("id={id}")
    }
    async fn pair(Path((owner, id)): Path<(String, u32)>) -> String {
        format!("{owner}#{id}")
    }
    async fn named(Path(repo): Path<Repo>) -> String {
        format!("{}/{}", repo.owner, repo.id)
    }
    let c = client(
        App::new()
            .get("/one/{id}", one)
            .get("/pair/{owner}/{id}", pair)
            .get("/named/{owner}/{id}", named),
    );
    assert_eq!(c.get("/one/9").send().text(), "id=9");
    assert_eq!(c.get("/pair/ann/3").send().text(), "ann#3");
    assert_eq!(c.get("/named/bob/4").send().text(), "bob/4");
}

#[test]
fn path_value_that_does_not_parse_is_400_naming_it() {
    async fn one(Path(id): Path<u64>) -> String {
        format!("id={id}")
    }
    async fn named(Path(repo): Path<Repo>) -> String {
        repo.owner
    }
    let c = client(
        App::new()
            .get("/one/{id}", one)
            .get("/named/{owner}/{id}", named),
    );
    let res = c.get("/one/abc").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text(),
        "invalid path parameter `id`: expected u64, got \"abc\""
    );
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let res = c.get("/named/bob/-1").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text(),
        "invalid path parameter `id`: expected u32, got \"-1\""
    );
}

#[test]
fn path_shape_that_does_not_fit_the_route_is_500() {
    async fn two(Path(v): Path<(u32, u32)>) -> String {
        format!("{v:?}")
    }
    let c = client(App::new().get("/x/{a}", two));
    let res = c.get("/x/1").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
}

#[test]
fn path_param_parses_one_value_by_name() {
    async fn by_name(cx: harrow::RequestContext) -> Response {
        match path_param::<i32>(&cx, "n") {
            Ok(n) => (n * 2).to_string().into_response(),
            Err(rejection) => rejection.into_response(),
        }
    }
    let c = client(App::new().get("/double/{n}", by_name));
    assert_eq!(c.get("/double/21").send().text(), "42");
    let res = c.get("/double/x").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text(),
        "invalid path parameter `n`: expected i32, got \"x\""
    );
}

#[test]
fn result_extractor_hands_the_rejection_to_the_handler() {
    async fn lenient(id: Result<Path<u32>, PathRejection>) -> String {
        match id {
            Ok(Path(id)) => format!("id {id}"),
            Err(e) => format!("fallback because {e}"),
        }
    }
    let c = client(App::new().get("/{id}", lenient));
    assert_eq!(c.get("/5").send().text(), "id 5");
    let res = c.get("/five").send();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .starts_with("fallback because invalid path parameter `id`")
    );
}

#[derive(Deserialize)]
struct Search {
    q: String,
    page: Option<u32>,
}

async fn search(Query(s): Query<Search>) -> String {
    format!("{} p{}", s.q, s.page.unwrap_or(1))
}

#[test]
fn query_deserializes_and_rejects_with_400() {
    let c = client(App::new().get("/search", search));
    assert_eq!(
        c.get("/search?q=rust%20web&page=2").send().text(),
        "rust web p2"
    );
    assert_eq!(c.get("/search?q=x").send().text(), "x p1");
    let res = c.get("/search").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.text(), "invalid query string: missing field `q`");
    // Issue 12: the message names the field at fault.
    let res = c.get("/search?q=x&page=two").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text(),
        "invalid query string: field `page`: invalid digit found in string"
    );
}

async fn echo_repo(Json(repo): Json<Repo>) -> Json<Repo> {
    Json(Repo {
        owner: repo.owner.to_uppercase(),
        id: repo.id + 1,
    })
}

#[test]
fn json_body_round_trips() {
    let c = client(App::new().post("/repo", echo_repo));
    let res = c
        .post("/repo")
        .json(&Repo {
            owner: "ann".into(),
            id: 1,
        })
        .send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(
        res.json::<Repo>(),
        Repo {
            owner: "ANN".into(),
            id: 2
        }
    );
}

#[test]
fn json_rejections_have_the_right_status() {
    let c = limited_client(App::new().post("/repo", echo_repo), 64);
    let res = c.post("/repo").body(r#"{"owner":"a","id":1}"#).send();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        res.text(),
        "expected a request with `Content-Type: application/json`"
    );
    let res = c
        .post("/repo")
        .header("content-type", "application/json")
        .body("{not json")
        .send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().starts_with("invalid JSON: "), "{}", res.text());
    let res = c
        .post("/repo")
        .json(&serde_json::json!({"owner": "a"}))
        .send();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("missing field `id`"), "{}", res.text());
    let big = serde_json::json!({"owner": "a".repeat(100), "id": 1});
    let res = c.post("/repo").json(&big).send();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.text(),
        "request body is larger than the limit of 64 bytes"
    );
    let res = c
        .post("/repo")
        .header("content-type", "application/vnd.api+json; charset=utf-8")
        .body(r#"{"owner":"a","id":1}"#)
        .send();
    assert_eq!(res.status(), StatusCode::OK);
}

#[derive(Deserialize, Serialize)]
struct Login {
    user: String,
    remember: bool,
}

#[test]
fn form_body_and_its_rejections() {
    async fn login(Form(f): Form<Login>) -> String {
        format!("{} {}", f.user, f.remember)
    }
    let c = client(App::new().post("/login", login));
    let res = c
        .post("/login")
        .form(&Login {
            user: "ann lee".into(),
            remember: true,
        })
        .send();
    assert_eq!(res.text(), "ann lee true");
    let res = c.post("/login").body("user=ann&remember=true").send();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = c
        .post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=ann&remember=perhaps")
        .send();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.text(),
        "invalid form: field `remember`: provided string was not `true` or `false`"
    );
}

#[test]
fn bytes_and_string_bodies() {
    async fn len(body: Bytes) -> String {
        format!("{} bytes", body.len())
    }
    async fn shout(text: String) -> String {
        text.to_uppercase()
    }
    let c = client(App::new().post("/len", len).post("/shout", shout));
    assert_eq!(
        c.post("/len").body(vec![0u8; 300]).send().text(),
        "300 bytes"
    );
    assert_eq!(c.post("/shout").body("hey").send().text(), "HEY");
    let res = c.post("/shout").body(vec![0xff, 0xfe]).send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.text(), "request body is not valid UTF-8");
}

#[test]
fn default_body_limit_is_two_mib() {
    async fn len(body: Bytes) -> String {
        body.len().to_string()
    }
    let c = client(App::new().post("/len", len));
    let limit = 2 * 1024 * 1024;
    assert_eq!(
        c.post("/len").body(vec![1u8; limit]).send().text(),
        limit.to_string()
    );
    let res = c.post("/len").body(vec![1u8; limit + 1]).send();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.text(),
        "request body is larger than the limit of 2097152 bytes"
    );
}

#[test]
fn declared_length_over_the_limit_is_refused_before_reading() {
    async fn len(body: Bytes) -> String {
        body.len().to_string()
    }
    let c = limited_client(App::new().post("/len", len), 10);
    let res = c
        .post("/len")
        .header("content-length", "1000000")
        .body("short")
        .send();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Issue 12: one body limit, the server's `max_body_size`, and one 413 from
/// every body extractor, with the app's layers around it.
#[test]
fn every_body_extractor_answers_the_one_413_through_the_layers() {
    async fn bytes(body: Bytes) -> String {
        body.len().to_string()
    }
    async fn text(body: String) -> String {
        body
    }
    async fn form(Form(f): Form<std::collections::HashMap<String, String>>) -> String {
        f.len().to_string()
    }
    let app = App::new()
        .post("/bytes", bytes)
        .post("/text", text)
        .post("/json", echo_repo)
        .post("/form", form)
        .layer(harrow::middleware::SetRequestId::new());
    let c = limited_client(app, 16);
    let big = "x".repeat(17);
    for (path, content_type) in [
        ("/bytes", "application/octet-stream"),
        ("/text", "text/plain"),
        ("/json", "application/json"),
        ("/form", "application/x-www-form-urlencoded"),
    ] {
        let res = c
            .post(path)
            .header("content-type", content_type)
            .body(big.clone())
            .send();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(
            res.text(),
            "request body is larger than the limit of 16 bytes",
            "{path}"
        );
        assert!(res.header("x-request-id").is_some(), "{path}");
    }
}

struct ApiVersion(u8);

impl Header for ApiVersion {
    fn name() -> &'static str {
        "x-api-version"
    }

    fn decode(value: &HeaderValue) -> Result<Self, String> {
        let text = value.to_str().map_err(|_| "not text".to_string())?;
        text.parse()
            .map(ApiVersion)
            .map_err(|_| format!("expected a number, got {text:?}"))
    }
}

#[test]
fn headers_whole_and_typed() {
    async fn all(headers: HeaderMap) -> String {
        headers
            .get("x-a")
            .map_or("none", |v| v.to_str().unwrap_or("?"))
            .to_owned()
    }
    async fn agent(TypedHeader(UserAgent(ua)): TypedHeader<UserAgent>) -> String {
        ua
    }
    async fn version(
        TypedHeader(ApiVersion(v)): TypedHeader<ApiVersion>,
        agent: Option<TypedHeader<UserAgent>>,
    ) -> String {
        format!("v{v} agent={}", agent.is_some())
    }
    let c = client(
        App::new()
            .get("/all", all)
            .get("/agent", agent)
            .get("/version", version),
    );
    assert_eq!(c.get("/all").header("x-a", "b").send().text(), "b");
    assert_eq!(
        c.get("/agent").header("user-agent", "curl/8").send().text(),
        "curl/8"
    );
    let res = c.get("/agent").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.text(), "missing header `user-agent`");
    assert_eq!(
        c.get("/version").header("x-api-version", "3").send().text(),
        "v3 agent=false"
    );
    let res = c.get("/version").header("x-api-version", "three").send();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text(),
        "invalid header `x-api-version`: expected a number, got \"three\""
    );
}

#[test]
fn method_uri_remote_address_and_whole_request() {
    async fn info(method: Method, uri: Uri, RemoteAddr(addr): RemoteAddr) -> String {
        format!("{method} {uri} from {}", addr.ip())
    }
    async fn whole(req: Request) -> String {
        let (parts, body) = req.into_parts();
        let body = body.collect(1024).await.map(|b| b.len()).unwrap_or(0);
        format!("{} {} {body}", parts.method, parts.uri.path())
    }
    let c = client(App::new().get("/info", info).post("/whole", whole));
    assert_eq!(
        c.get("/info?x=1").send().text(),
        "GET /info?x=1 from 127.0.0.1"
    );
    let addr: SocketAddr = "10.1.2.3:5000".parse().unwrap();
    let res = c.get("/info").remote_addr(addr).send();
    assert_eq!(res.text(), "GET /info from 10.1.2.3");
    assert_eq!(
        c.post("/whole").body("12345").send().text(),
        "POST /whole 5"
    );
}

#[derive(Clone)]
struct User(String);

#[test]
fn extension_from_a_middleware_and_when_missing() {
    async fn login(mut req: Request, next: harrow::middleware::Next) -> Response {
        req.extensions_mut().insert(User("ann".into()));
        next.run(req).await
    }
    async fn me(Extension(User(name)): Extension<User>, version: harrow::http::Version) -> String {
        format!("{name} over {version:?}")
    }
    let with = client(
        App::new()
            .get("/me", me)
            .layer(harrow::middleware::from_fn(login)),
    );
    assert_eq!(with.get("/me").send().text(), "ann over HTTP/1.1");
    let res = client(App::new().get("/me", me)).get("/me").send();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.text(), "internal server error");
}

#[test]
fn sixteen_extractors_in_one_handler() {
    #[allow(clippy::too_many_arguments)]
    async fn many(
        a: Method,
        b: Uri,
        c: HeaderMap,
        d: Path<u8>,
        e: Method,
        f: Uri,
        g: HeaderMap,
        h: Option<TypedHeader<UserAgent>>,
        i: Method,
        j: Uri,
        k: HeaderMap,
        l: RemoteAddr,
        m: Method,
        n: Uri,
        o: Query<Vec<(String, String)>>,
        body: String,
    ) -> String {
        let _ = (a, b, c, e, f, g, h, i, j, k, l, m, n);
        format!("{} {} {body}", d.0, o.0.len())
    }
    let c = client(App::new().post("/{d}", many));
    assert_eq!(c.post("/7?a=1&b=2").body("end").send().text(), "7 2 end");
}

#[test]
fn remote_address_over_a_socket_is_the_peer() {
    async fn peer(RemoteAddr(addr): RemoteAddr) -> String {
        format!("{} {}", addr.ip(), addr.port() > 0)
    }
    let server = spawn_server(|| App::new().get("/peer", peer));
    let res = harrow_tests::get(server.addr(), "/peer");
    assert_eq!(res.text(), "127.0.0.1 true");
}

#[test]
fn a_streamed_body_over_the_server_limit_is_the_extractors_413_over_a_socket() {
    async fn len(body: Bytes) -> String {
        body.len().to_string()
    }
    let config = Config {
        workers: Some(1),
        max_body_size: 100 * 1024,
        ..Config::default()
    };
    let server = harrow::test::spawn_server_with_config(|| App::new().post("/len", len), config)
        .expect("starts");
    let small = vec![b'x'; 1000];
    let res = harrow_tests::request(server.addr(), "POST", "/len", &[], &small);
    assert_eq!((res.status, res.text().as_str()), (200, "1000"));
    // Chunked and larger than what the server reads before calling the
    // service, so the body streams and fails past the limit.
    let mut raw = b"POST /len HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\
                    transfer-encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..50 {
        raw.extend_from_slice(format!("{:x}\r\n", 4096).as_bytes());
        raw.extend_from_slice(&[b'x'; 4096]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let res = harrow_tests::exchange(server.addr(), &raw, false);
    assert_eq!(res.status, 413);
    assert_eq!(
        res.text(),
        "request body is larger than the limit of 102400 bytes"
    );
}

#[test]
fn json_over_a_socket() {
    let server = spawn_server(|| App::new().post("/repo", echo_repo));
    let res = harrow_tests::request(
        server.addr(),
        "POST",
        "/repo",
        &[("content-type", "application/json")],
        br#"{"owner":"zed","id":9}"#,
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), r#"{"owner":"ZED","id":10}"#);
}
