use harrow::get;

#[get("/hello", responses(200 = 42))]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
