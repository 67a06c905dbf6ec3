//! Where io_uring is refused, `Driver::Auto` falls back to epoll and
//! `Driver::IoUring` fails with an explanation. monoio's
//! `MONOIO_FORCE_LEGACY_DRIVER` makes the probe refuse io_uring; the probe
//! runs once per process, so this file holds one test in a binary of its own.

use harrow_tests::server;

use harrow_server::{Config, Driver};
use harrow_tests::{Raw, body_of};
use server::start;

#[test]
fn refused_io_uring_falls_back_or_fails_as_configured() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("MONOIO_FORCE_LEGACY_DRIVER", "1") };

    let demanded = harrow_server::start_with_config(
        || harrow_server::service_fn(server::handle),
        "127.0.0.1:0",
        Config {
            driver: Driver::IoUring,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(demanded.is_io_uring_unavailable(), "{demanded:?}");
    let text = demanded.to_string();
    assert!(text.contains("io_uring was required"), "{text}");
    assert!(
        text.contains("MONOIO_FORCE_LEGACY_DRIVER is set"),
        "says why: {text}"
    );
    assert!(
        text.contains("Driver::Auto or Driver::Epoll"),
        "says what to do: {text}"
    );

    let server = start(Config {
        driver: Driver::Auto,
        workers: Some(1),
        ..Default::default()
    });
    let mut raw = Raw::connect(server.local_addr());
    raw.send(b"GET /path HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(body_of(&raw.read_response()), "/path");
}
