use harrow::App;

#[harrow::main(max_body_size = "8MB")]
fn main() -> App {
    App::new()
}
