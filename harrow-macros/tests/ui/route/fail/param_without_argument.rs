use harrow::get;

#[get("/users/{idd}")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
