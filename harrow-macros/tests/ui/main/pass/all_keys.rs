//! Every key at once. The generated `main` sits in a module so that this
//! test only compiles it: running it would start a server.
#![allow(dead_code)]

mod server {
    use harrow::App;

    #[harrow::main(
        addr = "0.0.0.0:8080",
        workers = 2,
        http2 = true,
        max_connections = 1000,
        drain_timeout = "10s",
        header_read_timeout = "2s",
        body_read_timeout = 20,
        connection_timeout = "5m",
        keep_alive_timeout = "500ms",
        write_timeout = "off",
        max_body_size = "8MiB",
        driver = "io_uring",
        protocols = "http1",
    )]
    fn main() -> App {
        App::new()
    }
}

fn main() {}
