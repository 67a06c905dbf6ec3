// ANCHOR: all
//! Notes: a small JSON API with sessions and file uploads, kept in SQLite.
//! `cargo run -p harrow-examples --features notes --example notes`, then:
//!
//! ```text
//! curl -c jar -H 'content-type: application/json' -d '{"name":"ann"}' localhost:3000/login
//! curl -b jar -H 'content-type: application/json' -d '{"text":"buy milk"}' localhost:3000/notes
//! curl -b jar localhost:3000/notes                       → [{"id":1,"text":"buy milk"}]
//! curl -b jar -F file=@photo.jpg localhost:3000/attachments
//! curl -b jar localhost:3000/attachments                 → [{"id":1,"name":"photo.jpg",...}]
//! curl -b jar -c jar -X POST localhost:3000/logout
//! curl -b jar localhost:3000/me                          → 401 log in first
//! ```
//!
//! The database is `notes-data/notes.db` (or under `NOTES_DIR`): the users,
//! their notes, their attachments' details, and the sessions
//! (`SqliteStore`), so a session survives a restart and can be revoked.
//! Uploaded files go to `notes-data/uploads/`. Queries run with rusqlite on
//! the blocking pool; set `NOTES_KEY` (32 bytes or more) to keep sessions
//! valid across restarts.

mod db;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harrow::cookies::Key;
use harrow::extract::{FromRequestParts, RequiredState};
use harrow::http::request::Parts;
use harrow::multipart::{Multipart, MultipartLimits};
use harrow::sessions::{Session, Sessions, SqliteStore};
use harrow::{App, Config, Error, Json, RequestContext, State, StatusCode};
use serde::{Deserialize, Serialize};

use db::Db;

/// What every worker's app is built from: opened once, cloned into each.
#[derive(Clone)]
pub struct Settings {
    db: Db,
    sessions: SqliteStore,
    key: Key,
    uploads: Uploads,
}

/// The directory uploaded files go to.
#[derive(Clone)]
struct Uploads(Arc<PathBuf>);

impl Settings {
    /// Opens the database (creating it and its tables) and the upload
    /// directory under `dir`.
    pub fn open(dir: &Path, key: Key) -> Result<Settings, Box<dyn std::error::Error>> {
        let uploads = dir.join("uploads");
        std::fs::create_dir_all(&uploads)?;
        let file = dir.join("notes.db");
        Ok(Settings {
            db: Db::open(&file)?,
            sessions: SqliteStore::open(&file)?,
            key,
            uploads: Uploads(Arc::new(uploads)),
        })
    }
}

/// The app: called once per worker.
pub fn app(settings: &Settings) -> App {
    App::new()
        .state(settings.db.clone())
        .state(settings.key.clone())
        .state(settings.uploads.clone())
        .state(
            MultipartLimits::new()
                .max_fields(4)
                .max_field_size(4 * 1024)
                .max_field_size_for("file", 32 << 20),
        )
        .post("/login", login)
        .post("/logout", logout)
        .get("/me", me)
        .post("/notes", add_note)
        .get("/notes", notes)
        .post("/attachments", attach)
        .get("/attachments", attachments)
        .layer(Sessions::new(settings.sessions.clone()))
}

/// The logged-in user, from the session: 401 without one.
struct User(String);

impl FromRequestParts for User {
    type Rejection = Error;

    fn required_state(required: &mut RequiredState) {
        Session::required_state(required);
    }

    async fn from_request_parts(parts: &mut Parts, cx: &RequestContext) -> Result<Self, Error> {
        let session = Session::from_request_parts(parts, cx).await?;
        match session.get::<String>("user")? {
            Some(name) => Ok(User(name)),
            None => Err(Error::unauthorized("log in first")),
        }
    }
}

#[derive(Deserialize)]
struct Login {
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Me {
    user: String,
}

async fn login(
    State(db): State<Db>,
    session: Session,
    Json(login): Json<Login>,
) -> Result<Json<Me>, Error> {
    let name = login.name.trim().to_owned();
    let valid =
        (1..=40).contains(&name.len()) && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::unprocessable(
            "a name is 1 to 40 letters, digits or _",
        ));
    }
    let user = name.clone();
    db.call(move |conn| conn.execute("INSERT OR IGNORE INTO users (name) VALUES (?1)", [&user]))
        .await?;
    // A new session id on login: an id planted before is worth nothing now.
    session.renew();
    session.insert("user", &name)?;
    Ok(Json(Me { user: name }))
}

async fn logout(session: Session) -> StatusCode {
    session.destroy();
    StatusCode::NO_CONTENT
}

async fn me(User(user): User) -> Json<Me> {
    Json(Me { user })
}

#[derive(Deserialize)]
struct NewNote {
    text: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Note {
    id: i64,
    text: String,
}

async fn add_note(
    State(db): State<Db>,
    User(user): User,
    Json(new): Json<NewNote>,
) -> Result<(StatusCode, Json<Note>), Error> {
    if new.text.trim().is_empty() {
        return Err(Error::unprocessable("a note needs some text"));
    }
    let text = new.text.clone();
    let id = db
        .call(move |conn| {
            conn.execute(
                "INSERT INTO notes (user, text) VALUES (?1, ?2)",
                (&user, &text),
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Note { id, text: new.text })))
}

async fn notes(State(db): State<Db>, User(user): User) -> Result<Json<Vec<Note>>, Error> {
    let notes = db
        .call(move |conn| {
            let mut query =
                conn.prepare("SELECT id, text FROM notes WHERE user = ?1 ORDER BY id")?;
            let rows = query.query_map([&user], |row| {
                Ok(Note {
                    id: row.get(0)?,
                    text: row.get(1)?,
                })
            })?;
            rows.collect()
        })
        .await?;
    Ok(Json(notes))
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Attachment {
    id: i64,
    name: String,
    content_type: String,
    size: u64,
}

// ANCHOR: attach
/// Takes the `file` fields of a form: each streamed to the upload
/// directory under its row's id (never under the client's name), its
/// details in the database.
async fn attach(
    State(db): State<Db>,
    State(uploads): State<Uploads>,
    User(user): User,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Vec<Attachment>>), Error> {
    let mut stored = Vec::new();
    while let Some(field) = form.next_field().await? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("unnamed").to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let (user, row_name, row_type) = (user.clone(), name.clone(), content_type.clone());
        let id = db
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO attachments (user, name, content_type) VALUES (?1, ?2, ?3)",
                    (&user, &row_name, &row_type),
                )?;
                Ok(conn.last_insert_rowid())
            })
            .await?;
        let size = match field.save_to(uploads.0.join(id.to_string())).await {
            Ok(size) => size,
            Err(e) => {
                db.call(move |conn| conn.execute("DELETE FROM attachments WHERE id = ?1", [id]))
                    .await?;
                return Err(e.into());
            }
        };
        db.call(move |conn| {
            conn.execute("UPDATE attachments SET size = ?1 WHERE id = ?2", (size, id))
        })
        .await?;
        stored.push(Attachment {
            id,
            name,
            content_type,
            size,
        });
    }
    if stored.is_empty() {
        return Err(Error::unprocessable(
            "send the file in a field named `file`",
        ));
    }
    Ok((StatusCode::CREATED, Json(stored)))
}
// ANCHOR_END: attach

async fn attachments(
    State(db): State<Db>,
    User(user): User,
) -> Result<Json<Vec<Attachment>>, Error> {
    let list = db
        .call(move |conn| {
            let mut query = conn.prepare(
                "SELECT id, name, content_type, size FROM attachments WHERE user = ?1 ORDER BY id",
            )?;
            let rows = query.query_map([&user], |row| {
                Ok(Attachment {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    content_type: row.get(2)?,
                    size: row.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await?;
    Ok(Json(list))
}

/// The session key: derived from `NOTES_KEY`, or made up for this run (the
/// sessions then end with the process).
fn key() -> Key {
    match std::env::var("NOTES_KEY") {
        Ok(secret) if secret.len() >= 32 => Key::derive_from(secret.as_bytes()),
        _ => {
            eprintln!(
                "NOTES_KEY is not set (32 bytes or more): sessions last until the process ends"
            );
            Key::generate()
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        std::env::var_os("NOTES_DIR").map_or_else(|| PathBuf::from("notes-data"), PathBuf::from);
    let settings = Settings::open(&dir, key())?;
    let config = Config {
        // Uploads up to the `file` field's limit, with room for the form.
        max_body_size: 33 << 20,
        ..Config::default()
    };
    harrow::run_with_config(move || app(&settings), "127.0.0.1:3000", config)?;
    Ok(())
}
// ANCHOR_END: all
