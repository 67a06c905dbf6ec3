//! Template checks the router makes beyond matchit's grammar.

/// Why `path` holds a path parameter spelt as another framework spells it
/// (Rocket's `<name>`, the `:name` and `*rest` of axum 0.7 or Express),
/// which matchit would take as literal text that no request matches; the
/// route attributes refuse the same at compile time.
pub(crate) fn foreign_param(path: &str) -> Option<String> {
    for segment in path.split('/') {
        if let Some(open) = segment.find('<')
            && let Some(len) = segment[open..].find('>')
        {
            let inner = &segment[open + 1..open + len];
            let fix = match inner.strip_suffix("..") {
                Some(name) => format!("{{*{name}}}"),
                None => format!("{{{inner}}}"),
            };
            return Some(format!(
                "`<{inner}>` is Rocket's syntax for a path parameter; write `{fix}`"
            ));
        }
        for (sigil, star) in [(':', ""), ('*', "*")] {
            let Some(name) = segment.strip_prefix(sigil) else {
                continue;
            };
            let end = name
                .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                .unwrap_or(name.len());
            let name = &name[..end];
            if name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
                return Some(format!(
                    "`{sigil}{name}` is not a path parameter; write `{{{star}{name}}}`"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::foreign_param;

    #[test]
    fn other_frameworks_parameters_are_named_with_the_fix() {
        let cases = [
            ("/hello/<name>", "write `{name}`"),
            ("/files/<path..>", "write `{*path}`"),
            ("/hello/:name", "write `{name}`"),
            ("/files/*rest", "write `{*rest}`"),
        ];
        for (path, fix) in cases {
            let reason = foreign_param(path).unwrap_or_else(|| panic!("{path} accepted"));
            assert!(reason.ends_with(fix), "{path}: {reason}");
        }
        for fine in ["/hello/{name}", "/v1/items:batchGet", "/a/:", "/time/12:30"] {
            assert_eq!(foreign_param(fine), None, "{fine}");
        }
    }
}
