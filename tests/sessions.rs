//! Sessions over real sockets with curl's cookie jar: a session made on one
//! worker is seen on the others (the cookie store: nothing on the server;
//! the SQLite store: one database file the test creates), and a session
//! deleted from the database is revoked at once.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use harrow::cookies::Key;
use harrow::sessions::{CookieStore, Session, SessionStore, Sessions, SqliteStore};
use harrow::test::{TestServer, spawn_server_with_config};
use harrow::{App, Config, Error, Path, State};
use harrow_tests::curl::curl;

static KEY: LazyLock<Key> = LazyLock::new(Key::generate);

/// Which worker built this app: the factory runs once per worker.
#[derive(Clone, Copy)]
struct Worker(usize);

async fn login(session: Session, Path(name): Path<String>) -> Result<String, Error> {
    session.renew();
    session.insert("user", &name)?;
    Ok(session.id())
}

async fn me(session: Session, State(Worker(worker)): State<Worker>) -> Result<String, Error> {
    let user = session.get::<String>("user")?;
    Ok(format!("{worker} {}", user.as_deref().unwrap_or("nobody")))
}

async fn logout(session: Session) -> &'static str {
    session.destroy();
    "bye"
}

fn serve(layer: impl Fn() -> Sessions + Send + Sync + 'static) -> TestServer {
    let workers = Arc::new(AtomicUsize::new(0));
    let app = move || {
        App::new()
            .state(KEY.clone())
            .state(Worker(workers.fetch_add(1, Ordering::SeqCst)))
            .post("/login/{name}", login)
            .get("/me", me)
            .post("/logout", logout)
            .layer(layer())
    };
    let config = Config {
        workers: Some(2),
        ..Config::default()
    };
    spawn_server_with_config(app, config).expect("the server starts")
}

/// Logs in as ann with curl, then asks `/me` on fresh connections until
/// two workers have answered; every answer must know ann. Returns the
/// session id and the cookie jar.
fn session_on_every_worker(
    server: &TestServer,
    dir: &harrow_tests::TempDir,
) -> Option<(String, String)> {
    let jar = dir.join("jar.txt").to_str().expect("UTF-8").to_owned();
    let id = curl(&["-X", "POST", "-c", &jar, &server.url("/login/ann")])?;
    let mut workers = BTreeSet::new();
    for _ in 0..200 {
        let out = curl(&["-b", &jar, &server.url("/me")])?;
        let (worker, user) = out.split_once(' ').expect("`worker user`");
        assert_eq!(user, "ann", "worker {worker} does not know the session");
        workers.insert(worker.to_owned());
        if workers.len() == 2 {
            return Some((id, jar));
        }
    }
    panic!("200 connections all landed on worker {workers:?}");
}

#[test]
fn a_cookie_session_is_seen_by_every_worker() {
    let server = serve(|| Sessions::new(CookieStore::new()));
    let dir = harrow_tests::TempDir::new("sessions-cookie");
    let Some((_, jar)) = session_on_every_worker(&server, &dir) else {
        return;
    };
    assert_eq!(
        curl(&["-X", "POST", "-b", &jar, "-c", &jar, &server.url("/logout")]).as_deref(),
        Some("bye")
    );
    let out = curl(&["-b", &jar, &server.url("/me")]).expect("curl ran before");
    assert!(out.ends_with(" nobody"), "{out}");
}

#[test]
fn an_sqlite_session_is_shared_and_revocable() {
    let dir = harrow_tests::TempDir::new("sessions-sqlite");
    let db = dir.join("sessions.db");
    let store = SqliteStore::open(&db).expect("the database opens");
    let for_app = store.clone();
    let server = serve(move || Sessions::new(for_app.clone()));
    let Some((id, jar)) = session_on_every_worker(&server, &dir) else {
        return;
    };

    // The row is in the file, where another process could see it.
    let conn = rusqlite::Connection::open(&db).expect("open the database");
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM harrow_sessions WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .expect("count the sessions");
    assert_eq!(rows, 1);

    // Revoked from outside: the next request, on any worker, has no session.
    harrow::rt::block_on(store.delete(&id)).expect("delete the session");
    let out = curl(&["-b", &jar, "-c", &jar, &server.url("/me")]).expect("curl ran before");
    assert!(out.ends_with(" nobody"), "{out}");
}
