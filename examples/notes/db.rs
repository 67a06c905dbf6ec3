//! The database: one SQLite file, a few open connections shared by every
//! worker, each query run on the blocking pool.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use harrow::rt::spawn_blocking;
use rusqlite::Connection;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (name),
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (name),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0
);
";

/// How many idle connections are kept open.
const IDLE: usize = 4;

/// The database, cheap to clone: every worker holds the same one.
#[derive(Clone)]
pub(crate) struct Db {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Db {
    /// Opens (or creates) the database file and its tables. It blocks: call
    /// it before the server starts.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = connect(path)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            path: Arc::new(path.to_owned()),
            idle: Arc::new(Mutex::new(vec![conn])),
        })
    }

    /// Runs `query` with a connection, on a thread of the blocking pool:
    /// the worker serves other requests meanwhile.
    pub(crate) async fn call<T, F>(&self, query: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        spawn_blocking(move || {
            let taken = db.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let mut conn = match taken {
                Some(conn) => conn,
                None => connect(&db.path)?,
            };
            let out = query(&mut conn);
            let mut idle = db.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < IDLE {
                idle.push(conn);
            }
            out
        })
        .await
    }
}

/// A connection that waits for locks instead of failing, in WAL mode (many
/// readers beside one writer).
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}
