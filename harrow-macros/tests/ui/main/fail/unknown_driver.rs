use harrow::App;

#[harrow::main(driver = "uring")]
fn main() -> App {
    App::new()
}
