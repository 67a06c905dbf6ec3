//! The program-wide table of routes declared with the route attributes.
//!
//! Each `#[get("/path")]` (and friends) submits one [`Registered`] entry to a
//! link-time registry (the `inventory` crate): every annotated handler linked
//! into the program is listed, from any module or library crate, without
//! anyone writing the list. `#[harrow::main]` serves those the app does not
//! place itself ([`App::auto_routes`](crate::App::auto_routes)); a
//! hand-written `main` asks for the same with `App::auto_routes`.
//!
//! A library crate's handlers are in the table when the program links that
//! crate. Rust drops a dependency that the code never mentions, so a crate
//! that only holds handlers needs one line in the program:
//! `use my_routes as _;`.

use crate::routing::Route;

/// One route attribute, as submitted to the registry by the macro.
#[derive(Debug)]
pub struct Registered {
    /// The HTTP methods, e.g. `["GET"]`.
    pub methods: &'static [&'static str],
    /// The path template, e.g. `/users/{id}`.
    pub path: &'static str,
    /// The handler function's name.
    pub name: &'static str,
    /// The module the handler is in, as `module_path!()` gives it.
    pub module: &'static str,
    /// The source file of the attribute, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the attribute, as `line!()` gives it.
    pub line: u32,
    /// Builds the route.
    pub route: fn() -> Route,
}

inventory::collect!(Registered);

/// Every registered entry, ordered by source file and line so the route
/// table, and which of two duplicates is called "first", never depend on
/// link order.
pub(crate) fn registered() -> Vec<&'static Registered> {
    let mut all: Vec<&'static Registered> = inventory::iter::<Registered>.into_iter().collect();
    all.sort_by_key(|r| (r.file, r.line, r.name));
    all
}

/// The routes of every annotated handler linked into the program, ordered
/// by source file and line.
///
/// To serve them, prefer [`App::auto_routes`](crate::App::auto_routes)
/// (what `#[harrow::main]` uses): it leaves out the handlers the app places
/// itself, in a scope for instance. Adding this whole list instead places
/// every handler, so one also listed in `routes![...]` is placed twice and
/// the app refuses to start. Two of them with the same method and path make
/// the app fail to start with an error naming both handlers and their
/// `file:line`.
///
/// ```
/// use harrow::prelude::*;
///
/// #[get("/greeting")]
/// async fn greeting() -> &'static str {
///     "Hello, world!"
/// }
///
/// let routes = harrow::registered_routes();
/// let route = routes.iter().find(|r| r.path() == "/greeting").unwrap();
/// assert_eq!(route.methods(), [Method::GET]);
/// assert_eq!(route.site().unwrap().name, "greeting");
/// let app = App::new().routes(routes);
/// ```
pub fn registered_routes() -> Vec<Route> {
    registered().into_iter().map(|r| (r.route)()).collect()
}
