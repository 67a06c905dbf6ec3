use harrow::App;

#[harrow::main(worker = 4)]
fn main() -> App {
    App::new()
}
