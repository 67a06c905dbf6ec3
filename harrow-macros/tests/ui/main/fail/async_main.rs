use harrow::App;

#[harrow::main]
async fn main() -> App {
    App::new()
}
