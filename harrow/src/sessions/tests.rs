//! Sessions through the test client: the life of a session in each store,
//! renewal, revocation, expiry, the size limit and the mistakes.

use std::time::Duration;

use super::store::unix_now;
use super::*;
use crate::cookies::{Cookie, Key, PrivateCookieJar};
use crate::test::{TestClient, TestResponse};
use crate::{App, Error, IntoResponse, Path};

async fn login(session: Session, Path(name): Path<String>) -> Result<String, Error> {
    session.renew();
    session.insert("user", &name)?;
    Ok(format!("hello {name}"))
}

async fn me(session: Session) -> Result<String, Error> {
    Ok(session
        .get::<String>("user")?
        .unwrap_or_else(|| "nobody".into()))
}

async fn logout(session: Session) -> &'static str {
    session.destroy();
    "bye"
}

async fn stuff(session: Session, Path(n): Path<usize>) -> Result<&'static str, Error> {
    session.insert("stuff", "x".repeat(n))?;
    Ok("stored")
}

async fn untouched() -> &'static str {
    "nothing"
}

fn app(key: &Key, layer: Sessions) -> App {
    App::new()
        .state(key.clone())
        .post("/login/{name}", login)
        .get("/me", me)
        .post("/logout", logout)
        .post("/stuff/{n}", stuff)
        .get("/untouched", untouched)
        .layer(layer)
}

/// The `name=value` of the response's session cookie, if it set one.
fn session_cookie(res: &TestResponse) -> Option<String> {
    let header = res.header("set-cookie")?;
    let pair = header.split(';').next()?;
    pair.starts_with("session=").then(|| pair.to_owned())
}

fn removes_the_cookie(res: &TestResponse) -> bool {
    res.header("set-cookie")
        .is_some_and(|h| h.starts_with("session=;") && h.contains("Max-Age=0"))
}

fn get_me(client: &TestClient, cookie: &str) -> String {
    client
        .get("/me")
        .header("cookie", cookie)
        .send()
        .text()
        .to_owned()
}

/// The cookie a client would hold for a session stored under `value`.
fn forge(key: &Key, value: &str) -> String {
    let jar = PrivateCookieJar::from_headers(&http::HeaderMap::new(), key.clone());
    let res = jar
        .add(Cookie::new("session", value.to_owned()))
        .into_response();
    let header = res.headers()["set-cookie"].to_str().expect("ASCII");
    header.split(';').next().expect("a pair").to_owned()
}

#[test]
fn a_cookie_session_lives_in_its_cookie() {
    let key = Key::generate();
    let client = TestClient::new(app(&key, Sessions::new(CookieStore::new())));
    let res = client.post("/login/ann").send();
    assert_eq!(res.text(), "hello ann");
    let set = res.header("set-cookie").expect("a session cookie");
    assert!(set.contains("; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=86400"));
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(!cookie.contains("ann"), "the cookie is encrypted");
    assert_eq!(get_me(&client, &cookie), "ann");
    assert_eq!(get_me(&client, "session=forged"), "nobody");

    let res = client
        .post("/logout")
        .header("cookie", cookie.as_str())
        .send();
    assert!(removes_the_cookie(&res), "{:?}", res.headers());
}

#[test]
fn a_server_side_session_renews_and_revokes() {
    let key = Key::generate();
    let store = MemoryStore::new();
    let client = TestClient::new(app(&key, Sessions::new(store.clone())));
    let first = session_cookie(&client.post("/login/ann").send()).expect("a cookie");
    assert_eq!(store.len(), 1);
    assert_eq!(get_me(&client, &first), "ann");

    // Logging in again renews the id: the old one names nothing any more.
    let res = client
        .post("/login/bob")
        .header("cookie", first.as_str())
        .send();
    let second = session_cookie(&res).expect("a new cookie");
    assert_ne!(first, second);
    assert_eq!(store.len(), 1);
    assert_eq!(get_me(&client, &second), "bob");
    let res = client.get("/me").header("cookie", first.as_str()).send();
    assert_eq!(res.text(), "nobody");
    assert!(removes_the_cookie(&res), "a stale cookie is dropped");

    let res = client
        .post("/logout")
        .header("cookie", second.as_str())
        .send();
    assert!(removes_the_cookie(&res));
    assert!(store.is_empty(), "logout deletes the session");
    assert_eq!(get_me(&client, &second), "nobody");
}

#[test]
fn an_untouched_or_empty_session_costs_no_cookie() {
    let key = Key::generate();
    let store = MemoryStore::new();
    let client = TestClient::new(app(&key, Sessions::new(store.clone())));
    let res = client.get("/untouched").send();
    assert!(res.header("set-cookie").is_none());
    let res = client.get("/me").send();
    assert_eq!(res.text(), "nobody");
    assert!(res.header("set-cookie").is_none());
    assert!(store.is_empty());
}

#[test]
fn expired_sessions_are_new_ones_whatever_the_cookie_says() {
    let key = Key::generate();
    let mut old = Record::fresh(unix_now() - 1).expect("an id");
    old.data.insert("user".into(), "ann".into());

    let store = MemoryStore::new();
    let client = TestClient::new(app(&key, Sessions::new(store.clone())));
    let value = unwrap_store(rt_block(store.save(&old)));
    let res = client
        .get("/me")
        .header("cookie", forge(&key, &value).as_str())
        .send();
    assert_eq!(res.text(), "nobody");
    assert!(removes_the_cookie(&res));
    assert!(store.is_empty(), "the expired session was deleted");

    // The cookie store keeps the expiry inside the encrypted cookie.
    let client = TestClient::new(app(&key, Sessions::new(CookieStore::new())));
    let cookie = forge(&key, &old.to_json());
    assert_eq!(get_me(&client, &cookie), "nobody");
}

#[test]
fn a_session_past_half_its_life_is_written_again_when_read() {
    let key = Key::generate();
    let store = MemoryStore::new();
    let layer = Sessions::new(store.clone()).ttl(Duration::from_secs(1000));
    let client = TestClient::new(app(&key, layer));
    let mut record = Record::fresh(unix_now() + 100).expect("an id");
    record.data.insert("user".into(), "ann".into());
    let value = unwrap_store(rt_block(store.save(&record)));
    let res = client
        .get("/me")
        .header("cookie", forge(&key, &value).as_str())
        .send();
    assert_eq!(res.text(), "ann");
    assert!(session_cookie(&res).is_some(), "the cookie is sent again");
    let stored = unwrap_store(rt_block(store.load(&value))).expect("still there");
    assert!(stored.expires >= unix_now() + 990);
    // Fresh again: reading it now writes nothing.
    let res = client
        .get("/me")
        .header("cookie", forge(&key, &value).as_str())
        .send();
    assert!(res.header("set-cookie").is_none());
}

#[test]
fn a_value_past_the_size_limit_is_refused_and_the_largest_fits_a_cookie() {
    let key = Key::generate();
    let client = TestClient::new(app(&key, Sessions::new(CookieStore::new())));
    let res = client.post("/stuff/3000").send();
    assert_eq!(res.status(), 500);
    assert!(res.header("set-cookie").is_none());

    // The largest value the cookie store takes still fits a 4 KiB cookie.
    let mut largest = None;
    for n in (2400..2600).step_by(10) {
        let res = client.post(&format!("/stuff/{n}")).send();
        if res.status() == 200 {
            largest = session_cookie(&res);
        }
    }
    let largest = largest.expect("a large session fits");
    assert!(largest.len() <= 4096, "{} bytes", largest.len());
    assert!(largest.len() > 3000, "{} bytes", largest.len());
}

#[test]
fn the_mistakes_are_caught() {
    let errors = App::new().get("/me", me).into_service().unwrap_err();
    assert!(errors.to_string().contains("`Key`"), "{errors}");

    let client = TestClient::new(App::new().state(Key::generate()).get("/me", me));
    assert_eq!(client.get("/me").send().status(), 500);
}

/// A store whose writes fail.
struct Broken;

impl SessionStore for Broken {
    async fn load(&self, _: &str) -> Result<Option<Record>, StoreError> {
        Ok(None)
    }
    async fn save(&self, _: &Record) -> Result<String, StoreError> {
        Err(StoreError::msg("disk full"))
    }
    async fn delete(&self, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

#[test]
fn a_session_that_cannot_be_kept_fails_the_request() {
    let key = Key::generate();
    let client = TestClient::new(app(&key, Sessions::new(Broken)));
    let res = client.post("/login/ann").send();
    assert_eq!(res.status(), 500);
    assert_eq!(res.text(), "internal server error");
}

fn rt_block<F: std::future::Future>(f: F) -> F::Output {
    crate::rt::block_on(f)
}

fn unwrap_store<T>(r: Result<T, StoreError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_memory_store_keeps_what_it_is_given() {
    let store = MemoryStore::new();
    let record = Record::fresh(unix_now() + 10).expect("an id");
    let value = unwrap_store(rt_block(store.save(&record)));
    assert_eq!(unwrap_store(rt_block(store.load(&value))), Some(record));
    unwrap_store(rt_block(store.delete(&value)));
    assert_eq!(unwrap_store(rt_block(store.load(&value))), None);
}
