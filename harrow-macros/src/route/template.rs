//! Path templates: find the `{params}` with their byte positions, and check
//! the template with `matchit`, the router's own grammar, so the macro and
//! the router never disagree.

use std::ops::Range;

/// One `{name}` or `{*name}` in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    /// The name between the braces, without the `*`.
    pub(crate) name: String,
    /// Byte range of the whole `{…}` in the template.
    pub(crate) range: Range<usize>,
    /// Whether this is a catch-all `{*name}`.
    pub(crate) catch_all: bool,
}

/// A template mistake with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub(crate) message: String,
    pub(crate) range: Range<usize>,
}

impl TemplateError {
    fn new(message: impl Into<String>, range: Range<usize>) -> Self {
        TemplateError {
            message: message.into(),
            range,
        }
    }
}

/// Scans `path` and checks it: every mistake found is returned, each with
/// the characters it points at.
pub(crate) fn check(path: &str) -> (Vec<Param>, Vec<TemplateError>) {
    let mut errors = Vec::new();
    if !path.starts_with('/') {
        errors.push(TemplateError::new(
            format!("a route path must start with `/`, found `{path}`"),
            0..path.len().min(1),
        ));
    }
    foreign_params(path, &mut errors);
    let params = scan(path, &mut errors);
    check_duplicates(&params, &mut errors);
    if errors.is_empty()
        && let Err(e) = matchit::Router::new().insert(path, ())
    {
        errors.push(map_matchit_error(path, &params, &e));
    }
    (params, errors)
}

/// Path parameters written the way other frameworks write them: Rocket's
/// `<name>` and `<name..>`, and the `:name` and `*rest` segments of axum
/// 0.7, Express or Rails. matchit takes them as literal text, so the route
/// would silently never match; each is an error suggesting the `{name}`
/// spelling.
fn foreign_params(path: &str, errors: &mut Vec<TemplateError>) {
    let mut start = 0;
    for segment in path.split('/') {
        let at = |range: Range<usize>| start + range.start..start + range.end;
        if let Some(open) = segment.find('<')
            && let Some(len) = segment[open..].find('>')
        {
            let inner = &segment[open + 1..open + len];
            let (name, rest) = match inner.strip_suffix("..") {
                Some(name) => (name, true),
                None => (inner, false),
            };
            let fix = match (is_ident(name), rest) {
                (true, false) => format!("write `{{{name}}}`"),
                (true, true) => format!("write `{{*{name}}}` for the rest of the path"),
                (false, _) => "write `{name}`".to_owned(),
            };
            errors.push(TemplateError::new(
                format!(
                    "`<{inner}>` is Rocket's syntax for a path parameter; Harrow's is \
                         braces: {fix}"
                ),
                at(open..open + len + 1),
            ));
        }
        for (sigil, braces) in [(':', ""), ('*', "*")] {
            let Some(name) = segment.strip_prefix(sigil) else {
                continue;
            };
            let len = name
                .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                .unwrap_or(name.len());
            if is_ident(&name[..len]) {
                let name = &name[..len];
                errors.push(TemplateError::new(
                    format!(
                        "`{sigil}{name}` is not a path parameter in Harrow, whose parameters \
                         are in braces: write `{{{braces}{name}}}`"
                    ),
                    at(0..len + 1),
                ));
            }
        }
        start += segment.len() + 1;
    }
}

/// Splits out `{…}` groups; `{{` and `}}` are escaped braces.
fn scan(path: &str, errors: &mut Vec<TemplateError>) -> Vec<Param> {
    let bytes = path.as_bytes();
    let mut params = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if bytes.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let Some(len) = path[i + 1..].find(['}', '{', '/']) else {
                    errors.push(TemplateError::new(
                        "unclosed `{`: a parameter is written `{name}`",
                        i..path.len(),
                    ));
                    return params;
                };
                let close = i + 1 + len;
                if bytes[close] != b'}' {
                    errors.push(TemplateError::new(
                        "unclosed `{`: a parameter is written `{name}`",
                        i..close,
                    ));
                    i = close;
                    continue;
                }
                let inner = &path[i + 1..close];
                let (name, catch_all) = match inner.strip_prefix('*') {
                    Some(rest) => (rest, true),
                    None => (inner, false),
                };
                let range = i..close + 1;
                if is_ident(name) {
                    params.push(Param {
                        name: name.to_owned(),
                        range,
                        catch_all,
                    });
                } else {
                    errors.push(TemplateError::new(
                        format!(
                            "`{{{inner}}}` is not a valid parameter: a name is a Rust identifier, \
                             as in `{{id}}` or `{{*rest}}`"
                        ),
                        range,
                    ));
                }
                i = close + 1;
            }
            b'}' => {
                errors.push(TemplateError::new(
                    "unmatched `}`: write `}}` for a literal brace",
                    i..i + 1,
                ));
                i += 1;
            }
            _ => i += 1,
        }
    }
    params
}

fn check_duplicates(params: &[Param], errors: &mut Vec<TemplateError>) {
    for (n, p) in params.iter().enumerate() {
        if params[..n].iter().any(|q| q.name == p.name) {
            errors.push(TemplateError::new(
                format!("parameter `{}` appears twice in the path", p.name),
                p.range.clone(),
            ));
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && s != "_"
}

/// Turns matchit's position-less error into one that points somewhere useful.
fn map_matchit_error(path: &str, params: &[Param], e: &matchit::InsertError) -> TemplateError {
    match e {
        matchit::InsertError::InvalidParamSegment => {
            let segment_of = |p: &Param| path[..p.range.start].rfind('/');
            let twin = params
                .windows(2)
                .find(|w| segment_of(&w[0]) == segment_of(&w[1]));
            let range = match twin {
                Some(w) => w[0].range.start..w[1].range.end,
                None => 0..path.len(),
            };
            TemplateError::new("only one parameter is allowed per path segment", range)
        }
        matchit::InsertError::InvalidCatchAll => {
            let range = params
                .iter()
                .find(|p| p.catch_all)
                .map_or(0..path.len(), |p| p.range.clone());
            TemplateError::new(
                "a catch-all `{*name}` must be the whole last segment of the path",
                range,
            )
        }
        other => TemplateError::new(format!("invalid route path: {other}"), 0..path.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str) -> Vec<(String, bool)> {
        let (params, errors) = check(path);
        assert!(errors.is_empty(), "{path}: {errors:?}");
        params.into_iter().map(|p| (p.name, p.catch_all)).collect()
    }

    fn error(path: &str) -> (String, String) {
        let (_, errors) = check(path);
        let e = errors.first().unwrap_or_else(|| panic!("{path} accepted"));
        (e.message.clone(), path[e.range.clone()].to_owned())
    }

    #[test]
    fn finds_params_and_catch_alls() {
        assert_eq!(names("/"), vec![]);
        assert_eq!(names("/users/{id}"), vec![("id".into(), false)]);
        assert_eq!(
            names("/u/{user_id}/posts/{post}"),
            vec![("user_id".into(), false), ("post".into(), false)]
        );
        assert_eq!(names("/static/{*path}"), vec![("path".into(), true)]);
        assert_eq!(names("/files/{name}.txt"), vec![("name".into(), false)]);
        assert_eq!(names("/literal/{{braces}}"), vec![]);
    }

    #[test]
    fn points_at_the_offending_characters() {
        let cases = [
            ("users", "must start with `/`", "u"),
            ("/users/{id", "unclosed `{`", "{id"),
            ("/users/{id/x", "unclosed `{`", "{id"),
            ("/users/id}", "unmatched `}`", "}"),
            ("/users/{}", "not a valid parameter", "{}"),
            ("/users/{1d}", "not a valid parameter", "{1d}"),
            ("/users/{*}", "not a valid parameter", "{*}"),
            ("/a/{id}/b/{id}", "`id` appears twice", "{id}"),
            (
                "/a/{x}-{y}",
                "one parameter is allowed per path segment",
                "{x}-{y}",
            ),
            ("/a/{*rest}/b", "catch-all", "{*rest}"),
            (
                "/hello/<name>",
                "Rocket's syntax for a path parameter; Harrow's is braces: write `{name}`",
                "<name>",
            ),
            (
                "/files/<path..>",
                "write `{*path}` for the rest of the path",
                "<path..>",
            ),
            ("/a/<1x>/b", "write `{name}`", "<1x>"),
            ("/hello/:name", "write `{name}`", ":name"),
            ("/hello/:name.txt", "write `{name}`", ":name"),
            ("/files/*rest", "write `{*rest}`", "*rest"),
        ];
        for (path, message, text) in cases {
            let (m, t) = error(path);
            assert!(m.contains(message), "{path}: {m}");
            assert_eq!(t, text, "{path}");
        }
    }

    #[test]
    fn colons_and_stars_inside_a_segment_are_text() {
        assert_eq!(names("/v1/items:batchGet"), vec![]);
        assert_eq!(names("/time/12:30"), vec![]);
        assert_eq!(names("/a/b*"), vec![]);
        assert_eq!(names("/a/:"), vec![]);
    }

    #[test]
    fn reports_every_mistake() {
        let (_, errors) = check("/{a}/{a}/}");
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}
