use harrow::get;

#[get("/static/{*path}/raw")]
async fn raw(path: String) -> String {
    path
}

fn main() {}
