//! A handler may return `impl IntoResponse`, and any return type that
//! converts: `Result`, tuples with a status, `()`.
use harrow::{IntoResponse, StatusCode, get, post};

#[get("/opaque")]
async fn opaque() -> impl IntoResponse {
    (StatusCode::CREATED, "made")
}

#[post("/fallible/{n}")]
async fn fallible(n: u8) -> Result<String, StatusCode> {
    if n > 10 { Err(StatusCode::BAD_REQUEST) } else { Ok(n.to_string()) }
}

#[get("/nothing")]
async fn nothing() {}

fn main() {
    assert_eq!(harrow::routes![opaque, fallible, nothing].len(), 3);
}
