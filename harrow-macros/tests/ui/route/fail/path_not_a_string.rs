use harrow::get;

#[get(hello)]
async fn hello() -> &'static str {
    "hello"
}

fn main() {}
