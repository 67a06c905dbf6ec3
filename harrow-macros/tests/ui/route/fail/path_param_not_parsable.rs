use harrow::get;

struct UserId(u64);

#[get("/users/{id}")]
async fn user(id: UserId) -> String {
    format!("user {}", id.0)
}

fn main() {}
