//! A handler private to its module can be listed from the parent module,
//! and the item the attribute adds trips no lint.
#![deny(unreachable_pub, missing_docs)]

mod admin {
    use harrow::prelude::*;

    #[get("/stats")]
    async fn stats() -> &'static str {
        "secret stats"
    }
}

fn main() {
    let routes = harrow::routes![admin::stats];
    assert_eq!(routes[0].path(), "/stats");
}
