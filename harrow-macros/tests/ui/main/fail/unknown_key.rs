use harrow::App;

#[harrow::main(port = 3000)]
fn main() -> App {
    App::new()
}
