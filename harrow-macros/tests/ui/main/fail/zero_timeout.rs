use harrow::App;

#[harrow::main(body_read_timeout = 0)]
fn main() -> App {
    App::new()
}
