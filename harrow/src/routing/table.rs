//! The route table: every route's methods, path and handler, for listing
//! at start and for user code to iterate.

use std::fmt;

use http::Method;

use super::route::{Route, Site};

/// One line of the route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The methods the route answers.
    pub methods: Vec<Method>,
    /// The full path template, scope prefixes included.
    pub path: String,
    /// The handler's name.
    pub handler: String,
    /// Where the handler is defined, when known.
    pub site: Option<Site>,
}

impl RouteInfo {
    pub(crate) fn of(route: &Route) -> Self {
        RouteInfo {
            methods: route.methods.clone(),
            path: route.path.clone(),
            handler: route.handler_name().to_owned(),
            site: route.site,
        }
    }
}

/// The application's routes, sorted by path. Its `Display` renders one
/// aligned line per route, fit to print at start:
///
/// ```text
/// GET         /hello         hello (src/main.rs:4)
/// PUT, PATCH  /users/{id}    save (src/main.rs:9)
/// ```
///
/// ```
/// use harrow::App;
/// async fn hello() -> &'static str { "hi" }
/// let app = App::new().get("/hello", hello);
/// let table = app.route_table();
/// assert_eq!(table.iter().next().unwrap().path, "/hello");
/// assert!(table.to_string().starts_with("GET  /hello"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    routes: Vec<RouteInfo>,
}

impl RouteTable {
    pub(crate) fn new(mut routes: Vec<RouteInfo>) -> Self {
        routes.sort_by(|a, b| a.path.cmp(&b.path));
        RouteTable { routes }
    }

    /// The routes, sorted by path.
    pub fn iter(&self) -> std::slice::Iter<'_, RouteInfo> {
        self.routes.iter()
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

impl<'a> IntoIterator for &'a RouteTable {
    type Item = &'a RouteInfo;
    type IntoIter = std::slice::Iter<'a, RouteInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.routes.iter()
    }
}

impl fmt::Display for RouteTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let methods: Vec<String> = self
            .routes
            .iter()
            .map(|r| {
                let names: Vec<&str> = r.methods.iter().map(Method::as_str).collect();
                names.join(", ")
            })
            .collect();
        let mw = methods.iter().map(String::len).max().unwrap_or(0);
        let pw = self.routes.iter().map(|r| r.path.len()).max().unwrap_or(0);
        for (route, methods) in self.routes.iter().zip(&methods) {
            let handler = match &route.site {
                Some(site) => site.to_string(),
                None => route.handler.clone(),
            };
            writeln!(f, "{methods:mw$}  {:pw$}  {handler}", route.path)?;
        }
        Ok(())
    }
}
