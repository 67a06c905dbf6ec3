use harrow::get;

#[get("/hello", summary = "Greets", summary = "Says hello")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
