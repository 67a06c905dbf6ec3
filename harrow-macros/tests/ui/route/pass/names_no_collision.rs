//! User names that the generated code must not trip over.
#![allow(dead_code)]
use harrow::get;

struct Request;
struct Response;
mod harrow_private {}
fn route() {}
fn respond() {}

#[get("/shadow/{v}")]
async fn shadow(v: String) -> String {
    let Request = Request;
    let _ = Response;
    v
}

fn main() {}
