use harrow::route;

#[route("/items", method = "FETCH")]
async fn items() -> &'static str {
    "items"
}

fn main() {}
