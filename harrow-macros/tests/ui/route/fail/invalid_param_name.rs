use harrow::get;

#[get("/users/{user-id}")]
async fn user() -> &'static str {
    "user"
}

fn main() {}
