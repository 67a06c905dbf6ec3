//! The usual spelling. The generated `main` sits in a module so that this
//! test only compiles it: running it would start a server.
#![allow(dead_code)]

mod server {
    use harrow::prelude::*;

    #[get("/")]
    async fn index() -> &'static str {
        "index"
    }

    #[harrow::main]
    fn main() -> App {
        App::new()
    }
}

fn main() {}
