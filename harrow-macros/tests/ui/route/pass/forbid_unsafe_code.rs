//! A crate that forbids unsafe code can still use the route attributes (the
//! registry's link-time entry comes from inside the `inventory` macro).
#![forbid(unsafe_code)]

use harrow::get;

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {
    assert_eq!(harrow::routes![hello].len(), 1);
}
