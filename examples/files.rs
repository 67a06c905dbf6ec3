//! Static files, a file sent from a handler, and compressed JSON.
//!
//! `cargo run -p harrow-examples --features files --example files` (from the
//! repository root), then:
//! `curl -i localhost:3000/static/` (the index file, with `ETag` and
//! `Last-Modified`), `curl -i -H 'if-none-match: "…"' localhost:3000/static/`
//! with the tag it sent (304), `curl -i -r 0-9 localhost:3000/static/hello.txt`
//! (206), `curl -i localhost:3000/static/docs` (301 to `/static/docs/`),
//! `curl -i localhost:3000/download` (an attachment) and
//! `curl -i --compressed localhost:3000/api/items` (compressed JSON).

use harrow::fs::{FileError, NamedFile, ServeDir};
use harrow::middleware::Compression;
use harrow::{App, Json, Request, Response, Scope};
use serde::Serialize;

/// The directory served; the example writes a few files into it at start.
const PUBLIC: &str = "target/harrow-files-example";

#[derive(Serialize)]
struct Item {
    id: u32,
    name: String,
}

/// A JSON list large enough to be worth compressing.
async fn items() -> Json<Vec<Item>> {
    Json(
        (1..=100)
            .map(|id| Item {
                id,
                name: format!("item number {id}"),
            })
            .collect(),
    )
}

/// One file chosen by the handler, saved under another name by the browser;
/// conditional requests and ranges are honoured.
async fn download(req: Request) -> Result<Response, FileError> {
    let file = NamedFile::open(format!("{PUBLIC}/hello.txt"))
        .await?
        .attachment("greeting.txt");
    Ok(file.respond_to(&req).await)
}

fn app() -> App {
    let api = Scope::new().get("/items", items).layer(Compression::new());
    App::new()
        .routes(
            ServeDir::new(PUBLIC)
                .precompressed_gzip()
                .cache_control("public, max-age=60")
                .at("/static"),
        )
        .get("/download", download)
        .nest("/api", api)
}

/// Writes the files the example serves.
fn write_files() -> std::io::Result<()> {
    std::fs::create_dir_all(format!("{PUBLIC}/docs"))?;
    std::fs::write(format!("{PUBLIC}/index.html"), "<h1>Harrow files</h1>\n")?;
    std::fs::write(format!("{PUBLIC}/docs/index.html"), "<h1>Docs</h1>\n")?;
    std::fs::write(format!("{PUBLIC}/hello.txt"), "hello, files\n")?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    write_files()?;
    harrow::run(app, "127.0.0.1:3000")?;
    Ok(())
}
