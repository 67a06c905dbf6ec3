use harrow::get;

#[get("/hello", responses(404 = "Gone", 404 = "Missing"))]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
