use harrow::route;

#[route("/items", method = "GET", method = "POST", method = "GET")]
async fn items() -> &'static str {
    "items"
}

fn main() {}
