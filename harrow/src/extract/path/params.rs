//! `PathParams`: the matched `{name}` segments, percent-decoded.

use percent_encoding::percent_decode_str;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::rejection::PathRejection;
use http::request::Parts;
use std::convert::Infallible;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams {
    params: Vec<(String, String)>,
}

impl PathParams {
    /// Decodes matchit's raw parameters.
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
            params.push((name.to_owned(), decoded.into_owned()));
        }
        Ok(PathParams { params })
    }

    /// The value of the parameter `name`, if the route has one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(name, value)` pairs in template order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many parameters matched.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub(crate) fn as_slice(&self) -> &[(String, String)] {
        &self.params
    }
}

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
    }
}
