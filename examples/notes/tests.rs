//! The notes API against a real SQLite file the test creates: sessions,
//! notes and uploads, checked through the API and in the database itself.

use std::path::PathBuf;

use harrow::cookies::Key;
use harrow::test::{TestClient, TestResponse};
use harrow::{Config, StatusCode};
use serde_json::json;

use super::{Attachment, Me, Note, Settings, app};

/// A fresh directory for one test's database and uploads, removed after.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("notes-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the test directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn client(dir: &Scratch) -> TestClient {
    let settings = Settings::open(&dir.0, Key::generate()).expect("open the database");
    let config = Config {
        max_body_size: 33 << 20,
        ..Config::default()
    };
    TestClient::with_config(app(&settings), config)
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(res: &TestResponse) -> String {
    let header = res.header("set-cookie").expect("a session cookie");
    header.split(';').next().expect("a pair").to_owned()
}

fn login(client: &TestClient, name: &str) -> String {
    let res = client.post("/login").json(&json!({ "name": name })).send();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text());
    assert_eq!(res.json::<Me>(), Me { user: name.into() });
    session_cookie(&res)
}

fn database(dir: &Scratch) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.0.join("notes.db")).expect("open the database file")
}

#[test]
fn notes_belong_to_the_user_of_the_session() {
    let dir = Scratch::new("sessions");
    let client = client(&dir);
    assert_eq!(client.get("/me").send().status(), StatusCode::UNAUTHORIZED);

    let ann = login(&client, "ann");
    let bob = login(&client, "bob");
    let res = client.get("/me").header("cookie", ann.as_str()).send();
    assert_eq!(res.json::<Me>(), Me { user: "ann".into() });

    for text in ["buy milk", "call bob"] {
        let res = client
            .post("/notes")
            .header("cookie", ann.as_str())
            .json(&json!({ "text": text }))
            .send();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let res = client
        .post("/notes")
        .header("cookie", bob.as_str())
        .json(&json!({ "text": "water plants" }))
        .send();
    assert_eq!(res.json::<Note>().text, "water plants");

    let res = client.get("/notes").header("cookie", ann.as_str()).send();
    let texts: Vec<String> = res
        .json::<Vec<Note>>()
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert_eq!(texts, ["buy milk", "call bob"]);

    // In the file: the users, their notes, and two live sessions.
    let db = database(&dir);
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM users"), 2);
    assert_eq!(count("SELECT count(*) FROM notes WHERE user = 'ann'"), 2);
    assert_eq!(count("SELECT count(*) FROM harrow_sessions"), 2);

    let res = client.post("/logout").header("cookie", ann.as_str()).send();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = client.get("/notes").header("cookie", ann.as_str()).send();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count("SELECT count(*) FROM harrow_sessions"), 1);
}

#[test]
fn a_bad_name_or_note_is_refused() {
    let dir = Scratch::new("refused");
    let client = client(&dir);
    let res = client
        .post("/login")
        .json(&json!({ "name": "../x" }))
        .send();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ann = login(&client, "ann");
    let res = client
        .post("/notes")
        .header("cookie", ann.as_str())
        .json(&json!({ "text": "  " }))
        .send();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// A multipart body with one file field.
fn upload_body(file_name: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "notes-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn uploads_are_stored_on_disk_and_listed_from_the_database() {
    let dir = Scratch::new("uploads");
    let client = client(&dir);
    let ann = login(&client, "ann");
    let data = b"line one\nline two\n".repeat(1000);
    let (content_type, body) = upload_body("../../notes.txt", &data);
    let res = client
        .post("/attachments")
        .header("cookie", ann.as_str())
        .header("content-type", content_type.as_str())
        .body(body)
        .send();
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text());
    let stored = res.json::<Vec<Attachment>>();
    let expected = Attachment {
        id: 1,
        name: "notes.txt".into(),
        content_type: "text/plain".into(),
        size: data.len() as u64,
    };
    assert_eq!(stored, [expected]);
    let on_disk = std::fs::read(dir.0.join("uploads").join("1")).expect("the stored file");
    assert!(on_disk == data);

    let res = client
        .get("/attachments")
        .header("cookie", ann.as_str())
        .send();
    assert_eq!(res.json::<Vec<Attachment>>(), stored);
    let size: i64 = database(&dir)
        .query_row("SELECT size FROM attachments WHERE id = 1", [], |r| {
            r.get(0)
        })
        .expect("the row");
    assert_eq!(size as usize, data.len());

    // Too large for the field: refused, and neither a row nor a file stays.
    let (content_type, body) = upload_body("big.bin", &vec![0u8; (32 << 20) + 1]);
    let res = client
        .post("/attachments")
        .header("cookie", ann.as_str())
        .header("content-type", content_type.as_str())
        .body(body)
        .send();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = client
        .get("/attachments")
        .header("cookie", ann.as_str())
        .send();
    assert_eq!(res.json::<Vec<Attachment>>().len(), 1);
    assert!(!dir.0.join("uploads").join("2").exists());
}
