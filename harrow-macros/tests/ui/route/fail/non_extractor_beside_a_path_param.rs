use harrow::get;
use harrow::http::Method;

struct Config;

#[get("/users/{id}")]
async fn user(id: u64, config: std::sync::Arc<Config>, method: Method) -> String {
    format!("{method} user {id}")
}

fn main() {}
