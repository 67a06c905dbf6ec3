use harrow::App;

#[harrow::main(header_read_timeout = "5 seconds")]
fn main() -> App {
    App::new()
}
