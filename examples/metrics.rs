//! Metrics: requests and their latency per route, connections and bytes
//! per worker, on a page in the Prometheus text format.
//!
//! `cargo run -p harrow-examples --features metrics --example metrics`, then `curl localhost:3000/users/7`,
//! `curl localhost:3000/nowhere` and `curl localhost:3000/metrics`.

use harrow::metrics::Metrics;
use harrow::{App, Path};

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}\n")
}

fn main() -> Result<(), harrow::StartError> {
    // One registry for the whole process, made before the workers start;
    // each worker's app gets a clone.
    let metrics = Metrics::new();
    harrow::run(
        move || {
            App::new()
                .get("/users/{id}", user)
                .get("/metrics", metrics.endpoint())
                // Added last, so it runs first and times everything inside.
                .layer(metrics.layer())
        },
        "127.0.0.1:3000",
    )
}
