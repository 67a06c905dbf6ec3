//! Sessions: values kept for a client between its requests, behind an
//! encrypted cookie, in a store of your choice. With the `sessions` feature
//! (`sessions-sqlite` adds `SqliteStore`).
//!
//! Three pieces: the [`Sessions`] layer around the routes, a
//! [`Key`](crate::cookies::Key) in the app's state (it encrypts the session
//! cookie; the same on every worker and machine), and the [`Session`]
//! extractor in handlers.
//!
//! ```
//! use std::sync::LazyLock;
//! use harrow::cookies::Key;
//! use harrow::sessions::{CookieStore, Session, Sessions};
//! use harrow::test::TestClient;
//! use harrow::{App, Error, Path};
//!
//! static KEY: LazyLock<Key> = LazyLock::new(Key::generate);
//!
//! async fn login(session: Session, Path(name): Path<String>) -> Result<String, Error> {
//!     session.renew();
//!     session.insert("user", &name)?;
//!     Ok(format!("hello {name}"))
//! }
//!
//! async fn me(session: Session) -> Result<String, Error> {
//!     Ok(session.get::<String>("user")?.unwrap_or_else(|| "nobody".into()))
//! }
//!
//! async fn logout(session: Session) -> &'static str {
//!     session.destroy();
//!     "bye"
//! }
//!
//! let app = App::new()
//!     .state(KEY.clone())
//!     .post("/login/{name}", login)
//!     .get("/me", me)
//!     .post("/logout", logout)
//!     .layer(Sessions::new(CookieStore::new()));
//! let client = TestClient::new(app);
//! let res = client.post("/login/ann").send();
//! let cookie = res.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
//! assert_eq!(client.get("/me").header("cookie", cookie.as_str()).send().text(), "ann");
//! assert_eq!(client.get("/me").send().text(), "nobody");
//! ```
//!
//! # Stores
//!
//! | store | where the session is | revocable | size |
//! |---|---|---|---|
//! | [`CookieStore`] | in the cookie, encrypted | no: a copied cookie lives until it expires | about 2.5 KiB |
//! | `SqliteStore` | a database file all processes share | yes: delete the row | 64 KiB |
//! | [`MemoryStore`] | this process | yes | 64 KiB |
//! | your [`SessionStore`] | anywhere (Redis over `harrow::tokio::run`) | as you make it | as you say |
//!
//! # Security
//!
//! * **Fixation.** Call [`Session::renew`] when the privilege changes (at
//!   login): the session gets a new id and the old one is forgotten.
//! * **Expiry.** A session lasts [`Sessions::ttl`] (24 hours by default)
//!   after it was last written; the expiry is kept inside the session (the
//!   encrypted cookie, the row), so an old cookie a client keeps does not
//!   outlive it.
//! * **Size.** [`Session::insert`] refuses a value that would take the
//!   session past the store's limit.
//! * **Concurrency.** Two requests of one client that change its session at
//!   once: the last to finish wins.

mod cookie_store;
mod error;
mod layer;
mod session;
#[cfg(feature = "sessions-sqlite")]
mod sqlite;
mod store;
#[cfg(test)]
mod tests;

pub use cookie_store::CookieStore;
pub use error::SessionError;
pub use layer::Sessions;
pub use session::Session;
#[cfg(feature = "sessions-sqlite")]
pub use sqlite::SqliteStore;
pub use store::{MemoryStore, Record, SessionStore, StoreError};
