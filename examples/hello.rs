//! Hello, world: `cargo run --example hello`, then
//! `curl http://127.0.0.1:3000/` answers `Hello, world!`.
//!
//! The route attributes register each handler in the program's route table;
//! `#[harrow::main]` turns the app factory below into `main`, serving every
//! registered route on 127.0.0.1:3000 (override with `HARROW_ADDR`) with one
//! worker per core, until Ctrl-C.

use harrow::prelude::*;

#[get("/")]
async fn index() -> &'static str {
    "Hello, world!"
}

#[get("/hello")]
async fn hello() -> &'static str {
    "Hello, world!"
}

#[get("/hello/{name}")]
async fn hello_name(name: String) -> String {
    format!("Hello, {name}!")
}

#[harrow::main]
fn main() -> App {
    App::new()
}
