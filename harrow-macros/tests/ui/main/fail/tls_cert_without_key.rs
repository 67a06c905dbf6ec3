use harrow::App;

#[harrow::main(tls_cert = "cert.pem")]
fn main() -> App {
    App::new()
}
