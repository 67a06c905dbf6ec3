use harrow::App;

#[harrow::main(setup = "init_logging")]
fn main() -> App {
    App::new()
}
