use harrow::get;

#[get("/users/{id}/friends/{id}")]
async fn friend(id: u64) -> String {
    format!("friend {id}")
}

fn main() {}
