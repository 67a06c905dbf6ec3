use harrow::App;

#[harrow::main(
    tls_cert = "cert.pem",
    tls_key = "key.pem",
    tls_redirect_from = "example.com:80"
)]
fn main() -> App {
    App::new()
}
