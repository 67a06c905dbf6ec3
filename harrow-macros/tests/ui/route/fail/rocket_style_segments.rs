use harrow::get;

#[get("/files/<path..>")]
async fn file(path: String) -> String {
    path
}

fn main() {}
