//! Handlers defined in a library crate. A program that links this crate
//! (`use harrow_macro_lib as _;` is enough) gets these routes in its
//! registry without listing them.

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
