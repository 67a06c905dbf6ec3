//! End to end: routes declared with the attributes, in several modules and
//! in a library crate, served from the automatic registry and from explicit
//! `routes![...]` lists, with path parameters bound by name and type.

use harrow::http::{Method, StatusCode};
use harrow::prelude::*;
use harrow::test::TestClient;
use serde::Deserialize;

// Links the library crate, and with it the routes it declares; nothing
// else from it is named.
use harrow_macro_lib as _;

#[get("/hello")]
async fn hello() -> &'static str {
    "Hello, world!"
}

mod users {
    use harrow::prelude::*;

    #[get("/users/{id}")]
    pub(crate) async fn show(id: u64) -> String {
        format!("user {id}")
    }

    #[get("/users/{id}/posts/{slug}")]
    pub(crate) async fn post(id: u32, slug: String) -> String {
        format!("post {slug} of user {id}")
    }

    pub(crate) mod admin {
        use harrow::prelude::*;

        #[delete("/users/{id}")]
        pub(crate) async fn remove(id: u64) -> (StatusCode, String) {
            (StatusCode::ACCEPTED, format!("removing {id}"))
        }
    }
}

mod items {
    use harrow::http::Method;
    use harrow::prelude::*;

    #[route("/items", method = "GET", method = "POST")]
    pub(crate) async fn items(method: Method, body: String) -> String {
        format!("{method} items: {body}")
    }
}

#[derive(Deserialize)]
struct Page {
    size: u32,
}

#[get("/search/{*terms}")]
async fn search(terms: String, Query(page): Query<Page>) -> String {
    format!("{terms} ({} per page)", page.size)
}

#[post("/echo")]
async fn echo(body: String) -> String {
    body
}

/// Two handlers claiming `GET /dup`; kept out of the served registry below
/// and checked on their own.
mod dup_a {
    use harrow::prelude::*;

    #[get("/dup")]
    pub(crate) async fn first() -> &'static str {
        "a"
    }
}

mod dup_b {
    use harrow::prelude::*;

    #[get("/dup")]
    pub(crate) async fn second() -> &'static str {
        "b"
    }
}

/// The registry without the deliberate duplicates.
fn registered_app() -> App {
    let routes = harrow::registered_routes()
        .into_iter()
        .filter(|r| r.path() != "/dup");
    App::new().routes(routes)
}

/// Sends one request through the app, in process.
fn send(app: App, method: Method, uri: &str, body: &str) -> (StatusCode, String) {
    let client = TestClient::new(app);
    let res = client.request(method, uri).body(body.to_owned()).send();
    (res.status(), res.text().to_owned())
}

fn get_text(app: App, uri: &str) -> (StatusCode, String) {
    send(app, Method::GET, uri, "")
}

#[test]
fn registry_serves_handlers_from_every_module() {
    let cases = [
        (Method::GET, "/hello", "", StatusCode::OK, "Hello, world!"),
        (Method::GET, "/users/42", "", StatusCode::OK, "user 42"),
        (
            Method::GET,
            "/users/7/posts/intro",
            "",
            StatusCode::OK,
            "post intro of user 7",
        ),
        (
            Method::DELETE,
            "/users/9",
            "",
            StatusCode::ACCEPTED,
            "removing 9",
        ),
        (Method::GET, "/items", "", StatusCode::OK, "GET items: "),
        (
            Method::POST,
            "/items",
            "pen",
            StatusCode::OK,
            "POST items: pen",
        ),
        (
            Method::GET,
            "/search/rust/web?size=5",
            "",
            StatusCode::OK,
            "rust/web (5 per page)",
        ),
        (Method::POST, "/echo", "ping", StatusCode::OK, "ping"),
    ];
    for (method, uri, body, status, text) in cases {
        let (s, t) = send(registered_app(), method.clone(), uri, body);
        assert_eq!((s, t.as_str()), (status, text), "{method} {uri}");
    }
}

#[test]
fn registry_includes_a_library_crates_handlers() {
    let (status, text) = get_text(registered_app(), "/lib/ping");
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "pong from the library")
    );
    let (status, text) = get_text(registered_app(), "/lib/square/-12");
    assert_eq!((status, text.as_str()), (StatusCode::OK, "144"));
}

#[test]
fn registry_records_where_each_handler_is() {
    let entries = harrow::registered_routes();
    let show = entries
        .iter()
        .find(|r| r.path() == "/users/{id}" && r.methods() == [Method::GET])
        .expect("users::show is registered");
    let site = show.site().expect("macro routes have a site");
    assert_eq!(site.name, "show");
    assert_eq!(site.file, file!());
    assert!(site.line > 0);
}

#[test]
fn a_path_parameter_that_does_not_parse_is_a_400_naming_it() {
    let (status, text) = get_text(registered_app(), "/users/abc");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text,
        r#"invalid path parameter `id`: expected u64, got "abc""#
    );

    let (status, text) = get_text(registered_app(), "/users/-1/posts/x");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text,
        r#"invalid path parameter `id`: expected u32, got "-1""#
    );
}

#[test]
fn an_extractor_rejection_stops_the_handler() {
    let (status, _) = get_text(registered_app(), "/search/rust?size=many");
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn explicit_lists_mix_with_builder_routes() {
    async fn health() -> &'static str {
        "ok"
    }
    let app = || {
        App::new()
            .routes(harrow::routes![hello, users::show, items::items])
            .get("/health", health)
    };
    assert_eq!(get_text(app(), "/health").1, "ok");
    assert_eq!(get_text(app(), "/users/5").1, "user 5");
    assert_eq!(get_text(app(), "/hello").1, "Hello, world!");
    assert_eq!(get_text(app(), "/echo").0, StatusCode::NOT_FOUND);
    let table = app().route_table().to_string();
    assert!(table.contains("GET, POST  /items"), "{table}");
    assert!(table.contains("show (tests/macros.rs:"), "{table}");
}

#[test]
fn duplicate_routes_name_both_handlers_and_their_lines() {
    let err = App::new()
        .routes(harrow::routes![dup_a::first, dup_b::second])
        .into_service()
        .expect_err("duplicate routes are refused");
    let message = err.to_string();
    assert!(message.contains("GET /dup"), "{message}");
    assert!(message.contains("`first` at tests/macros.rs:"), "{message}");
    assert!(
        message.contains("`second` at tests/macros.rs:"),
        "{message}"
    );

    let err = App::new()
        .routes(harrow::registered_routes())
        .into_service()
        .expect_err("the registry holds the duplicates too");
    assert!(err.to_string().contains("GET /dup"), "{err}");
}

#[test]
fn the_original_functions_stay_callable() {
    let text = harrow_server::rt::block_on(users::show(3));
    assert_eq!(text, "user 3");
}

mod main_attribute {
    //! `#[harrow::main]` as a user meets it: `tests/bin/macro_main.rs` run as
    //! a child process.

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Output, Stdio};
    use std::time::{Duration, Instant};

    fn fixture() -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_macro-main"));
        cmd.env_remove("HARROW_ADDR")
            .env_remove("HARROW_WORKERS")
            .env_remove("HARROW_MAX_BODY_SIZE")
            .env_remove("FIXTURE_DUPLICATE")
            .env_remove("FIXTURE_STUCK");
        cmd
    }

    /// Waits for the child to exit, killing it after `limit`.
    fn wait_with_limit(mut child: Child, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                panic!("the server did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the fixture printed on stdout after its setup's line.
    fn only_setup(out: &Output) -> String {
        let stdout = String::from_utf8_lossy(&out.stdout);
        match stdout.strip_prefix("setup ran\n") {
            Some(rest) => rest.to_owned(),
            None => panic!("setup did not run first: {stdout}"),
        }
    }

    fn run_to_end(cmd: &mut Command) -> Output {
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fixture starts");
        child.wait_with_output().expect("fixture exits")
    }

    #[test]
    fn serves_every_annotated_route_and_drains_on_sigterm() {
        let mut child = fixture()
            .env("HARROW_WORKERS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fixture starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut printed = String::new();
        let addr = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read stdout") == 0 {
                let _ = child.kill();
                panic!("exited before listening; printed:\n{printed}");
            }
            printed.push_str(&line);
            if let Some(rest) = line.trim().strip_prefix("listening on http://") {
                let (addr, how) = rest.split_once(' ').expect("the driver after the address");
                assert!(how.contains("worker"), "{line}");
                break addr.to_owned();
            }
        };
        assert!(
            printed.contains("GET  /hello        hello (tests/bin/macro_main.rs:14)"),
            "{printed}"
        );
        // Issue 12: `setup` ran once, first, with two workers.
        assert!(printed.starts_with("setup ran\nroutes:\n"), "{printed}");
        assert_eq!(printed.matches("setup ran").count(), 1, "{printed}");
        assert!(printed.contains("/users/{id}"), "{printed}");

        let ask = |path: &str| {
            let mut stream = TcpStream::connect(&addr).expect("connect");
            let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).expect("send");
            let mut response = String::new();
            stream.read_to_string(&mut response).expect("read");
            response
        };
        let response = ask("/users/12");
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("\r\n\r\nuser 12"), "{response}");
        // Issue 12: the handler of the guarded scope is served there only.
        assert!(printed.contains("/admin/stats"), "{printed}");
        let response = ask("/admin/stats");
        assert!(response.starts_with("HTTP/1.1 401 "), "{response}");
        let response = ask("/stats");
        assert!(response.starts_with("HTTP/1.1 404 "), "{response}");

        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = wait_with_limit(child, Duration::from_secs(10));
        assert!(status.success(), "{status:?}");
    }

    #[test]
    fn a_second_sigterm_ends_a_startup_that_hangs() {
        let mut child = fixture()
            .env("HARROW_WORKERS", "1")
            .env("FIXTURE_STUCK", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("fixture starts");
        // The fixture says when a worker's factory starts to hang.
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        while !line.starts_with("worker stuck") {
            line.clear();
            if stdout.read_line(&mut line).expect("read stdout") == 0 {
                let _ = child.kill();
                panic!("exited before a worker started");
            }
        }
        // The signal listener was installed before the worker started.
        let pid = child.id().to_string();
        let term = || {
            let sent = Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill runs");
            assert!(sent.success());
        };
        term();
        // The first signal asks for a drain, which waits for the workers:
        // the process must still be there a while later.
        let watched = Instant::now();
        while watched.elapsed() < Duration::from_millis(300) {
            assert!(
                child.try_wait().expect("try_wait").is_none(),
                "exited on the first signal"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        term();
        let started = Instant::now();
        let status = wait_with_limit(child, Duration::from_secs(5));
        assert!(!status.success(), "{status:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// Issue 12: a bad variable is one line naming it and its value.
    #[test]
    fn a_bad_variable_is_one_line_naming_it_and_status_1() {
        let cases = [
            (
                "HARROW_WORKERS",
                "zero",
                "error: HARROW_WORKERS=zero: `workers` is a whole number or \"auto\", not `zero`\n",
            ),
            (
                "HARROW_WORKERS",
                "5000",
                "error: HARROW_WORKERS=5000: `workers` must be at most 1024\n",
            ),
            (
                "HARROW_ADDR",
                "3002",
                "error: HARROW_ADDR=3002: not an address: write host:port, as in 127.0.0.1:3000\n",
            ),
            (
                "HARROW_MAX_BODY_SIZE",
                "8MB",
                "error: HARROW_MAX_BODY_SIZE=8MB: `max_body_size` is a number of bytes or a \
                 number with a unit, as in \"512B\", \"16KiB\", \"2MiB\", \"1GiB\"; `8MB` is not\n",
            ),
        ];
        for (var, value, message) in cases {
            let out = run_to_end(fixture().env(var, value));
            assert_eq!(out.status.code(), Some(1), "{var}={value}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), message);
            assert_eq!(only_setup(&out), "", "{var}={value}");
        }
    }

    #[test]
    fn every_route_error_is_reported_and_the_exit_is_1() {
        let out = run_to_end(fixture().env("FIXTURE_DUPLICATE", "1"));
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{stderr}");
        assert_eq!(lines[0], "error: 2 route errors:");
        assert!(
            lines[1].starts_with("  duplicate route `GET /hello`"),
            "{stderr}"
        );
        assert!(
            lines[1].contains("`hello` at tests/bin/macro_main.rs:14"),
            "{stderr}"
        );
        assert!(lines[2].contains("conflicts with route"), "{stderr}");
        assert!(
            lines[2].contains("`user` at tests/bin/macro_main.rs:19"),
            "{stderr}"
        );
        assert_eq!(
            only_setup(&out),
            "",
            "nothing but setup prints before the error"
        );
    }

    #[test]
    fn a_bind_failure_is_one_line_and_status_1() {
        let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr").to_string();
        let out = run_to_end(fixture().env("HARROW_ADDR", &addr));
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(&addr), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        // The route table is printed once the address is bound, so a
        // failure to bind is not preceded by it.
        assert_eq!(only_setup(&out), "");
    }
}
