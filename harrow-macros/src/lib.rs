//! Procedural macros for Harrow: the route attributes and `#[harrow::main]`.
//!
//! Use them through the `harrow` crate (`use harrow::prelude::*;`), which
//! re-exports them; the code they generate names only `::harrow::__private`.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod diag;
mod lit_span;
mod main_attr;
mod route;
mod suggest;

use proc_macro::TokenStream;
use route::Kind;

macro_rules! method_attribute {
    ($(#[$doc:meta])* $name:ident, $method:literal) => {
        $(#[$doc])*
        #[proc_macro_attribute]
        pub fn $name(attr: TokenStream, item: TokenStream) -> TokenStream {
            route::route(Kind::Shorthand($method), attr.into(), item.into()).into()
        }
    };
}

method_attribute!(
    /// Serves `GET` requests for a path: `#[get("/users/{id}")]`.
    ///
    /// The annotated function must be an `async fn`. Its parameters named
    /// like a `{param}` of the path are parsed from it (`id: u64`); the
    /// others are extractors, the last of which may read the body.
    get,
    "GET"
);
method_attribute!(
    /// Serves `POST` requests for a path: `#[post("/echo")]`. See [`get`].
    post,
    "POST"
);
method_attribute!(
    /// Serves `PUT` requests for a path. See [`get`].
    put,
    "PUT"
);
method_attribute!(
    /// Serves `DELETE` requests for a path. See [`get`].
    delete,
    "DELETE"
);
method_attribute!(
    /// Serves `PATCH` requests for a path. See [`get`].
    patch,
    "PATCH"
);
method_attribute!(
    /// Serves `HEAD` requests for a path. See [`get`]. (`GET` routes already
    /// answer `HEAD`; use this to answer it differently.)
    head,
    "HEAD"
);
method_attribute!(
    /// Serves `OPTIONS` requests for a path. See [`get`].
    options,
    "OPTIONS"
);

/// Serves one path for several methods:
/// `#[route("/items", method = "GET", method = "POST")]`. See [`get`].
#[proc_macro_attribute]
pub fn route(attr: TokenStream, item: TokenStream) -> TokenStream {
    route::route(Kind::Route, attr.into(), item.into()).into()
}

/// Turns `fn main() -> App` (the app factory, run once per worker) into the
/// program's entry point, serving every annotated route. See the crate
/// documentation for its keys and the call it expands to.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::main(attr.into(), item.into()).into()
}
