//! `multipart/form-data` uploads, streamed: fields one after another, each
//! read in memory or streamed to disk, within limits. With the `multipart`
//! feature (the parser is the `multer` crate).
//!
//! ```
//! use harrow::multipart::Multipart;
//! use harrow::{App, Error};
//!
//! async fn upload(mut form: Multipart) -> Result<String, Error> {
//!     let mut report = Vec::new();
//!     while let Some(field) = form.next_field().await? {
//!         let name = field.name().unwrap_or("?").to_owned();
//!         match field.file_name().map(str::to_owned) {
//!             // A file: streamed to a path the server chooses.
//!             Some(file) => {
//!                 let path = std::env::temp_dir().join(format!("upload-{}", std::process::id()));
//!                 let size = field.save_to(&path).await?;
//!                 report.push(format!("{name}: {file}, {size} bytes"));
//!             }
//!             None => report.push(format!("{name} = {}", field.text().await?)),
//!         }
//!     }
//!     Ok(report.join("\n"))
//! }
//! # let _ = App::new().post("/upload", upload);
//! ```
//!
//! # Limits
//!
//! Every upload is bounded by the server's `max_body_size` (2 MiB by
//! default: raise it for large files) and by the [`MultipartLimits`] in the
//! app's state, or their defaults when there are none: at most 100 fields,
//! each at most 2 MiB unless named otherwise, and no total beyond the
//! server's. Past a limit the upload stops with a 413.

mod error;
mod feed;
mod field;

use std::future::poll_fn;

use http::header::CONTENT_TYPE;

use crate::context::RequestContext;
use crate::extract::FromRequest;
use crate::request::Request;
use feed::Source;

pub use error::MultipartError;
pub use field::Field;

/// A streamed `multipart/form-data` body, taken as the last handler
/// argument (it reads the body). Ask for its fields in order with
/// [`next_field`](Multipart::next_field).
///
/// As an extractor it refuses a request that is not `multipart/form-data`
/// with a 415, and one without a boundary with a 400; the limits come from
/// the [`MultipartLimits`] in the app's state, or the defaults.
pub struct Multipart {
    inner: multer::Multipart<'static>,
    source: Source,
    fields: usize,
    max_fields: usize,
}

impl Multipart {
    /// Reads `req`'s body as multipart, within `limits`: for a handler that
    /// takes the whole [`Request`] and picks the limits itself.
    pub fn new(req: Request, limits: &MultipartLimits) -> Result<Multipart, MultipartError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("multipart/form-data") {
            return Err(MultipartError::NotMultipart);
        }
        let boundary =
            multer::parse_boundary(content_type).map_err(|e| MultipartError::Malformed {
                message: e.to_string(),
            })?;
        let (source, feed) = Source::new(req.into_body());
        let inner = multer::Multipart::with_constraints(feed, boundary, limits.constraints());
        Ok(Multipart {
            inner,
            source,
            fields: 0,
            max_fields: limits.max_fields,
        })
    }

    /// The next field, `None` after the last. A field borrows the upload:
    /// finish with it before asking for the next.
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, MultipartError> {
        let Multipart { inner, source, .. } = self;
        let next = poll_fn(|cx| source.drive(cx, |cx| inner.poll_next_field(cx))).await;
        let field = match next {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(None),
            Err(e) => return Err(MultipartError::from_multer(e, source).await),
        };
        self.fields += 1;
        if self.fields > self.max_fields {
            return Err(MultipartError::TooManyFields {
                limit: self.max_fields,
            });
        }
        Ok(Some(Field::new(field, &mut self.source)))
    }
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multipart")
            .field("fields_read", &self.fields)
            .finish_non_exhaustive()
    }
}

impl FromRequest for Multipart {
    type Rejection = MultipartError;

    async fn from_request(req: Request, cx: &RequestContext) -> Result<Self, Self::Rejection> {
        match cx.state_ref::<MultipartLimits>() {
            Some(limits) => Multipart::new(req, limits),
            None => Multipart::new(req, &MultipartLimits::default()),
        }
    }
}

/// The limits of a multipart upload. Give them to the app with
/// [`App::state`](crate::App::state) (the [`Multipart`] extractor reads
/// them there), or to [`Multipart::new`].
///
/// ```
/// use harrow::multipart::MultipartLimits;
///
/// let limits = MultipartLimits::new()
///     .max_fields(10)
///     .max_field_size(64 * 1024)                  // text fields
///     .max_field_size_for("video", 500 << 20)     // the one large file
///     .max_total_size(501 << 20);
/// let app = harrow::App::new().state(limits);
/// # let _ = app;
/// ```
///
/// The server's `max_body_size` still bounds every body: raise it too for
/// uploads past 2 MiB.
#[derive(Debug, Clone)]
pub struct MultipartLimits {
    max_fields: usize,
    max_field_size: u64,
    per_name: Vec<(String, u64)>,
    max_total_size: u64,
}

impl Default for MultipartLimits {
    fn default() -> Self {
        MultipartLimits {
            max_fields: 100,
            max_field_size: 2 << 20,
            per_name: Vec::new(),
            max_total_size: u64::MAX,
        }
    }
}

impl MultipartLimits {
    /// The defaults: 100 fields, 2 MiB per field, no total of its own.
    pub fn new() -> Self {
        MultipartLimits::default()
    }

    /// The most fields one upload may have; the next is a 413.
    pub fn max_fields(mut self, max: usize) -> Self {
        self.max_fields = max;
        self
    }

    /// The most bytes of one field, for fields without a limit of their own.
    pub fn max_field_size(mut self, bytes: u64) -> Self {
        self.max_field_size = bytes;
        self
    }

    /// The most bytes of the field named `name`.
    pub fn max_field_size_for(mut self, name: impl Into<String>, bytes: u64) -> Self {
        let name = name.into();
        self.per_name.retain(|(n, _)| *n != name);
        self.per_name.push((name, bytes));
        self
    }

    /// The most bytes of the whole upload (boundaries and field headers
    /// included).
    pub fn max_total_size(mut self, bytes: u64) -> Self {
        self.max_total_size = bytes;
        self
    }

    fn constraints(&self) -> multer::Constraints {
        let mut size = multer::SizeLimit::new()
            .whole_stream(self.max_total_size)
            .per_field(self.max_field_size);
        for (name, bytes) in &self.per_name {
            size = size.for_field(name.clone(), *bytes);
        }
        multer::Constraints::new().size_limit(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test::TestClient;
    use crate::{App, Config};

    const BOUNDARY: &str = "XyZ";

    /// A multipart body with `(name, file name, data)` parts.
    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file, data) in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let disposition = match file {
                Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            body.extend_from_slice(
                format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    async fn summary(mut form: Multipart) -> Result<String, MultipartError> {
        let mut out = Vec::new();
        while let Some(field) = form.next_field().await? {
            let name = field.name().unwrap_or("?").to_owned();
            let file = field.file_name().map(str::to_owned);
            let raw = field.raw_file_name().map(str::to_owned);
            let size = field.bytes().await?.len();
            out.push(format!("{name}:{file:?}:{raw:?}:{size}"));
        }
        Ok(out.join(" "))
    }

    fn client(limits: MultipartLimits) -> TestClient {
        let config = Config {
            max_body_size: 1 << 20,
            ..Config::default()
        };
        TestClient::with_config(App::new().state(limits).post("/", summary), config)
    }

    fn post(client: &TestClient, body: Vec<u8>) -> crate::test::TestResponse {
        client
            .post("/")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    }

    #[test]
    fn fields_arrive_in_order_with_safe_file_names() {
        let c = client(MultipartLimits::new());
        let body = form(&[
            ("title", None, b"holiday"),
            ("photo", Some("../../etc/passwd"), &[7u8; 3000]),
        ]);
        let res = post(&c, body);
        assert_eq!(res.status(), 200, "{}", res.text());
        assert_eq!(
            res.text(),
            "title:None:None:7 photo:Some(\"passwd\"):Some(\"../../etc/passwd\"):3000"
        );
    }

    #[test]
    fn limits_answer_413_naming_what_was_exceeded() {
        let big = vec![b'x'; 2000];
        let cases: Vec<(MultipartLimits, Vec<u8>, &str)> = vec![
            (
                MultipartLimits::new().max_field_size(1000),
                form(&[("photo", Some("a.jpg"), &big)]),
                "field `photo` is larger than the limit of 1000 bytes",
            ),
            (
                MultipartLimits::new().max_field_size_for("photo", 1500),
                form(&[("note", None, &big), ("photo", Some("a.jpg"), &big)]),
                "field `photo` is larger than the limit of 1500 bytes",
            ),
            (
                MultipartLimits::new().max_total_size(3000),
                form(&[("a", None, &big), ("b", None, &big)]),
                "the upload is larger than the limit of 3000 bytes",
            ),
            (
                MultipartLimits::new().max_fields(2),
                form(&[("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3")]),
                "the upload has more than 2 fields",
            ),
        ];
        for (limits, body, message) in cases {
            let res = post(&client(limits), body);
            assert_eq!((res.status().as_u16(), res.text()), (413, message));
        }
    }

    #[test]
    fn the_servers_body_limit_is_the_same_413() {
        let c = client(MultipartLimits::new().max_field_size(u64::MAX));
        let res = post(&c, form(&[("f", Some("a"), &vec![0u8; 2 << 20])]));
        assert_eq!(res.status(), 413);
        assert_eq!(
            res.text(),
            "request body is larger than the limit of 1048576 bytes"
        );
    }

    #[test]
    fn other_bodies_are_refused() {
        let c = client(MultipartLimits::new());
        let res = c.post("/").body("a=1").send();
        assert_eq!(res.status(), 415);
        let res = c
            .post("/")
            .header("content-type", "multipart/form-data")
            .body("x")
            .send();
        assert_eq!(res.status(), 400);
        let res = post(&c, b"--XyZ\r\nno headers end".to_vec());
        assert_eq!(res.status(), 400, "{}", res.text());
    }
}
