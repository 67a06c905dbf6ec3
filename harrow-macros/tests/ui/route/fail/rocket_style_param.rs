use harrow::get;

#[get("/hello/<name>")]
async fn hello(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
