use harrow::get;

#[get("/hello", responses(600 = "Too far"))]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
