//! Hello, world: serves plain text on 127.0.0.1:3000.

use harrow_server::{Body, service_fn};

fn main() -> Result<(), harrow_server::Error> {
    harrow_server::run(
        || service_fn(|_req| async { http::Response::new(Body::from("Hello, world!")) }),
        "127.0.0.1:3000",
    )
}
