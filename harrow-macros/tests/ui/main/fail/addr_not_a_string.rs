use harrow::App;

#[harrow::main(addr = 3000)]
fn main() -> App {
    App::new()
}
