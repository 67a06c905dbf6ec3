use harrow::{get, post};

#[get("/items")]
#[post("/items")]
async fn items() -> &'static str {
    "items"
}

fn main() {}
