//! `PathParams`: the matched `{name}` segments, percent-decoded.
//!
//! Matching copies nothing in the common case: the names are the route's
//! (shared with the router), and each value is a span of the request's
//! path, kept alive by a clone of its `PathAndQuery` (a reference count on
//! the bytes the server read). Only a value with a percent-escape, a route
//! with more than [`INLINE`] parameters or a path longer than 64 KiB has
//! its values decoded into owned strings.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use http::uri::PathAndQuery;
use percent_encoding::percent_decode_str;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::rejection::PathRejection;

/// How many values are kept as spans of the path; a route with more has
/// them copied.
const INLINE: usize = 3;

/// The values of a matched route's `{name}` and `{*name}` segments, in
/// template order, percent-decoded. The router stores them in the request's
/// context; take them with this extractor, [`Path`](super::Path),
/// [`path_param`](super::path_param) or
/// [`RequestContext::path_params`](crate::RequestContext::path_params).
///
/// ```
/// use harrow::extract::PathParams;
///
/// async fn show(params: PathParams) -> String {
///     format!("{}/{}", params.get("user").unwrap_or("?"), params.get("repo").unwrap_or("?"))
/// }
/// let app = harrow::App::new().get("/{user}/{repo}", show);
/// # let _ = app;
/// ```
#[derive(Clone, Default)]
pub struct PathParams {
    values: Values,
}

#[derive(Clone, Default)]
enum Values {
    /// No parameters: a static route, or before routing.
    #[default]
    None,
    /// Spans of `path`, one per name, none of which needed decoding.
    Spans {
        names: Arc<ParamNames>,
        path: PathAndQuery,
        spans: [(u16, u16); INLINE],
    },
    /// Decoded copies, for what spans cannot hold.
    Owned(Box<[(Box<str>, Box<str>)]>),
}

/// A route's parameter names in template order, shared by the router and
/// every match of the route (a thin pointer keeps `PathParams` small).
#[derive(Debug)]
pub(crate) struct ParamNames(Box<[Box<str>]>);

impl ParamNames {
    /// The names of the parameters in `params`, in their order.
    pub(crate) fn of(params: &matchit::Params<'_, '_>) -> Self {
        ParamNames(params.iter().map(|(name, _)| name.into()).collect())
    }
}

impl PathParams {
    /// The parameters of a match of a route whose parameters are `names`,
    /// in `path`: `raw` is matchit's view of them, values still escaped and
    /// slices of `path`.
    pub(crate) fn matched(
        names: &Arc<ParamNames>,
        path: Option<&PathAndQuery>,
        raw: &matchit::Params<'_, '_>,
    ) -> Result<Self, PathRejection> {
        if raw.is_empty() {
            return Ok(PathParams::default());
        }
        let Some(path) = path else {
            return PathParams::decode(raw.iter());
        };
        if raw.len() > INLINE || raw.len() != names.0.len() {
            return PathParams::decode(raw.iter());
        }
        let whole = path.as_str();
        let base = whole.as_ptr() as usize;
        let mut spans = [(0u16, 0u16); INLINE];
        for ((_, value), span) in raw.iter().zip(&mut spans) {
            // Where the value lies in `whole`: matchit hands out slices of
            // the path it was given, which is the start of `whole`.
            let start = (value.as_ptr() as usize).wrapping_sub(base);
            let end = start.wrapping_add(value.len());
            let inside = start <= whole.len() && end <= whole.len();
            match (u16::try_from(start), u16::try_from(end)) {
                (Ok(start), Ok(end)) if inside && !value.as_bytes().contains(&b'%') => {
                    *span = (start, end);
                }
                _ => return PathParams::decode(raw.iter()),
            }
        }
        debug_assert!(
            raw.iter()
                .map(|(name, _)| name)
                .eq(names.0.iter().map(|n| &**n))
        );
        Ok(PathParams {
            values: Values::Spans {
                names: names.clone(),
                path: path.clone(),
                spans,
            },
        })
    }

    /// Decodes matchit's raw parameters into owned strings.
    pub(crate) fn decode<'k, 'v>(
        raw: impl Iterator<Item = (&'k str, &'v str)>,
    ) -> Result<Self, PathRejection> {
        let mut params = Vec::new();
        for (name, value) in raw {
            let decoded =
                percent_decode_str(value)
                    .decode_utf8()
                    .map_err(|_| PathRejection::NotUtf8 {
                        name: name.to_owned(),
                    })?;
            params.push((name.into(), decoded.into()));
        }
        if params.is_empty() {
            return Ok(PathParams::default());
        }
        Ok(PathParams {
            values: Values::Owned(params.into_boxed_slice()),
        })
    }

    /// The value of the parameter `name`, if the route has one.
    pub fn get(&self, name: &str) -> Option<&str> {
        match &self.values {
            Values::None => None,
            Values::Spans {
                names, path, spans, ..
            } => {
                let (start, end) = spans[names.0.iter().position(|n| **n == *name)?];
                Some(&path.as_str()[usize::from(start)..usize::from(end)])
            }
            Values::Owned(pairs) => pairs.iter().find(|(n, _)| **n == *name).map(|(_, v)| &**v),
        }
    }

    /// `(name, value)` pairs in template order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + ExactSizeIterator {
        (0..self.len()).map(|i| self.pair(i))
    }

    /// How many parameters matched.
    pub fn len(&self) -> usize {
        match &self.values {
            Values::None => 0,
            Values::Spans { names, .. } => names.0.len(),
            Values::Owned(pairs) => pairs.len(),
        }
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th `(name, value)` pair; `i` is below [`len`](Self::len).
    pub(crate) fn pair(&self, i: usize) -> (&str, &str) {
        match &self.values {
            Values::None => unreachable!("no parameters to index"),
            Values::Spans {
                names, path, spans, ..
            } => {
                let (start, end) = spans[i];
                (
                    &names.0[i],
                    &path.as_str()[usize::from(start)..usize::from(end)],
                )
            }
            Values::Owned(pairs) => {
                let (name, value) = &pairs[i];
                (name, value)
            }
        }
    }
}

impl fmt::Debug for PathParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for PathParams {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for PathParams {}

impl FromRequestParts for PathParams {
    type Rejection = Infallible;

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        Ok(cx.path_params().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Arc<ParamNames> {
        Arc::new(ParamNames(list.iter().map(|n| Box::from(*n)).collect()))
    }

    /// Matches `path` against `template` as the router does.
    fn matched(template: &str, path: &str) -> Result<PathParams, PathRejection> {
        let mut tree = matchit::Router::new();
        tree.insert(template, ()).unwrap();
        let pq: PathAndQuery = path.parse().unwrap();
        let found = tree.at(pq.path()).unwrap();
        let keys: Vec<&str> = found.params.iter().map(|(k, _)| k).collect();
        PathParams::matched(&names(&keys), Some(&pq), &found.params)
    }

    #[test]
    fn values_are_percent_decoded_and_found_by_name() {
        let p = PathParams::decode([("name", "J%C3%BCrgen%20K"), ("id", "7")].into_iter()).unwrap();
        assert_eq!(p.get("name"), Some("Jürgen K"));
        assert_eq!(p.get("id"), Some("7"));
        assert_eq!(p.get("nope"), None);
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn invalid_utf8_is_rejected_naming_the_parameter() {
        let err = PathParams::decode([("name", "%FF")].into_iter()).unwrap_err();
        assert!(err.to_string().contains("`name`"), "{err}");
        let err = matched("/u/{name}", "/u/%FF").unwrap_err();
        assert!(err.to_string().contains("`name`"), "{err}");
    }

    #[test]
    fn a_match_borrows_the_path_or_decodes_what_it_must() {
        // (template, path, the pairs, whether they borrow the path)
        type Case = (
            &'static str,
            &'static str,
            &'static [(&'static str, &'static str)],
            bool,
        );
        let cases: &[Case] = &[
            ("/user/{id}", "/user/42", &[("id", "42")], true),
            ("/user/{id}", "/user/42?x=1", &[("id", "42")], true),
            (
                "/{a}/{b}/{c}",
                "/x/y/z",
                &[("a", "x"), ("b", "y"), ("c", "z")],
                true,
            ),
            (
                "/{a}/{b}/{c}/{d}",
                "/w/x/y/z",
                &[("a", "w"), ("b", "x"), ("c", "y"), ("d", "z")],
                false,
            ),
            ("/u/{name}", "/u/J%C3%BCrgen", &[("name", "Jürgen")], false),
            (
                "/files/{*rest}",
                "/files/a/b.txt",
                &[("rest", "a/b.txt")],
                true,
            ),
            ("/static", "/static", &[], false),
        ];
        for (template, path, want, borrowed) in cases {
            let p = matched(template, path).unwrap();
            let got: Vec<(&str, &str)> = p.iter().collect();
            assert_eq!(got, *want, "{template} {path}");
            assert_eq!(
                matches!(p.values, Values::Spans { .. }),
                *borrowed,
                "{template} {path}"
            );
            let owned = PathParams::decode(want.iter().copied()).unwrap();
            assert_eq!(p, owned, "{template} {path}");
        }
    }

    #[test]
    fn a_value_outside_the_path_is_copied() {
        let mut tree = matchit::Router::new();
        tree.insert("/user/{id}", ()).unwrap();
        let elsewhere = String::from("/user/42");
        let found = tree.at(&elsewhere).unwrap();
        let pq: PathAndQuery = "/user/42".parse().unwrap();
        let p = PathParams::matched(&names(&["id"]), Some(&pq), &found.params).unwrap();
        assert_eq!(p.get("id"), Some("42"));
        assert!(matches!(p.values, Values::Owned(_)));
        let p = PathParams::matched(&names(&["id"]), None, &found.params).unwrap();
        assert_eq!(p.get("id"), Some("42"));
    }
}
