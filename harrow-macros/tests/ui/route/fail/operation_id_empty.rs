use harrow::get;

#[get("/hello", operation_id = "")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
