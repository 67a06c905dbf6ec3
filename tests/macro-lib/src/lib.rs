//! Handlers defined in a library crate. A program that links this crate
//! gets these routes in its registry without listing them.

use harrow::prelude::*;

/// `GET /lib/ping`: answers `pong from the library`.
#[get("/lib/ping")]
pub async fn ping() -> &'static str {
    "pong from the library"
}

/// `GET /lib/square/{n}`: the square of `n`.
#[get("/lib/square/{n}")]
pub async fn square(n: i64) -> String {
    (n * n).to_string()
}

/// The library's version, which a program calls to be sure the crate is
/// linked (an unused dependency is dropped by rustc, and its routes with it).
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
