use harrow::route;

#[route("/items", method = GET)]
async fn items() -> &'static str {
    "items"
}

fn main() {}
