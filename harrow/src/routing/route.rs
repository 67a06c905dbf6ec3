//! `Route`: methods + path template + handler, and where the handler lives.

use std::fmt;

use http::Method;

use crate::extract::RequiredState;
use crate::handler::{BoxEndpoint, Handler, endpoint};

/// Where a handler is defined, for error messages and the route table.
///
/// The route attributes fill it in; hand-built routes may add one with
/// [`Route::with_site`].
///
/// ```
/// use harrow::Site;
/// let site = Site::new("hello", file!(), line!());
/// assert_eq!(site.to_string(), format!("hello ({}:{})", file!(), site.line));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Site {
    /// The handler's name, e.g. the function's identifier.
    pub name: &'static str,
    /// The source file, as `file!()` gives it.
    pub file: &'static str,
    /// The line, as `line!()` gives it.
    pub line: u32,
}

impl Site {
    /// A site from its parts.
    pub const fn new(name: &'static str, file: &'static str, line: u32) -> Self {
        Site { name, file, line }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.name, self.file, self.line)
    }
}

/// Who registered a route: the handler's name and, when known, its [`Site`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The handler's name: the site's name, or else its Rust type name.
    pub handler: String,
    /// Where the handler is defined, when known.
    pub site: Option<Site>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.handler)?;
        if let Some(site) = &self.site {
            write!(f, " at {}:{}", site.file, site.line)?;
        }
        Ok(())
    }
}

/// One route: the methods it answers, its path template and its handler.
///
/// Templates use `{name}` for one segment and `{*name}` for the rest of the
/// path (matchit syntax). A route is a plain value: build it by hand, from
/// a route attribute, or collect many with `routes![...]`, then add it to an
/// [`App`](crate::App).
///
/// ```
/// use harrow::{App, Method, Route, Site};
///
/// async fn hello() -> &'static str { "hi" }
///
/// let route = Route::new(Method::GET, "/hello", hello)
///     .with_site(Site::new("hello", file!(), line!()));
/// assert_eq!(route.path(), "/hello");
/// let app = App::new().route(route);
/// # let _ = app;
/// ```
pub struct Route {
    pub(crate) methods: Vec<Method>,
    pub(crate) path: String,
    pub(crate) endpoint: BoxEndpoint,
    pub(crate) handler_name: &'static str,
    pub(crate) site: Option<Site>,
    /// The module of an annotated handler, as `module_path!()` gives it:
    /// with the site's name, what makes it the same handler wherever it is
    /// placed.
    pub(crate) module: Option<&'static str>,
    /// The state types the handler takes, checked when the app starts.
    pub(crate) required: RequiredState,
}

/// Which annotated handler a route serves: its module and name.
pub(crate) type HandlerKey = (&'static str, &'static str);

impl Route {
    /// A route answering one method.
    pub fn new<H: Handler<T>, T: 'static>(
        method: Method,
        path: impl Into<String>,
        handler: H,
    ) -> Self {
        Self::with_methods([method], path, handler)
    }

    /// A route answering several methods with the same handler.
    ///
    /// ```
    /// # use harrow::{Method, Route};
    /// # async fn save() {}
    /// let route = Route::with_methods([Method::PUT, Method::PATCH], "/doc", save);
    /// assert_eq!(route.methods(), &[Method::PUT, Method::PATCH]);
    /// ```
    pub fn with_methods<H: Handler<T>, T: 'static>(
        methods: impl IntoIterator<Item = Method>,
        path: impl Into<String>,
        handler: H,
    ) -> Self {
        let mut list: Vec<Method> = Vec::new();
        for m in methods {
            if !list.contains(&m) {
                list.push(m);
            }
        }
        let mut required = RequiredState::default();
        H::required_state(&mut required);
        Route {
            methods: list,
            path: path.into(),
            endpoint: endpoint(handler),
            handler_name: std::any::type_name::<H>(),
            site: None,
            module: None,
            required,
        }
    }

    /// Marks the route as an annotated handler's, defined in `module`.
    pub(crate) fn in_module(mut self, module: &'static str) -> Self {
        self.module = Some(module);
        self
    }

    /// The state types the handler takes from `App::state`.
    pub fn required_state(&self) -> &RequiredState {
        &self.required
    }

    /// Adds to the state types the handler takes: what a route attribute
    /// does for the arguments its handler wrapper extracts.
    pub(crate) fn requiring(mut self, add: impl FnOnce(&mut RequiredState)) -> Self {
        add(&mut self.required);
        self
    }

    /// The annotated handler this route serves, if it is one.
    pub(crate) fn key(&self) -> Option<HandlerKey> {
        Some((self.module?, self.site?.name))
    }

    /// Records where the handler is defined, for errors and the route table.
    pub fn with_site(mut self, site: Site) -> Self {
        self.site = Some(site);
        self
    }

    /// The methods this route answers.
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The path template, e.g. `/users/{id}`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the handler is defined, when known.
    pub fn site(&self) -> Option<&Site> {
        self.site.as_ref()
    }

    /// The handler's name: the site's name when known, else its type name.
    pub fn handler_name(&self) -> &str {
        self.site.map_or(self.handler_name, |s| s.name)
    }

    /// The handler's name and site, as errors report them.
    pub fn origin(&self) -> Origin {
        Origin {
            handler: self.handler_name().to_owned(),
            site: self.site,
        }
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("methods", &self.methods)
            .field("path", &self.path)
            .field("handler", &self.handler_name())
            .field("site", &self.site)
            .finish()
    }
}
