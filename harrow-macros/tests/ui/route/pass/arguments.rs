//! Path parameters by name and type, extractors around them, the body last.
use harrow::http::{HeaderMap, Method};
use harrow::{Query, get, post};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    n: Option<u32>,
}

#[get("/users/{id}/posts/{slug}")]
async fn post_of(headers: HeaderMap, id: u64, mut slug: String, Query(page): Query<Page>) -> String {
    slug.push('!');
    format!("{id} {slug} {} {}", page.n.unwrap_or(1), headers.len())
}

#[post("/files/{*path}")]
async fn upload(method: Method, path: String, body: String) -> String {
    format!("{method} {path} {body}")
}

#[get("/raw/{id}")]
async fn raw(harrow::Path(id): harrow::Path<u32>) -> String {
    id.to_string()
}

fn main() {
    let routes = harrow::routes![post_of, upload, raw];
    assert_eq!(routes[0].path(), "/users/{id}/posts/{slug}");
    assert_eq!(routes[1].path(), "/files/{*path}");
}
