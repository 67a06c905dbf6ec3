use harrow::App;

#[harrow::main]
fn main(port: u16) -> App {
    let _ = port;
    App::new()
}
