//! Routing: [`Route`] values, the matchit-based router, the route table and
//! the errors found while building it.

mod error;
pub(crate) mod registry;
mod route;
pub(crate) mod router;
mod table;
mod template;

pub use error::{RouteError, RouteErrors};
pub(crate) use route::HandlerKey;
pub use route::{Origin, Route, Site};
pub use table::{RouteInfo, RouteTable};
