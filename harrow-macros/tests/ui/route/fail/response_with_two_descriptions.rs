use harrow::get;

#[get("/hello", responses(404 = ("Gone", "Missing")))]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
