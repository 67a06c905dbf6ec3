use harrow::get;

struct Config {
    verbose: bool,
}

#[get("/hello")]
async fn hello(config: Config) -> String {
    format!("verbose: {}", config.verbose)
}

fn main() {}
