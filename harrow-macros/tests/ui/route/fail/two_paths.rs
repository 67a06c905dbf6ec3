use harrow::get;

#[get("/hello", "/hi")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
