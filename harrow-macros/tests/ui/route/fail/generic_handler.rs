use harrow::get;

#[get("/echo")]
async fn echo<T: Default>() -> String {
    let _ = T::default();
    String::new()
}

fn main() {}
