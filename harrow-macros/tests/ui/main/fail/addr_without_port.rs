use harrow::App;

#[harrow::main(addr = "localhost")]
fn main() -> App {
    App::new()
}
