use harrow::App;

#[harrow::main]
fn app() -> App {
    App::new()
}
