//! The cost of leaving the worker: one round trip to the blocking pool
//! (`harrow::rt::spawn_blocking`) and one to the shared tokio runtime
//! (`harrow::tokio::run`), awaited on a monoio runtime under each driver;
//! beside them, a task spawned on the same worker, as the floor.
//!
//! Each job does nothing, so what is measured is the hop: queueing the job,
//! waking a thread, and the cross-thread wake back to the awaiting task.
//! The pool and the tokio runtime are warm (started before timing).
//!
//! `cargo bench --bench offload` (in bench/).

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

/// Runs `iters` awaits of `make()` on a fresh runtime of the given driver
/// and returns the time they took.
fn timed<F, Fut>(uring: bool, iters: u64, make: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future,
{
    let body = async {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(make().await);
        }
        start.elapsed()
    };
    if uring {
        monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
            .enable_timer()
            .build()
            .expect("an io_uring runtime")
            .block_on(body)
    } else {
        monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
            .enable_timer()
            .build()
            .expect("an epoll runtime")
            .block_on(body)
    }
}

fn uring_available() -> bool {
    monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .build()
        .is_ok()
}

fn bench(c: &mut Criterion) {
    // Start the pool's first thread and the tokio runtime before timing.
    harrow::rt::block_on(harrow::rt::spawn_blocking(|| ()));
    harrow::rt::block_on(harrow::tokio::run(async {}));

    let mut drivers = vec![("epoll", false)];
    if uring_available() {
        drivers.push(("io_uring", true));
    }
    let mut group = c.benchmark_group("offload");
    for (name, uring) in drivers {
        group.bench_function(format!("{name}/local_spawn"), |b| {
            b.iter_custom(|iters| timed(uring, iters, || harrow::rt::spawn(async { 1u64 })))
        });
        group.bench_function(format!("{name}/spawn_blocking"), |b| {
            b.iter_custom(|iters| timed(uring, iters, || harrow::rt::spawn_blocking(|| 1u64)))
        });
        group.bench_function(format!("{name}/tokio_bridge"), |b| {
            b.iter_custom(|iters| timed(uring, iters, || harrow::tokio::run(async { 1u64 })))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
