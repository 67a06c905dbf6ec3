//! Routing lookups with 200 routes: through the whole `harrow::App`
//! dispatch (router, one middleware, a handler that is ready at once), and
//! through `matchit` alone, the router harrow is built on, as a floor; and
//! one static route through the App against a bare `harrow_server` service
//! that answers the same bytes.
//!
//! `cargo bench --bench routing` (in bench/).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use harrow::middleware::{Next, from_fn};
use harrow::{App, Request, Response};
use harrow_server::{Body, Service, service_fn};

async fn ok() -> &'static str {
    "ok"
}

async fn with_id(harrow::Path(id): harrow::Path<u64>) -> String {
    format!("{id}")
}

async fn pass_through(req: Request, next: Next) -> Response {
    next.run(req).await
}

/// 200 route templates: 100 static, 50 with one parameter, 50 with two,
/// spread over 10 prefixes so the radix tree has real branching.
fn templates() -> Vec<String> {
    let mut t = Vec::new();
    for i in 0..100 {
        t.push(format!("/svc{}/static{}", i % 10, i));
    }
    for i in 0..50 {
        t.push(format!("/svc{}/users{}/{{id}}", i % 10, i));
    }
    for i in 0..50 {
        t.push(format!("/svc{}/orgs{}/{{org}}/repos/{{repo}}", i % 10, i));
    }
    t
}

/// One concrete path per template (the last template with two parameters
/// gets numeric values; the handler for them ignores them).
fn paths() -> Vec<String> {
    templates()
        .iter()
        .map(|t| {
            t.replace("{id}", "42")
                .replace("{org}", "7")
                .replace("{repo}", "9")
        })
        .collect()
}

fn app() -> App {
    let mut app = App::new();
    for t in templates() {
        app = if t.contains("{org}") {
            app.get(&t, ok)
        } else if t.contains("{id}") {
            app.get(&t, with_id)
        } else {
            app.get(&t, ok)
        };
    }
    app.layer(from_fn(pass_through))
}

/// Polls a future that needs no runtime (every handler here is ready at once).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn bench(c: &mut Criterion) {
    let service = app().into_service().expect("valid routes");
    let peer = harrow_server::ConnInfo::new(([127, 0, 0, 1], 9).into());
    let paths = paths();
    // Every path answers 200 through the app.
    for p in &paths {
        let req = http::Request::get(p.as_str()).body(Body::from(())).unwrap();
        let res = block_on(service.handle(req, peer.clone()));
        assert_eq!(res.status(), 200, "{p}");
    }

    let mut group = c.benchmark_group("routing_200_routes");
    let mut i = 0;
    group.bench_function("harrow_app_dispatch", |b| {
        b.iter_batched(
            || {
                i = (i + 1) % paths.len();
                http::Request::get(paths[i].as_str())
                    .body(Body::from(()))
                    .unwrap()
            },
            |req| black_box(block_on(service.handle(req, peer.clone()))),
            BatchSize::SmallInput,
        )
    });

    // One static route, through the App and through a bare service that
    // builds the same response by hand: the difference is the framework's
    // own work per request (router, one middleware, handler, response).
    let static_path = paths[0].clone();
    group.bench_function("harrow_app_dispatch_static", |b| {
        b.iter_batched(
            || {
                http::Request::get(static_path.as_str())
                    .body(Body::from(()))
                    .unwrap()
            },
            |req| black_box(block_on(service.handle(req, peer.clone()))),
            BatchSize::SmallInput,
        )
    });
    let bare = service_fn(|req: http::Request<Body>, _conn| {
        let found = req.uri().path() == "/svc0/static0";
        async move {
            let mut res = http::Response::new(Body::from("ok"));
            if !found {
                *res.status_mut() = http::StatusCode::NOT_FOUND;
            }
            res.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        }
    });
    group.bench_function("bare_service_static", |b| {
        b.iter_batched(
            || {
                http::Request::get(static_path.as_str())
                    .body(Body::from(()))
                    .unwrap()
            },
            |req| black_box(block_on(bare.call(req, peer.clone()))),
            BatchSize::SmallInput,
        )
    });

    let mut router = matchit::Router::new();
    for (n, t) in templates().iter().enumerate() {
        router.insert(t.as_str(), n).unwrap();
    }
    let mut j = 0;
    group.bench_function("matchit_lookup", |b| {
        b.iter(|| {
            j = (j + 1) % paths.len();
            black_box(router.at(black_box(paths[j].as_str())).map(|m| *m.value))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
