//! Everything a server held is released when it stops: no descriptor
//! (listener, connection, ring) outlives `shutdown`. One test in a binary of
//! its own, since it counts the process's open descriptors.

use harrow_tests::server;

use harrow_tests::{Raw, body_of};
use server::{each_driver, start};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn shutdown_releases_every_descriptor() {
    each_driver(|config| {
        let before = open_fds();
        // Servers that never saw a connection: once stopped, their port is
        // closed at once (with io_uring, not only when the kernel gets round
        // to tearing down the ring).
        for _ in 0..10 {
            let idle = start(harrow_server::Config {
                workers: Some(2),
                ..config.clone()
            });
            let addr = idle.local_addr();
            idle.shutdown().unwrap();
            assert!(
                std::net::TcpStream::connect(addr).is_err(),
                "the listener outlived shutdown"
            );
        }
        assert_eq!(
            open_fds(),
            before,
            "descriptors leaked by a server stopped without connections"
        );

        let server = start(harrow_server::Config {
            workers: Some(2),
            enable_http2: true,
            ..config
        });
        let mut clients: Vec<Raw> = (0..20).map(|_| Raw::connect(server.local_addr())).collect();
        for raw in &mut clients {
            raw.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(body_of(&raw.read_response()), "hello");
        }
        // Half the clients go away first; the rest are open at shutdown.
        clients.truncate(10);
        server.shutdown().unwrap();
        for raw in &mut clients {
            assert!(raw.closed_within(std::time::Duration::from_secs(2)));
        }
        drop(clients);
        assert_eq!(open_fds(), before, "descriptors leaked by a stopped server");
    });
}
