//! Every TLS key at once (the test builds harrow with its `tls` feature).
//! The generated `main` sits in a module so that this test only compiles
//! it: running it would start a server.
#![allow(dead_code)]

mod server {
    use harrow::App;

    #[harrow::main(
        addr = "0.0.0.0:8443",
        tls_cert = "fullchain.pem",
        tls_key = "key.pem",
        tls_client_ca = "clients.pem",
        tls_client_optional = true,
        tls_handshake_timeout = "5s",
        tls_max_handshakes = 128,
        tls_redirect_from = "0.0.0.0:8080",
    )]
    fn main() -> App {
        App::new()
    }
}

fn main() {}
