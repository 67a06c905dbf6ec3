use harrow::get;

#[get("/hello", tags = "greetings")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
