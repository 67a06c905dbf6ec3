//! Cookies over a real socket with curl's cookie jar: plain, signed and
//! private cookies round-trip, tampered ones are refused, removal empties
//! the jar.

use std::sync::LazyLock;

use harrow::cookies::{Cookie, CookieJar, Key, PrivateCookieJar, SignedCookieJar};
use harrow::test::spawn_server;
use harrow::{App, Path};
use harrow_tests::curl::{curl, jar_cookies, tamper};

static KEY: LazyLock<Key> = LazyLock::new(Key::generate);

async fn set(
    plain: CookieJar,
    signed: SignedCookieJar,
    private: PrivateCookieJar,
) -> (
    CookieJar,
    (SignedCookieJar, (PrivateCookieJar, &'static str)),
) {
    (
        plain.add(("theme", "dark")),
        (
            signed.add(("plan", "free")),
            (private.add(("user", "ann")), "set"),
        ),
    )
}

async fn show(plain: CookieJar, signed: SignedCookieJar, private: PrivateCookieJar) -> String {
    let value = |c: Option<Cookie<'_>>| c.map_or("-".to_owned(), |c| c.value().to_owned());
    format!(
        "theme={} plan={} user={}",
        value(plain.get("theme").cloned()),
        value(signed.get("plan")),
        value(private.get("user"))
    )
}

/// Removes one cookie per request: curl 7.88's jar keeps all but the last
/// of several removals in one response.
async fn clear(
    Path(name): Path<String>,
    plain: CookieJar,
    signed: SignedCookieJar,
    private: PrivateCookieJar,
) -> (CookieJar, (SignedCookieJar, (PrivateCookieJar, String))) {
    let done = format!("cleared {name}");
    match name.as_str() {
        "plan" => (plain, (signed.remove("plan"), (private, done))),
        "user" => (plain, (signed, (private.remove("user"), done))),
        _ => (plain.remove(name), (signed, (private, done))),
    }
}

fn app() -> App {
    App::new()
        .state(KEY.clone())
        .post("/set", set)
        .get("/show", show)
        .post("/clear/{name}", clear)
}

#[test]
fn cookies_round_trip_through_curls_cookie_jar_and_tampering_is_refused() {
    let server = spawn_server(app);
    let dir = harrow_tests::TempDir::new("cookies");
    let jar = dir.join("jar.txt");
    let jar = jar.to_str().expect("a UTF-8 path");
    let with_jar =
        |method: &str, path: &str| curl(&["-X", method, "-c", jar, "-b", jar, &server.url(path)]);

    let Some(out) = with_jar("POST", "/set") else {
        return;
    };
    assert_eq!(out, "set");
    let stored = jar_cookies(dir.join("jar.txt").as_path());
    assert_eq!(stored.len(), 3, "{stored:?}");
    let stored_value = |name: &str| {
        stored
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(stored_value("theme"), "dark");
    assert!(stored_value("plan").ends_with("free"), "signed, readable");
    assert!(!stored_value("user").contains("ann"), "private, hidden");

    assert_eq!(
        with_jar("GET", "/show").unwrap(),
        "theme=dark plan=free user=ann"
    );

    // The client changes the signed value and one byte of the private one.
    tamper(&dir.join("jar.txt"), "plan", |v| v.replace("free", "gold"));
    tamper(&dir.join("jar.txt"), "user", |v| {
        let mut bytes = v.as_bytes().to_vec();
        bytes[0] = if bytes[0] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).expect("ASCII")
    });
    assert_eq!(
        with_jar("GET", "/show").unwrap(),
        "theme=dark plan=- user=-"
    );

    for name in ["theme", "plan", "user"] {
        let out = with_jar("POST", &format!("/clear/{name}")).unwrap();
        assert_eq!(out, format!("cleared {name}"));
        let left = jar_cookies(dir.join("jar.txt").as_path());
        assert!(
            left.iter().all(|(n, _)| n != name),
            "{name} is still in {left:?}"
        );
    }
    assert_eq!(jar_cookies(dir.join("jar.txt").as_path()), vec![]);
    assert_eq!(with_jar("GET", "/show").unwrap(), "theme=- plan=- user=-");
}

#[test]
fn the_response_carries_the_safe_defaults() {
    let server = spawn_server(app);
    let Some(head) = curl(&[
        "-X",
        "POST",
        "-D",
        "-",
        "-o",
        "/dev/null",
        &server.url("/set"),
    ]) else {
        return;
    };
    let set_cookies: Vec<&str> = head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .collect();
    assert_eq!(set_cookies.len(), 3, "{head}");
    for line in set_cookies {
        assert!(
            line.ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/"),
            "{line}"
        );
    }
}

#[test]
fn a_signed_jar_without_a_key_stops_the_start() {
    let errors = App::new().get("/show", show).into_service().unwrap_err();
    let text = errors.to_string();
    assert!(text.contains("`Key`"), "{text}");
}
