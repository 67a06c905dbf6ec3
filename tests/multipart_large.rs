//! A 200 MiB file uploaded with curl `-F` is streamed to disk: the
//! server's resident memory stays within a small bound the whole time.
//!
//! Alone in its test binary, so that no other test's memory counts: the
//! server runs in this process, and the kernel's record of its peak
//! resident set (VmHWM, reset before the upload) is the measure.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harrow::multipart::{Multipart, MultipartLimits};
use harrow::test::spawn_server_with_config;
use harrow::{App, Config, Error, State};
use harrow_tests::curl::curl;

const SIZE: u64 = 200 << 20;

/// The most the server's resident memory may grow while it takes the upload.
const GROWTH_LIMIT: u64 = 16 << 20;

#[derive(Clone)]
struct Uploads(Arc<PathBuf>);

async fn upload(State(dir): State<Uploads>, mut form: Multipart) -> Result<String, Error> {
    let mut size = 0;
    while let Some(field) = form.next_field().await? {
        size += field.save_to(dir.0.join("stored.bin")).await?;
    }
    Ok(size.to_string())
}

/// A value of this process's `/proc/self/status` in bytes.
fn status_bytes(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

/// A sparse file of `SIZE` bytes with a few marks written into it, so that
/// a shifted or truncated copy shows.
fn sparse_source(path: &std::path::Path) -> Vec<(u64, [u8; 8])> {
    let mut file = std::fs::File::create(path).expect("create the file to send");
    file.set_len(SIZE).expect("size the file");
    let marks: Vec<(u64, [u8; 8])> = [0, 65_535, SIZE / 3, SIZE / 2 + 7, SIZE - 8]
        .into_iter()
        .map(|at| (at, at.to_le_bytes()))
        .collect();
    for (at, bytes) in &marks {
        file.seek(SeekFrom::Start(*at)).expect("seek");
        file.write_all(bytes).expect("write a mark");
    }
    marks
}

#[test]
fn a_200_mib_upload_streams_to_disk_in_little_memory() {
    let dir = harrow_tests::TempDir::new("multipart-large");
    let source = dir.join("source.bin");
    let marks = sparse_source(&source);
    let uploads = harrow_tests::TempDir::new("multipart-large-out");
    let state = Uploads(Arc::new(uploads.path().to_owned()));
    let config = Config {
        workers: Some(1),
        max_body_size: SIZE + (1 << 20),
        ..Config::default()
    };
    let app = move || {
        App::new()
            .state(state.clone())
            .state(MultipartLimits::new().max_field_size(SIZE))
            .post("/upload", upload)
    };
    let server = spawn_server_with_config(app, config).expect("the server starts");

    let before = status_bytes("VmRSS:");
    // Writing 5 resets the peak resident set to the current one; where that
    // is refused the peak since start still bounds the growth from above.
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("cannot reset the peak resident set ({e}); the peak since start counts");
    }
    let started = Instant::now();
    let file_arg = format!("file=@{}", source.display());
    let Some(out) = curl(&["-F", &file_arg, "--max-time", "120", &server.url("/upload")]) else {
        return;
    };
    let took = started.elapsed();
    let peak = status_bytes("VmHWM:");
    assert_eq!(out, SIZE.to_string());
    eprintln!(
        "200 MiB in {took:?}; resident {} MiB before, peak {} MiB",
        before >> 20,
        peak >> 20
    );
    assert!(
        peak.saturating_sub(before) < GROWTH_LIMIT,
        "resident memory grew by {} MiB while streaming 200 MiB",
        peak.saturating_sub(before) >> 20
    );
    assert!(took < Duration::from_secs(120), "the upload took {took:?}");

    let stored = uploads.join("stored.bin");
    let mut file = std::fs::File::open(&stored).expect("the upload was stored");
    assert_eq!(file.metadata().expect("metadata").len(), SIZE);
    for (at, bytes) in marks {
        let mut got = [0u8; 8];
        file.seek(SeekFrom::Start(at)).expect("seek");
        file.read_exact(&mut got).expect("read a mark");
        assert_eq!(got, bytes, "the mark at {at} moved");
    }
}
