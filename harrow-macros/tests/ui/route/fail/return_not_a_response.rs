use harrow::get;

struct Page;

#[get("/page")]
async fn page() -> Page {
    Page
}

fn main() {}
