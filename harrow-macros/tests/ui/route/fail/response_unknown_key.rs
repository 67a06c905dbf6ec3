use harrow::get;

#[get("/hello", responses(200 = ("Hello", sample = "hi")))]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
