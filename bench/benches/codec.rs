//! The HTTP/1.1 head parser on a pipelined batch: 16 requests as wrk's
//! pipeline script sends them, parsed one after another and dropped, either
//! copying each head (`parse_head`) or copying the batch once and parsing
//! every head from that copy (`parse_head_shared`, what a connection does
//! with a small read).
//!
//! `cargo bench --bench codec` (in bench/).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harrow_server::codec::{Limits, Status, parse_head, parse_head_shared};

const DEPTH: usize = 16;

fn batch() -> Vec<u8> {
    let one = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:28080\r\n\r\n";
    one.repeat(DEPTH)
}

fn bench(c: &mut Criterion) {
    let input = batch();
    let limits = Limits::default();
    let mut group = c.benchmark_group("h1_pipelined_16_heads");
    group.throughput(Throughput::Elements(DEPTH as u64));
    group.bench_function("copy_each_head", |b| {
        b.iter(|| {
            let mut at = 0;
            for _ in 0..DEPTH {
                match parse_head(black_box(&input[at..]), &limits) {
                    Ok(Status::Complete(head)) => {
                        at += head.len;
                        black_box(head);
                    }
                    _ => unreachable!("a valid head"),
                }
            }
        })
    });
    group.bench_function("copy_batch_once", |b| {
        b.iter(|| {
            let mut rest = Bytes::copy_from_slice(black_box(&input));
            for _ in 0..DEPTH {
                match parse_head_shared(&rest, &limits) {
                    Ok(Status::Complete(head)) => {
                        bytes::Buf::advance(&mut rest, head.len);
                        black_box(head);
                    }
                    _ => unreachable!("a valid head"),
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
