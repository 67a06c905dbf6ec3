use harrow::get;

#[get("/hello", sumary = "Greets")]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
