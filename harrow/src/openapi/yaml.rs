//! The document as YAML: a small emitter for JSON-shaped values.
//!
//! A document is maps, lists, strings, numbers, booleans and nulls, so
//! block-style YAML covers it in a few rules: a scalar stays plain when no
//! YAML reader could take it for anything but the same string, and is
//! written double-quoted (with JSON's escapes, which YAML shares) otherwise.

use super::model::Node;

/// `node` as a YAML document.
pub(crate) fn to_yaml(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Object(fields) if !fields.is_empty() => write_map(&mut out, fields, 0),
        Node::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level * 2));
}

fn write_map(out: &mut String, fields: &[(String, Node)], level: usize) {
    for (key, value) in fields {
        indent(out, level);
        out.push_str(&scalar_text(key));
        out.push(':');
        write_value(out, value, level);
    }
}

fn write_seq(out: &mut String, items: &[Node], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            // A map in a list starts on the dash's line.
            Node::Object(fields) if !fields.is_empty() => {
                let (first, rest) = fields.split_first().expect("not empty");
                out.push(' ');
                out.push_str(&scalar_text(&first.0));
                out.push(':');
                write_value(out, &first.1, level + 1);
                write_map(out, rest, level + 1);
            }
            other => write_value(out, other, level),
        }
    }
}

/// After `key:` or `-`: a scalar or empty collection on the same line, a
/// collection on the lines below.
fn write_value(out: &mut String, value: &Node, level: usize) {
    match value {
        Node::Object(fields) if !fields.is_empty() => {
            out.push('\n');
            write_map(out, fields, level + 1);
        }
        Node::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(node: &Node) -> String {
    match node {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Number(n) => n.to_string(),
        Node::String(s) => scalar_text(s),
        Node::Array(_) => "[]".into(),
        Node::Object(_) => "{}".into(),
    }
}

/// A string as a YAML scalar: plain when that reads back as the same
/// string, else double-quoted.
fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

/// Conservative: letters, digits and a few punctuation marks that mean
/// nothing to YAML inside a word, not starting with a character that does,
/// and not a word YAML reads as a boolean, null or number.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_./$+()-".contains(c) || c == ' ';
    if !(first.is_ascii_alphabetic() || first == '/' || first == '$' || first == '_') {
        return false;
    }
    if !s.chars().all(allowed) || s.ends_with(' ') || s.contains("  ") {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let special = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf",
    ];
    !special.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lists_and_scalars() {
        let node = Node::object()
            .field("openapi", "3.1.0")
            .field("paths", Node::object().field("/users/{id}", Node::object()))
            .field(
                "tags",
                Node::Array(vec![
                    Node::object().field("name", "books").field("x", true),
                    "yes".into(),
                    Node::Array(vec![]),
                ]),
            )
            .field("text", "two\nlines: \"quoted\"")
            .field("n", Node::Number(5.into()))
            .field("count", Node::Number(5.into()));
        assert_eq!(
            to_yaml(&node),
            "openapi: \"3.1.0\"\n\
             paths:\n  \"/users/{id}\": {}\n\
             tags:\n  - name: books\n    x: true\n  - \"yes\"\n  - []\n\
             text: \"two\\nlines: \\\"quoted\\\"\"\n\
             \"n\": 5\ncount: 5\n"
        );
    }

    #[test]
    fn plain_only_when_unambiguous() {
        for plain in [
            "books",
            "$ref",
            "/books",
            "application/json",
            "Book.Input",
            "A b",
        ] {
            assert!(is_plain_safe(plain), "{plain}");
        }
        for quoted in [
            "", "3.1.0", "200", "true", "No", "a: b", "#x", "-1", "a ", "{id}", "*",
        ] {
            assert!(!is_plain_safe(quoted), "{quoted}");
        }
    }
}
