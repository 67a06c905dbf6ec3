use harrow::App;

#[harrow::main(workers = 0)]
fn main() -> App {
    App::new()
}
