//! `ServeDir`: a directory served over HTTP, as a handler, a fallback, or
//! routes mounted at a prefix.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use harrow_server::rt::fs::{File, Symlinks};
use http::header::{ALLOW, HeaderValue, LOCATION};
use http::{Method, StatusCode};

use super::body::Sending;
use super::path::{self, Refused, Relative};
use super::respond::{Extra, Opened, content_type, respond};
use crate::content_coding::{Coding, negotiate};
use crate::context::RequestContext;
use crate::handler::Handler;
use crate::request::Request;
use crate::response::{IntoResponse, Response, plain};
use crate::routing::Route;

/// Serves the files below a directory: `GET` and `HEAD`, with validators
/// (`ETag`, `Last-Modified`), conditional requests (304, 412), single byte
/// ranges (206, 416), a `Content-Type` from the file name, an optional
/// `Cache-Control`, precompressed siblings, an index file for directories and
/// a fallback file for single-page apps.
///
/// Requests never leave the directory: `..` segments (in any encoding),
/// backslashes and NUL bytes are refused with a 404 (a path that is not
/// UTF-8 once decoded, overlong encodings included, with a 400); symbolic
/// links are followed only while they stay inside it (see
/// [`ServeDir::symlinks`]); hidden files and directories (a segment starting
/// with `.`) are not served unless [`ServeDir::hidden_files`] allows them.
///
/// Three ways to place it, each reading the directory when a request comes
/// (nothing is checked or cached at start):
///
/// ```no_run
/// use harrow::App;
/// use harrow::fs::ServeDir;
///
/// // Mounted at a prefix: `/static`, `/static/` and `/static/{*path}`.
/// let app = App::new().routes(ServeDir::new("assets").at("/static"));
///
/// // As a route's handler: the path is the route's last parameter.
/// let app = App::new().get("/files/{*path}", ServeDir::new("downloads"));
///
/// // As the fallback of the whole app: the path is the request's, and a
/// // single-page app's routes all get its `index.html`.
/// let app = App::new().fallback(ServeDir::new("dist").fallback_file("index.html"));
/// # let _ = app;
/// ```
///
/// A directory asked for without its trailing slash is redirected (301) to
/// the path with it, so that relative links in its index file resolve; a
/// directory without an index file is a 404 (there are no listings). Methods
/// other than GET and HEAD get a 405.
///
/// Files up to 16 KiB (up to the chunk size with zero-copy off, or the
/// chunk size if smaller) are read in one read before the answer; larger ones
/// go out with `Content-Length`, sent by the kernel (`sendfile`) on plain
/// HTTP/1.1 connections and streamed one chunk at a time through the
/// server's file IO (io_uring where the server runs on it) on TLS and
/// HTTP/2 (see [`zero_copy`](Self::zero_copy)). Several
/// ranges in one request are merged when they overlap or touch, and
/// otherwise answered with the whole file (200), which RFC 9110 allows; no
/// `multipart/byteranges`.
#[derive(Clone, Debug)]
pub struct ServeDir {
    settings: Rc<Settings>,
}

#[derive(Clone, Debug)]
struct Settings {
    root: PathBuf,
    index: Option<String>,
    fallback: Option<PathBuf>,
    precompressed: Vec<Coding>,
    cache_control: Option<HeaderValue>,
    hidden: bool,
    symlinks: Symlinks,
    sending: Sending,
}

impl ServeDir {
    /// Serves the files below `root` (relative to the working directory
    /// unless absolute), with `index.html` as the index file.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeDir {
            settings: Rc::new(Settings {
                root: root.into(),
                index: Some("index.html".to_owned()),
                fallback: None,
                precompressed: Vec::new(),
                cache_control: None,
                hidden: false,
                symlinks: Symlinks::WithinRoot,
                sending: Sending::default(),
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(Rc::make_mut(&mut self.settings));
        self
    }

    /// The file served for a directory (`index.html` unless changed).
    pub fn index_file(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with(|s| s.index = Some(name))
    }

    /// Serves no index file: every directory is a 404.
    pub fn no_index_file(self) -> Self {
        self.with(|s| s.index = None)
    }

    /// The file (relative to the root) served, with status 200, for any
    /// path that names no file: a single-page app's `index.html`, whose
    /// script reads the path. Refused paths still get their 404.
    pub fn fallback_file(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.with(|s| s.fallback = Some(path))
    }

    /// Serves `NAME.br` instead of `NAME` to clients that accept brotli,
    /// when that file exists (it is made ahead, e.g. by the build).
    pub fn precompressed_br(self) -> Self {
        self.precompressed(Coding::Brotli)
    }

    /// Serves `NAME.zst` instead of `NAME` to clients that accept zstd.
    pub fn precompressed_zstd(self) -> Self {
        self.precompressed(Coding::Zstd)
    }

    /// Serves `NAME.gz` instead of `NAME` to clients that accept gzip.
    pub fn precompressed_gzip(self) -> Self {
        self.precompressed(Coding::Gzip)
    }

    /// Adds a precompressed coding, keeping the preference order brotli,
    /// zstd, gzip (smallest first) for clients that rate several alike.
    fn precompressed(self, coding: Coding) -> Self {
        self.with(|s| {
            if !s.precompressed.contains(&coding) {
                s.precompressed.push(coding);
                let rank = |c: &Coding| match c {
                    Coding::Brotli => 0,
                    Coding::Zstd => 1,
                    Coding::Gzip => 2,
                };
                s.precompressed.sort_by_key(rank);
            }
        })
    }

    /// The `Cache-Control` value sent with every file (and its 304s), e.g.
    /// `public, max-age=3600`; none by default.
    ///
    /// # Panics
    ///
    /// When `value` is not a valid header value (a control character).
    pub fn cache_control(self, value: &str) -> Self {
        let value = match HeaderValue::from_str(value) {
            Ok(value) => value,
            Err(_) => panic!("invalid Cache-Control value {value:?}"),
        };
        self.with(|s| s.cache_control = Some(value))
    }

    /// Whether files and directories whose name starts with `.` are served
    /// (refused, as a 404, by default). `.well-known` is hidden too: serve it
    /// with a `ServeDir` of its own that allows them.
    pub fn hidden_files(self, serve: bool) -> Self {
        self.with(|s| s.hidden = serve)
    }

    /// What to do with symbolic links: by default, they are followed while
    /// they stay inside the directory, and a link leading out of it is a 404.
    pub fn symlinks(self, symlinks: Symlinks) -> Self {
        self.with(|s| s.symlinks = symlinks)
    }

    /// The size of one read (128 KiB by default), where files are read
    /// rather than sent by the kernel: larger files are streamed in reads
    /// of this size, and with zero-copy off, files up to it are read at once.
    pub fn chunk_size(self, bytes: usize) -> Self {
        self.with(|s| s.sending.chunk = bytes.max(1))
    }

    /// Whether the server may send files with `sendfile`, straight from the
    /// kernel's page cache, on plain HTTP/1.1 connections (on by default;
    /// TLS and HTTP/2 read them in chunks either way). `sendfile` waits for
    /// the disk on the worker's thread when a file is not cached: turn it
    /// off for large files on slow storage that are rarely read twice.
    pub fn zero_copy(self, on: bool) -> Self {
        self.with(|s| s.sending.zero_copy = on)
    }

    /// The routes that serve this directory at `prefix`: `prefix` itself
    /// (redirected to `prefix/`), `prefix/` (the index file) and
    /// `prefix/{*path}`; at `/`, `/` and `/{*path}`. Add them with
    /// [`App::routes`](crate::App::routes) or
    /// [`Scope::routes`](crate::Scope::routes).
    ///
    /// ```
    /// use harrow::{App, Scope};
    /// use harrow::fs::ServeDir;
    /// use harrow::middleware::Timeout;
    /// use std::time::Duration;
    ///
    /// let assets = ServeDir::new("assets").at("/assets");
    /// let paths: Vec<&str> = assets.iter().map(|r| r.path()).collect();
    /// assert_eq!(paths, ["/assets", "/assets/", "/assets/{*path}"]);
    ///
    /// // Behind a scope's middleware, under the scope's prefix.
    /// let site = Scope::new()
    ///     .routes(ServeDir::new("assets").at("/assets"))
    ///     .layer(Timeout::new(Duration::from_secs(30)));
    /// let app = App::new().nest("/site", site);
    /// # let _ = app;
    /// ```
    pub fn at(self, prefix: &str) -> Vec<Route> {
        let prefix = prefix.trim_end_matches('/');
        let root = Mounted {
            dir: self.clone(),
            at_root: true,
        };
        let rest = Mounted {
            dir: self,
            at_root: false,
        };
        let mut routes = Vec::with_capacity(3);
        if !prefix.is_empty() {
            routes.push(Route::new(Method::GET, prefix, root.clone()));
        }
        routes.push(Route::new(Method::GET, format!("{prefix}/"), root));
        routes.push(Route::new(Method::GET, format!("{prefix}/{{*path}}"), rest));
        routes
    }

    /// Answers `req`, for the decoded path `wanted` below the root.
    async fn serve(self, req: Request, wanted: Result<Relative, Refused>) -> Response {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            res.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return res;
        }
        let wanted = match wanted {
            Ok(wanted) => wanted,
            Err(Refused::NotUtf8) => {
                return plain(StatusCode::BAD_REQUEST, "the path is not UTF-8");
            }
            Err(_) => return not_found(),
        };
        let s = &*self.settings;
        let found = match self.open(&wanted.path).await {
            Ok(found) => found,
            Err(e) if missing(&e) => return self.fallback(&req).await,
            Err(e) => return super::respond::io_error(e),
        };
        let (file, meta, name) = match found {
            (file, meta) if meta.is_file() => (file, meta, wanted.path),
            (_, meta) if meta.is_dir() => {
                let Some(index) = &s.index else {
                    return not_found();
                };
                if !wanted.trailing_slash {
                    return redirect_with_slash(&req);
                }
                let name = wanted.path.join(index);
                match self.open(&name).await {
                    Ok((file, meta)) if meta.is_file() => (file, meta, name),
                    Ok(_) => return not_found(),
                    Err(e) if missing(&e) => return self.fallback(&req).await,
                    Err(e) => return super::respond::io_error(e),
                }
            }
            _ => return not_found(),
        };
        self.send(file, meta, &name, &req).await
    }

    /// Sends `name` (already open as `file`), or a precompressed sibling of
    /// it the client accepts.
    async fn send(
        &self,
        file: File,
        meta: harrow_server::rt::fs::Metadata,
        name: &Path,
        req: &Request,
    ) -> Response {
        let s = &*self.settings;
        let mut opened = Opened {
            file,
            meta,
            content_type: content_type(name),
            coding: None,
        };
        let mut left = s.precompressed.clone();
        while let Some(coding) = negotiate(req.headers(), &left) {
            let mut sibling = name.as_os_str().to_owned();
            sibling.push(coding.extension());
            if let Ok((file, meta)) = self.open(Path::new(&sibling)).await
                && meta.is_file()
            {
                opened.file = file;
                opened.meta = meta;
                opened.coding = Some(coding);
                break;
            }
            left.retain(|c| *c != coding);
        }
        let extra = Extra {
            cache_control: s.cache_control.as_ref(),
            disposition: None,
            vary: !s.precompressed.is_empty(),
            sending: s.sending,
        };
        respond(opened, req.method(), req.headers(), extra).await
    }

    /// The fallback file with status 200, or a 404 without one.
    async fn fallback(&self, req: &Request) -> Response {
        let Some(path) = &self.settings.fallback else {
            return not_found();
        };
        match self.open(path).await {
            Ok((file, meta)) if meta.is_file() => self.send(file, meta, path, req).await,
            _ => not_found(),
        }
    }

    /// Opens `relative` below the root as the settings allow, with its
    /// metadata.
    async fn open(&self, relative: &Path) -> io::Result<(File, harrow_server::rt::fs::Metadata)> {
        let s = &*self.settings;
        let relative = if relative.as_os_str().is_empty() {
            Path::new(".")
        } else {
            relative
        };
        let file = File::open_beneath(&s.root, relative, s.symlinks).await?;
        let meta = file.metadata().await?;
        Ok((file, meta))
    }

    /// The path below the root a request names: the route's last
    /// parameter when it has one (`{*path}`), else the whole request path
    /// (as a fallback).
    fn wanted(&self, req: &Request, cx: &RequestContext) -> Result<Relative, Refused> {
        let hidden = self.settings.hidden;
        match cx.path_params().iter().last() {
            Some((_, value)) => path::check(value, hidden),
            None => path::decode_and_check(req.uri().path(), hidden),
        }
    }
}

/// Whether an open failed because nothing (the server will show) is there:
/// a missing file, a file used as a directory, or a path leading outside.
fn missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::PermissionDenied
    )
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "not found")
}

fn redirect_with_slash(req: &Request) -> Response {
    let mut location = format!("{}/", req.uri().path());
    if let Some(query) = req.uri().query() {
        location.push('?');
        location.push_str(query);
    }
    let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(LOCATION, value);
    }
    res
}

/// A `ServeDir` as a handler: the route's last parameter (or, with none,
/// the request's whole path) names the file.
impl Handler<ServeDir> for ServeDir {
    fn call(self, req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static {
        let wanted = self.wanted(&req, &cx);
        self.serve(req, wanted)
    }
}

/// The handler of the routes [`ServeDir::at`] makes.
#[derive(Clone)]
struct Mounted {
    dir: ServeDir,
    /// The routes `prefix` and `prefix/`: the root directory itself.
    at_root: bool,
}

impl Handler<Mounted> for Mounted {
    fn call(self, req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static {
        let wanted = if self.at_root {
            Ok(Relative {
                path: PathBuf::new(),
                trailing_slash: req.uri().path().ends_with('/'),
            })
        } else {
            self.dir.wanted(&req, &cx)
        };
        self.dir.serve(req, wanted)
    }
}
