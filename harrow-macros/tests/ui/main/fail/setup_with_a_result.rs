use harrow::App;

fn init_logging() -> Result<(), String> {
    Ok(())
}

#[harrow::main(setup = init_logging)]
fn main() -> App {
    App::new()
}
