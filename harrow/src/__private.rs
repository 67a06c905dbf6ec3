//! The only paths the macros' output names. Not public API: nothing here is
//! covered by semver, and users never need to name it.
//!
//! Keeping every generated path behind this one door (serde's and
//! thiserror's `private` modules) means the macro crate can change without
//! touching user code, and user names never collide with generated ones.

use std::marker::PhantomData;
use std::str::FromStr;

pub use http::Method;
pub use http::request::Parts;
pub use inventory;
pub use std::time::Duration;

pub use crate::extract::RequiredState;
pub use crate::routing::registry::Registered;
pub use crate::{Request, Response, Route, Site};

use crate::Body;
use crate::extract::{FromRequest, FromRequestParts};
use crate::response::IntoResponse;

/// Implemented by the struct a route attribute declares under the
/// handler's name, so `routes![handler]` can ask it for its route.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route handler",
    label = "not annotated with a route attribute",
    note = "`routes![...]` lists functions annotated with `#[get(\"/path\")]`, `#[post(...)]`, `#[route(...)]`, …"
)]
pub trait HandlerRoute {
    /// The handler's route.
    fn route() -> Route;
}

/// The route a route attribute describes, with its site, its module and
/// the state types its arguments take.
pub fn route<H, T>(
    methods: &[Method],
    path: &'static str,
    handler: H,
    site: Site,
    module: &'static str,
    state: fn(&mut RequiredState),
) -> Route
where
    H: crate::Handler<T>,
    T: 'static,
{
    Route::with_methods(methods.iter().cloned(), path, handler)
        .with_site(site)
        .in_module(module)
        .requiring(state)
}

/// A handler argument's type, asked which state types it takes. The
/// generated code calls `(&&&Probe::<T>::new()).required_state(..)`: method
/// lookup tries [`StateViaParts`] first, then [`StateViaRequest`], then
/// [`StateOfNothing`], so a type that is no extractor at all adds nothing
/// here and is reported once, where it is extracted.
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// The probe for `T`.
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// The state a head extractor takes.
pub trait StateViaParts {
    /// Adds it.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T: FromRequestParts> StateViaParts for &&Probe<T> {
    fn required_state(&self, required: &mut RequiredState) {
        T::required_state(required);
    }
}

/// The state a body extractor takes.
pub trait StateViaRequest {
    /// Adds it.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T: FromRequest> StateViaRequest for &Probe<T> {
    fn required_state(&self, required: &mut RequiredState) {
        <T as FromRequest>::required_state(required);
    }
}

/// Nothing, for a type that is no extractor (already an error elsewhere).
pub trait StateOfNothing {
    /// Adds nothing.
    fn required_state(&self, required: &mut RequiredState);
}

impl<T> StateOfNothing for Probe<T> {
    fn required_state(&self, _required: &mut RequiredState) {}
}

/// Splits a request into its head and body.
pub fn split(req: Request) -> (Parts, Body) {
    req.into_parts()
}

/// A path parameter's type: anything parsed with `FromStr`. This trait
/// exists for its error message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a path parameter",
    label = "no `FromStr` impl to parse it from the path",
    note = "a handler argument named like a `{{param}}` of the path is parsed with `FromStr` (`u64`, `String`, …); to take something else, rename the argument or use the `Path<T>` extractor"
)]
pub trait PathParam: FromStr {}

impl<T: FromStr> PathParam for T {}

/// The named path parameter, parsed; a 400 naming it otherwise.
// The error is the response itself, returned at once by the generated code.
#[allow(clippy::result_large_err)]
pub fn path_param<T: PathParam>(parts: &Parts, name: &'static str) -> Result<T, Response> {
    crate::extract::path_param::<T>(parts, name).map_err(IntoResponse::into_response)
}

/// Runs a head extractor; its rejection becomes the response.
pub async fn from_parts<T: FromRequestParts>(parts: &mut Parts) -> Result<T, Response> {
    T::from_request_parts(parts)
        .await
        .map_err(IntoResponse::into_response)
}

/// Runs the last extractor on the reassembled request.
pub async fn from_request<T, M>(parts: Parts, body: Body) -> Result<T, Response>
where
    T: FromRequest<M>,
{
    T::from_request(Request::from_parts(parts, body))
        .await
        .map_err(IntoResponse::into_response)
}

/// Turns the handler's output into the response.
pub fn respond<R: IntoResponse>(out: R) -> Response {
    out.into_response()
}

/// Lists annotated handlers' routes: `routes![hello, users::show]`.
///
/// Each name is a function annotated with a route attribute (which declares
/// a type of the same name that knows the route). The result is a
/// `Vec<Route>`, for [`App::routes`](crate::App::routes).
///
/// ```
/// use harrow::prelude::*;
///
/// #[get("/hello")]
/// async fn hello() -> &'static str {
///     "Hello, world!"
/// }
///
/// mod users {
///     use harrow::prelude::*;
///
///     #[get("/users/{id}")]
///     pub async fn show(id: u64) -> String {
///         format!("user {id}")
///     }
/// }
///
/// let app = App::new().routes(harrow::routes![hello, users::show]);
/// let paths: Vec<String> = app.route_table().iter().map(|r| r.path.clone()).collect();
/// assert_eq!(paths, ["/hello", "/users/{id}"]);
/// ```
#[macro_export]
macro_rules! routes {
    ($($handler:path),* $(,)?) => {
        ::std::vec::Vec::<$crate::Route>::from([
            $(<$handler as $crate::__private::HandlerRoute>::route()),*
        ])
    };
}

/// Whether this build of harrow serves HTTP/2 (its `http2` feature);
/// `#[harrow::main(http2 = true)]` checks it at compile time.
pub const HTTP2: bool = cfg!(feature = "http2");

/// The address `#[harrow::main]` serves on when neither the attribute nor
/// `HARROW_ADDR` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// The keys of `#[harrow::main(...)]`; `None` leaves the default.
///
/// Timeouts are `Some(None)` for `"off"` and `Some(Some(d))` for a duration.
#[derive(Debug, Default, Clone)]
pub struct MainArgs {
    /// `addr = "host:port"`.
    pub addr: Option<&'static str>,
    /// `workers = n`.
    pub workers: Option<usize>,
    /// `http2 = bool`.
    pub http2: Option<bool>,
    /// `max_connections = n`.
    pub max_connections: Option<usize>,
    /// `drain_timeout = "30s"`.
    pub drain_timeout: Option<Duration>,
    /// `header_read_timeout = "5s" | "off"`.
    pub header_read_timeout: Option<Option<Duration>>,
    /// `body_read_timeout = "30s" | "off"`.
    pub body_read_timeout: Option<Option<Duration>>,
    /// `connection_timeout = "300s" | "off"`.
    pub connection_timeout: Option<Option<Duration>>,
    /// `keep_alive_timeout = "60s" | "off"`.
    pub keep_alive_timeout: Option<Option<Duration>>,
    /// `write_timeout = "30s" | "off"`.
    pub write_timeout: Option<Option<Duration>>,
}

impl MainArgs {
    /// The address and configuration to serve with: the attribute's keys
    /// over the defaults, then `HARROW_ADDR` and `HARROW_WORKERS` (read
    /// through `env`) over those. Errors are one readable line.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(String, crate::Config), String> {
        let addr = match env("HARROW_ADDR") {
            Some(a) if a.trim().is_empty() => return Err("HARROW_ADDR is set but empty".into()),
            Some(a) => a.trim().to_owned(),
            None => self.addr.unwrap_or(DEFAULT_ADDR).to_owned(),
        };
        let mut config = crate::Config::default();
        config.workers = self.workers.or(config.workers);
        if let Some(w) = env("HARROW_WORKERS") {
            match w.trim().parse::<usize>() {
                Ok(n) if n > 0 => config.workers = Some(n),
                _ => {
                    return Err(format!(
                        "HARROW_WORKERS must be a whole number above zero, got `{w}`"
                    ));
                }
            }
        }
        if let Some(h) = self.http2 {
            config.enable_http2 = h;
        }
        if let Some(m) = self.max_connections {
            config.max_connections = m;
        }
        if let Some(d) = self.drain_timeout {
            config.drain_timeout = d;
        }
        let timeouts = [
            (&mut config.header_read_timeout, self.header_read_timeout),
            (&mut config.body_read_timeout, self.body_read_timeout),
            (&mut config.connection_timeout, self.connection_timeout),
            (&mut config.keep_alive_timeout, self.keep_alive_timeout),
            (&mut config.write_timeout, self.write_timeout),
        ];
        for (field, value) in timeouts {
            if let Some(v) = value {
                *field = v;
            }
        }
        config.validate().map_err(|e| e.to_string())?;
        Ok((addr, config))
    }
}

/// What `#[harrow::main]` calls: `harrow::run_with_config` with the
/// automatic route table ([`App::auto_routes`](crate::App::auto_routes))
/// added to the app each worker builds, the attribute's
/// settings and the `HARROW_*` overrides. It prints the route table and the
/// bound address, serves until SIGINT or SIGTERM, then drains. Any failure to
/// start is printed as one `error: …` line and the process exits with
/// status 1 (no panic, no backtrace).
pub fn main<A: FactoryOutput + 'static>(app: fn() -> A, args: MainArgs) {
    if let Err(message) = launch(app, &args) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// What the function under `#[harrow::main]` may return. This trait exists
/// for its error message.
#[diagnostic::on_unimplemented(
    message = "`#[harrow::main]` goes on a function returning `harrow::App`, not `{Self}`",
    label = "the app factory must return `App`",
    note = "write `fn main() -> App {{ App::new() }}`: it runs once per worker"
)]
pub trait FactoryOutput {
    /// The app.
    fn into_app(self) -> crate::App;
}

impl FactoryOutput for crate::App {
    fn into_app(self) -> crate::App {
        self
    }
}

fn launch<A: FactoryOutput + 'static>(app: fn() -> A, args: &MainArgs) -> Result<(), String> {
    let (addr, config) = args.resolve(|key| std::env::var(key).ok())?;
    let make_app = move || app().into_app().auto_routes();
    crate::run_with_config(make_app, addr.as_str(), config).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_then_attribute_then_environment() {
        let (addr, config) = MainArgs::default().resolve(env(&[])).unwrap();
        assert_eq!(addr, "127.0.0.1:3000");
        assert_eq!(config.workers, None);

        let args = MainArgs {
            addr: Some("0.0.0.0:8080"),
            workers: Some(2),
            // Without the `http2` feature, `http2 = true` is refused (below).
            http2: Some(cfg!(feature = "http2")),
            header_read_timeout: Some(Some(Duration::from_secs(2))),
            write_timeout: Some(None),
            drain_timeout: Some(Duration::from_secs(9)),
            ..MainArgs::default()
        };
        let (addr, config) = args.resolve(env(&[])).unwrap();
        assert_eq!(addr, "0.0.0.0:8080");
        assert_eq!(config.workers, Some(2));
        assert_eq!(config.enable_http2, cfg!(feature = "http2"));
        assert_eq!(config.header_read_timeout, Some(Duration::from_secs(2)));
        assert_eq!(config.write_timeout, None);
        assert_eq!(config.drain_timeout, Duration::from_secs(9));

        let vars = [("HARROW_ADDR", "127.0.0.1:9000"), ("HARROW_WORKERS", "3")];
        let (addr, config) = args.resolve(env(&vars)).unwrap();
        assert_eq!(addr, "127.0.0.1:9000");
        assert_eq!(config.workers, Some(3));
    }

    #[test]
    fn bad_environment_is_one_readable_line() {
        let cases = [
            (
                ("HARROW_WORKERS", "many"),
                "HARROW_WORKERS must be a whole number above zero, got `many`",
            ),
            (
                ("HARROW_WORKERS", "0"),
                "HARROW_WORKERS must be a whole number above zero, got `0`",
            ),
            (("HARROW_ADDR", " "), "HARROW_ADDR is set but empty"),
        ];
        for (var, message) in cases {
            let err = MainArgs::default().resolve(env(&[var])).unwrap_err();
            assert_eq!(err, message);
        }
        let too_many = MainArgs {
            workers: Some(5000),
            ..MainArgs::default()
        };
        let err = too_many.resolve(env(&[])).unwrap_err();
        assert!(err.contains("`workers` must be at most 1024"), "{err}");
    }
}
