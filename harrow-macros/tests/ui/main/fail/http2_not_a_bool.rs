use harrow::App;

#[harrow::main(http2 = "yes")]
fn main() -> App {
    App::new()
}
