use harrow::App;

#[harrow::main(drain_timeout = "off")]
fn main() -> App {
    App::new()
}
