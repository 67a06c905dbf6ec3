use harrow::route;

#[route("/items")]
async fn items() -> &'static str {
    "items"
}

fn main() {}
