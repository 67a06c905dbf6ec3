//! One field of an upload: its name, its file name made safe, and its data
//! as chunks, in memory, or streamed to a file.

use std::future::poll_fn;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderMap;

use super::MultipartError;
use super::feed::Source;
use crate::rt::blocking::Blocking;
use crate::rt::spawn_blocking;

/// How much of a field [`Field::save_to`] gathers before one write.
const WRITE_BATCH: usize = 256 * 1024;

/// One field of a `multipart/form-data` upload, read in order. It borrows
/// its [`Multipart`](super::Multipart): read it (or drop it) before asking
/// for the next field.
pub struct Field<'a> {
    inner: multer::Field<'static>,
    source: &'a mut Source,
    file_name: Option<String>,
}

impl<'a> Field<'a> {
    pub(super) fn new(inner: multer::Field<'static>, source: &'a mut Source) -> Self {
        let file_name = inner.file_name().and_then(safe_file_name);
        Field {
            inner,
            source,
            file_name,
        }
    }

    /// The field's name (`name="..."`), as the form gave it.
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }

    /// The name of the uploaded file, made safe to use as one path segment:
    /// the client's directories dropped (`../../etc/passwd` gives `passwd`,
    /// `C:\Users\ann\cv.pdf` gives `cv.pdf`), control and reserved
    /// characters replaced, leading dots and trailing dots and spaces
    /// removed, at most 255 bytes. `None` when the field is not a file or
    /// nothing is left. Still never trust it to be unique, or to say what
    /// the file holds: store uploads under names you choose.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The file name exactly as the client sent it: for display or logs
    /// only, never as a path.
    pub fn raw_file_name(&self) -> Option<&str> {
        self.inner.file_name()
    }

    /// The field's Content-Type, as the client declared it (often
    /// `application/octet-stream`; a claim, not a check).
    pub fn content_type(&self) -> Option<&str> {
        self.inner.content_type().map(|m| m.essence_str())
    }

    /// The field's own headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The next chunk of the field's data; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, MultipartError> {
        let Field { inner, source, .. } = self;
        let next = poll_fn(|cx| source.drive(cx, |cx| Pin::new(&mut *inner).poll_next(cx))).await;
        match next {
            None => Ok(None),
            Some(Ok(chunk)) => Ok(Some(chunk)),
            Some(Err(e)) => Err(MultipartError::from_multer(e, source).await),
        }
    }

    /// The whole field in memory, within its size limit.
    pub async fn bytes(mut self) -> Result<Bytes, MultipartError> {
        let mut all = BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// The whole field as UTF-8 text; 400 when it is not UTF-8.
    pub async fn text(self) -> Result<String, MultipartError> {
        let field = self.name().map(str::to_owned);
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|_| MultipartError::NotUtf8 { field })
    }

    /// Streams the field into a new file at `path` (replacing one there)
    /// and returns its size. The field is never held in memory: it is
    /// written in batches of 256 KiB on the blocking pool while the next
    /// batch arrives, so the worker never waits on the disk. When the
    /// upload fails part way (a limit, a broken connection), the partial
    /// file is removed.
    ///
    /// `path` is yours to choose: build it from a name you generate, not
    /// from [`file_name`](Field::file_name) alone.
    pub async fn save_to(mut self, path: impl AsRef<Path>) -> Result<u64, MultipartError> {
        let path = path.as_ref().to_owned();
        let result = self.write_to(path.clone()).await;
        if result.is_err() {
            spawn_blocking(move || std::fs::remove_file(path))
                .await
                .ok();
        }
        result
    }

    async fn write_to(&mut self, path: PathBuf) -> Result<u64, MultipartError> {
        let shown = path.display().to_string();
        let save_error = |e: std::io::Error| MultipartError::Save {
            message: format!("{shown}: {e}"),
        };
        let open = path.clone();
        let file = spawn_blocking(move || std::fs::File::create(open))
            .await
            .map_err(save_error)?;
        let mut disk = Disk::Idle(file);
        let mut batch: Vec<Bytes> = Vec::new();
        let mut batched = 0;
        let mut written: u64 = 0;
        loop {
            let chunk = self.chunk().await?;
            let last = chunk.is_none();
            if let Some(chunk) = chunk {
                batched += chunk.len();
                written += chunk.len() as u64;
                batch.push(chunk);
            }
            if batched < WRITE_BATCH && !last {
                continue;
            }
            // One write in flight at a time: the one before must be done
            // (and hand the file back) before the next starts.
            let mut file = match disk {
                Disk::Idle(file) => file,
                Disk::Writing(job) => job.await.map_err(save_error)?,
            };
            let chunks = std::mem::take(&mut batch);
            batched = 0;
            disk = Disk::Writing(spawn_blocking(move || {
                for chunk in &chunks {
                    file.write_all(chunk)?;
                }
                Ok(file)
            }));
            if last {
                break;
            }
        }
        if let Disk::Writing(job) = disk {
            job.await.map_err(save_error)?;
        }
        Ok(written)
    }
}

/// The file being written: free for the next write, or handed to a write
/// on the blocking pool, which gives it back.
enum Disk {
    Idle(std::fs::File),
    Writing(Blocking<std::io::Result<std::fs::File>>),
}

impl std::fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name())
            .field("file_name", &self.file_name())
            .field("content_type", &self.content_type())
            .finish()
    }
}

/// The most bytes [`safe_file_name`] keeps.
const MAX_FILE_NAME: usize = 255;

/// Names Windows keeps for devices, in any case and with any extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A client's file name made safe as one path segment (see
/// [`Field::file_name`]); `None` when nothing usable is left.
pub(crate) fn safe_file_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let replaced: String = base
        .chars()
        .map(|c| match c {
            c if c.is_control() => '_',
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return None;
    }
    let mut name = String::new();
    for c in trimmed.chars() {
        if name.len() + c.len_utf8() > MAX_FILE_NAME {
            break;
        }
        name.push(c);
    }
    let stem = name.split('.').next().unwrap_or("");
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        name.insert(0, '_');
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_lose_their_paths_and_dangerous_characters() {
        let long = "a".repeat(300) + ".txt";
        let cases: &[(&str, Option<&str>)] = &[
            ("report.pdf", Some("report.pdf")),
            ("../../etc/passwd", Some("passwd")),
            ("/etc/passwd", Some("passwd")),
            ("C:\\Users\\ann\\cv.pdf", Some("cv.pdf")),
            ("..\\..\\boot.ini", Some("boot.ini")),
            ("..", None),
            (".", None),
            ("", None),
            ("dir/", None),
            (".htaccess", Some("htaccess")),
            ("name. . ", Some("name")),
            ("a\0b\r\nc.txt", Some("a_b__c.txt")),
            ("what?<>|*:\".txt", Some("what_______.txt")),
            ("con.txt", Some("_con.txt")),
            ("LPT1", Some("_LPT1")),
            ("console.txt", Some("console.txt")),
            ("résumé 2024.pdf", Some("résumé 2024.pdf")),
        ];
        for (raw, expected) in cases {
            assert_eq!(safe_file_name(raw).as_deref(), *expected, "{raw:?}");
        }
        let cut = safe_file_name(&long).expect("a name");
        assert_eq!(cut.len(), 255);
        let wide = "é".repeat(200);
        let cut = safe_file_name(&wide).expect("a name");
        assert!(cut.len() <= 255 && cut.chars().all(|c| c == 'é'));
    }
}
