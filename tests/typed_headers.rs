//! `TypedHeader` with the `headers` crate's types over a real socket: the
//! value parsed, a malformed one refused with a 400 naming the header, and
//! a typed header set on the response.

use harrow::App;
use harrow::extract::TypedHeader;
use harrow::headers::authorization::Bearer;
use harrow::headers::{Authorization, ContentType, IfNoneMatch};
use harrow::test::spawn_server;
use harrow_tests::request;

async fn token(TypedHeader(auth): TypedHeader<Authorization<Bearer>>) -> String {
    auth.token().to_owned()
}

async fn cached(TypedHeader(tags): TypedHeader<IfNoneMatch>) -> (TypedHeader<ContentType>, String) {
    let fresh = !tags.precondition_passes(&"\"v1\"".parse().expect("a valid ETag"));
    (
        TypedHeader(ContentType::json()),
        format!("{{\"fresh\":{fresh}}}"),
    )
}

fn app() -> App {
    App::new().get("/token", token).get("/cached", cached)
}

#[test]
fn headers_crate_types_over_a_socket() {
    let server = spawn_server(app);
    let addr = server.addr();

    let res = request(
        addr,
        "GET",
        "/token",
        &[("authorization", "Bearer t0k")],
        b"",
    );
    assert_eq!((res.status, res.text().as_str()), (200, "t0k"));

    let res = request(addr, "GET", "/token", &[("authorization", "Bearer")], b"");
    assert_eq!(res.status, 400);
    assert_eq!(
        res.text(),
        "invalid header `authorization`: not a valid `Authorization<Bearer>`"
    );

    let res = request(addr, "GET", "/token", &[], b"");
    assert_eq!(
        (res.status, res.text().as_str()),
        (400, "missing header `authorization`")
    );

    // Two lines of one list header are read together.
    let res = request(
        addr,
        "GET",
        "/cached",
        &[("if-none-match", "\"v0\""), ("if-none-match", "\"v1\"")],
        b"",
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.text(), "{\"fresh\":true}");
}
