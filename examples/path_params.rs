//! Path and query parameters: one value, a tuple, a struct, a catch-all,
//! and an optional query.
//!
//! `cargo run --example path_params`, then try
//! `curl localhost:3000/users/7`, `curl localhost:3000/users/abc` (a 400),
//! `curl localhost:3000/repos/rust-lang/rust/issues/1?verbose=true` and
//! `curl 'localhost:3000/search?q=web&page=2'`.

use harrow::{App, Path, Query};
use serde::Deserialize;

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}\n")
}

#[derive(Deserialize)]
struct Issue {
    owner: String,
    repo: String,
    number: u32,
}

#[derive(Deserialize)]
struct Verbosity {
    verbose: Option<bool>,
}

async fn issue(Path(issue): Path<Issue>, Query(v): Query<Verbosity>) -> String {
    let mut text = format!("{}/{}#{}\n", issue.owner, issue.repo, issue.number);
    if v.verbose.unwrap_or(false) {
        text.push_str("(verbose)\n");
    }
    text
}

async fn file(Path(path): Path<String>) -> String {
    format!("file at {path}\n")
}

#[derive(Deserialize)]
struct Search {
    q: String,
    page: Option<u32>,
}

async fn search(Query(s): Query<Search>) -> String {
    format!("searching {:?}, page {}\n", s.q, s.page.unwrap_or(1))
}

fn main() -> Result<(), harrow::StartError> {
    harrow::run(
        || {
            App::new()
                .get("/users/{id}", user)
                .get("/repos/{owner}/{repo}/issues/{number}", issue)
                .get("/files/{*path}", file)
                .get("/search", search)
        },
        "127.0.0.1:3000",
    )
}
