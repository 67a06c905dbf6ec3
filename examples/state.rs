//! Per-worker state: a visit counter in `Rc<Cell<_>>` (no lock: each worker
//! owns its copy) beside a shared total in an `Arc<AtomicU64>`.
//!
//! `cargo run --example state`, then `curl localhost:3000/visit`.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use harrow::{App, State};

/// Counts requests on this worker only.
#[derive(Clone, Default)]
struct WorkerHits(Rc<Cell<u64>>);

/// Counts requests on every worker.
#[derive(Clone, Default)]
struct TotalHits(Arc<AtomicU64>);

async fn visit(State(worker): State<WorkerHits>, State(total): State<TotalHits>) -> String {
    worker.0.set(worker.0.get() + 1);
    let total = total.0.fetch_add(1, Ordering::Relaxed) + 1;
    format!("{} visits on this worker, {total} in all\n", worker.0.get())
}

fn main() -> Result<(), harrow::StartError> {
    let total = TotalHits::default();
    // The factory runs once per worker: each gets a fresh WorkerHits and a
    // clone of the shared TotalHits.
    harrow::run(
        move || {
            App::new()
                .state(WorkerHits::default())
                .state(total.clone())
                .get("/visit", visit)
        },
        "127.0.0.1:3000",
    )
}
