use harrow::App;

#[harrow::main(workers = 2, workers = 4)]
fn main() -> App {
    App::new()
}
