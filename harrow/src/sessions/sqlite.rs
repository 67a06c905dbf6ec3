//! `SqliteStore`: sessions in an SQLite database file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::store::{Record, SessionStore, StoreError, unix_now};
use crate::rt::spawn_blocking;

/// The table the store creates when it is missing.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS harrow_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    expires INTEGER NOT NULL
)";

/// How many idle connections the store keeps open.
const IDLE_CONNECTIONS: usize = 8;

/// Sessions in an SQLite database file (table `harrow_sessions`), shared by
/// every worker and every process that opens the same file. The cookie
/// carries only the session's random id, so a session can be revoked by
/// deleting its row ([`SessionStore::delete`], or SQL of your own), and may
/// hold up to 64 KiB.
///
/// Each query runs on the blocking pool
/// ([`rt::spawn_blocking`](crate::rt::spawn_blocking)) with a connection
/// from a small pool of its own; the database is in WAL mode with a busy
/// timeout, so readers and a writer from many threads get along. Expired
/// rows are deleted when read; call
/// [`delete_expired`](SqliteStore::delete_expired) now and then to remove
/// the others.
///
/// ```
/// use harrow::sessions::{Sessions, SqliteStore};
///
/// let dir = std::env::temp_dir().join(format!("doc-sessions-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// // Open it once, outside the app factory, and clone it in.
/// let store = SqliteStore::open(dir.join("app.db")).expect("the database opens");
/// let layer = Sessions::new(store.clone());
/// # let _ = layer;
/// # std::fs::remove_dir_all(dir).ok();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
}

/// Open connections to one database file, taken for one query at a time.
struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
    }
}

/// A connection in WAL mode that waits for locks rather than failing.
fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path` and its table. It
    /// blocks while it does: call it at start-up, not in a handler.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_owned();
        let conn = open(&path).map_err(StoreError::new)?;
        conn.execute_batch(SCHEMA).map_err(StoreError::new)?;
        Ok(SqliteStore {
            pool: Arc::new(Pool {
                path,
                idle: Mutex::new(vec![conn]),
            }),
        })
    }

    /// Runs `query` with a pooled connection on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.pool.clone();
        spawn_blocking(move || {
            let conn = pool.connect()?;
            let out = query(&conn);
            pool.give_back(conn);
            out
        })
        .await
        .map_err(StoreError::new)
    }

    /// Deletes the expired sessions; returns how many there were.
    pub async fn delete_expired(&self) -> Result<usize, StoreError> {
        let now = unix_now();
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM harrow_sessions WHERE expires <= ?1",
                params![now],
            )
        })
        .await
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.pool.path)
            .finish_non_exhaustive()
    }
}

impl SessionStore for SqliteStore {
    async fn load(&self, value: &str) -> Result<Option<Record>, StoreError> {
        let id = value.to_owned();
        let row = self
            .run(move |conn| {
                conn.query_row(
                    "SELECT data, expires FROM harrow_sessions WHERE id = ?1",
                    params![id],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?)),
                )
                .optional()
            })
            .await?;
        let Some((data, expires)) = row else {
            return Ok(None);
        };
        let data = match serde_json::from_str(&data).map_err(StoreError::new)? {
            serde_json::Value::Object(data) => data,
            _ => return Err(StoreError::msg("a stored session's data is not an object")),
        };
        Ok(Some(Record {
            id: value.to_owned(),
            data,
            expires,
        }))
    }

    async fn save(&self, record: &Record) -> Result<String, StoreError> {
        let id = record.id.clone();
        let data = serde_json::Value::Object(record.data.clone()).to_string();
        let expires = record.expires;
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO harrow_sessions (id, data, expires) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
                params![id, data, expires],
            )
        })
        .await?;
        Ok(record.id.clone())
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(move |conn| conn.execute("DELETE FROM harrow_sessions WHERE id = ?1", params![id]))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::block_on;

    fn ok<T>(r: Result<T, StoreError>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn records_are_kept_replaced_and_expired() {
        let dir = std::env::temp_dir().join(format!("harrow-sqlite-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let store = ok(SqliteStore::open(dir.join("s.db")));
        let mut record = ok(Record::fresh(unix_now() + 60));
        record.data.insert("user".into(), "ann".into());
        let value = ok(block_on(store.save(&record)));
        assert_eq!(value, record.id);
        assert_eq!(ok(block_on(store.load(&value))), Some(record.clone()));

        record.data.insert("user".into(), "bob".into());
        ok(block_on(store.save(&record)));
        let loaded = ok(block_on(store.load(&value))).expect("a record");
        assert_eq!(loaded.data["user"], "bob");

        let stale = ok(Record::fresh(unix_now() - 1));
        ok(block_on(store.save(&stale)));
        assert_eq!(ok(block_on(store.delete_expired())), 1);
        assert!(ok(block_on(store.load(&stale.id))).is_none());

        ok(block_on(store.delete(&value)));
        assert!(ok(block_on(store.load(&value))).is_none());
        std::fs::remove_dir_all(dir).ok();
    }
}
