use harrow::get;

#[get("/hello", name = "greeting")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
