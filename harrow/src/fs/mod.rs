//! Static files (cargo feature `fs`): [`ServeDir`] serves a directory,
//! [`NamedFile`] sends one file from a handler.
//!
//! Both read through the server's file IO (io_uring when the server runs
//! on it, plain reads on the worker under epoll), stream large files in
//! chunks with a `Content-Length`, and answer as RFC 9110 asks:
//!
//! * validators: a strong `ETag` (the file's modification time and length)
//!   and `Last-Modified`;
//! * conditional requests (§13): `If-Match` and `If-Unmodified-Since` (412),
//!   `If-None-Match` and `If-Modified-Since` (304), evaluated in the order
//!   of §13.2.2;
//! * ranges (§14): one range (or several that merge into one) is a 206 with
//!   `Content-Range`; a range past the end is a 416; `If-Range` falls back
//!   to the whole file when the file changed; several disjoint ranges get
//!   the whole file (200), not `multipart/byteranges`;
//! * HEAD gets the same head as GET, on HTTP/1.1 and HTTP/2.
//!
//! The book's chapter "Files, caching and compression" walks through them.
//!
//! ```no_run
//! use harrow::App;
//! use harrow::fs::ServeDir;
//!
//! fn app() -> App {
//!     App::new().routes(
//!         ServeDir::new("public")
//!             .precompressed_br()
//!             .precompressed_gzip()
//!             .cache_control("public, max-age=3600")
//!             .at("/static"),
//!     )
//! }
//! # let _ = app;
//! ```

mod body;
mod conditional;
mod named_file;
mod path;
mod range;
mod respond;
mod serve_dir;

pub use harrow_server::rt::fs::Symlinks;
pub use named_file::{FileError, NamedFile};
pub use serve_dir::ServeDir;
