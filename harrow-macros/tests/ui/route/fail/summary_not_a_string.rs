use harrow::get;

#[get("/hello", summary = greeting)]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
