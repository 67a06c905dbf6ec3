//! Multipart uploads from curl's `-F` over a real socket, under each
//! driver: text fields and a file streamed to disk, a file name that tries
//! to climb out of the upload directory, and uploads over a limit refused
//! with 413.

use std::path::PathBuf;
use std::sync::Arc;

use harrow::multipart::{Multipart, MultipartLimits};
use harrow::test::spawn_server_with_config;
use harrow::{App, Config, Error, State};
use harrow_tests::curl::curl;
use harrow_tests::server;

/// Where uploads go: a directory the test made.
#[derive(Clone)]
struct Uploads(Arc<PathBuf>);

async fn upload(State(dir): State<Uploads>, mut form: Multipart) -> Result<String, Error> {
    let mut report = Vec::new();
    while let Some(field) = form.next_field().await? {
        let name = field.name().unwrap_or("?").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file) => {
                let size = field.save_to(dir.0.join(&file)).await?;
                report.push(format!("{name}={file} ({size} bytes)"));
            }
            None => report.push(format!("{name}={}", field.text().await?)),
        }
    }
    Ok(report.join(", "))
}

fn start(config: Config, dir: &harrow_tests::TempDir) -> harrow::test::TestServer {
    let uploads = Uploads(Arc::new(dir.path().to_owned()));
    let config = Config {
        max_body_size: 8 << 20,
        ..config
    };
    let app = move || {
        App::new()
            .state(uploads.clone())
            .state(
                MultipartLimits::new()
                    .max_fields(4)
                    .max_field_size(1024)
                    .max_field_size_for("file", 1 << 20),
            )
            .post("/upload", upload)
    };
    spawn_server_with_config(app, config).expect("the server starts")
}

#[test]
fn curl_uploads_fields_and_a_file_streamed_to_disk() {
    server::each_driver(|config| {
        let dir = harrow_tests::TempDir::new("multipart");
        let source = dir.join("source.bin");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&source, &data).expect("write the file to send");
        let uploads = harrow_tests::TempDir::new("multipart-out");
        let server = start(config, &uploads);

        let file_arg = format!("file=@{};filename=../../escape.bin", source.display());
        let Some(out) = curl(&[
            "-F",
            "title=holiday photos",
            "-F",
            &file_arg,
            &server.url("/upload"),
        ]) else {
            return;
        };
        assert_eq!(out, "title=holiday photos, file=escape.bin (300000 bytes)");
        let saved = std::fs::read(uploads.join("escape.bin")).expect("the file was saved");
        assert!(saved == data, "the saved file differs from the one sent");
        assert!(
            !dir.path()
                .parent()
                .expect("a parent")
                .join("escape.bin")
                .exists()
        );
    });
}

#[test]
fn curl_uploads_over_a_limit_are_refused_with_413() {
    server::each_driver(|config| {
        let dir = harrow_tests::TempDir::new("multipart-limits");
        let uploads = harrow_tests::TempDir::new("multipart-limits-out");
        let server = start(config, &uploads);
        let big = dir.join("big.bin");
        std::fs::write(&big, vec![b'x'; 3 << 20]).expect("write the file to send");
        let long_text = "t".repeat(2000);
        let too_many: Vec<String> = (0..5).map(|i| format!("f{i}=x")).collect();
        let big_file = format!("file=@{}", big.display());
        let text_field = format!("note={long_text}");
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (
                vec!["-F", &big_file],
                "413 field `file` is larger than the limit of 1048576 bytes",
            ),
            (
                vec!["-F", &text_field],
                "413 field `note` is larger than the limit of 1024 bytes",
            ),
            (
                too_many.iter().flat_map(|f| ["-F", f.as_str()]).collect(),
                "413 the upload has more than 4 fields",
            ),
        ];
        for (fields, expected) in cases {
            let mut args = fields;
            let url = server.url("/upload");
            args.extend(["-w", "%{http_code}", "-o", "-", url.as_str()]);
            // The body comes first, then the status; print them the other way.
            let Some(out) = curl(&args) else {
                return;
            };
            let (body, status) = out.split_at(out.len() - 3);
            assert_eq!(format!("{status} {body}"), expected);
        }
        let left: Vec<_> = std::fs::read_dir(uploads.path())
            .expect("read the upload directory")
            .collect();
        assert!(left.is_empty(), "a refused upload left files: {left:?}");
    });
}
