use harrow::get;

#[get("/users/{id}")]
async fn user(id: u64, limit: u32) -> String {
    format!("user {id} limit {limit}")
}

fn main() {}
