use harrow::get;

#[get("/users/{id")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
