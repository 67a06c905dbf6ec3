async fn hello() -> &'static str {
    "hello"
}

fn main() {
    let _ = harrow::routes![hello];
}
