//! Where annotated handlers are served: each in one place only, and the
//! automatic table ([`App::auto_routes`](crate::App::auto_routes)) adds
//! those the application did not place itself.
//!
//! The rule closes a hole: a handler mounted in a scope behind an
//! authentication layer must not also be served at its bare path, with no
//! layer, by the automatic table.

use std::collections::{HashMap, HashSet};

use super::scope::ScopedRoute;
use crate::routing::registry::{Registered, registered};
use crate::routing::{HandlerKey, Route, RouteError};

/// Keeps the first placement of each annotated handler and records an
/// error for every further one, which is left out.
pub(crate) fn once_each(
    routes: Vec<ScopedRoute>,
    errors: &mut Vec<RouteError>,
) -> Vec<ScopedRoute> {
    let mut first: HashMap<HandlerKey, String> = HashMap::new();
    let mut kept = Vec::with_capacity(routes.len());
    for scoped in routes {
        let Some(key) = scoped.route.key() else {
            kept.push(scoped);
            continue;
        };
        match first.get(&key) {
            Some(path) => errors.push(RouteError::PlacedTwice {
                handler: Box::new(scoped.route.origin()),
                first: path.clone(),
                second: scoped.route.path.clone(),
            }),
            None => {
                first.insert(key, scoped.route.path.clone());
                kept.push(scoped);
            }
        }
    }
    kept
}

/// The routes of the registered handlers that `placed` does not serve.
pub(crate) fn unplaced(placed: &[ScopedRoute]) -> Vec<Route> {
    let keys: HashSet<HandlerKey> = placed.iter().filter_map(|r| r.route.key()).collect();
    registered()
        .into_iter()
        .filter(|r| !keys.contains(&(r.module, r.name)))
        .map(|r| (r.route)())
        .collect()
}

/// The routes of every annotated handler defined in `module` or in a
/// module below it.
pub(crate) fn in_module(module: &str) -> Vec<Route> {
    let module = module.trim_end_matches("::");
    registered()
        .into_iter()
        .filter(|r| is_within(r, module))
        .map(|r| (r.route)())
        .collect()
}

fn is_within(entry: &Registered, module: &str) -> bool {
    match entry.module.strip_prefix(module) {
        Some(rest) => rest.is_empty() || rest.starts_with("::"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(module: &'static str) -> Registered {
        fn route() -> Route {
            unreachable!("not built in this test")
        }
        Registered {
            methods: &["GET"],
            path: "/",
            name: "h",
            module,
            file: "src/a.rs",
            line: 1,
            route,
        }
    }

    #[test]
    fn a_module_holds_itself_and_the_modules_below() {
        assert!(is_within(&entry("app::admin"), "app::admin"));
        assert!(is_within(&entry("app::admin::users"), "app::admin"));
        assert!(!is_within(&entry("app::administration"), "app::admin"));
        assert!(!is_within(&entry("app"), "app::admin"));
    }

    #[test]
    fn a_second_placement_is_an_error_naming_both_paths() {
        async fn h() {}
        let at = |path: &str| ScopedRoute {
            route: Route::new(http::Method::GET, path, h)
                .with_site(crate::Site::new("h", "src/a.rs", 3))
                .in_module("app::admin"),
            layers: Vec::new(),
        };
        let mut errors = Vec::new();
        let kept = once_each(vec![at("/admin/stats"), at("/stats")], &mut errors);
        assert_eq!(kept.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "handler `h` at src/a.rs:3 is placed twice, at `/admin/stats` and again at \
             `/stats`: an annotated handler serves one place"
        );
    }
}
