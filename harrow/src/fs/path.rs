//! From the request's path to a path relative to the served directory,
//! refusing every way out of it. Pure code; the directory is never touched.

use std::path::PathBuf;

use percent_encoding::percent_decode_str;

/// Why a request path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not UTF-8 once percent-decoded (overlong encodings included).
    NotUtf8,
    /// A `..` segment.
    Parent,
    /// A backslash, which some systems take for a separator.
    Backslash,
    /// A NUL byte.
    Nul,
    /// A segment starting with `.`, while hidden files are refused.
    Hidden,
}

/// A checked path below the served directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relative {
    /// Only normal segments, joined; empty for the directory itself.
    pub(crate) path: PathBuf,
    /// Whether the request path ended with `/` (asks for a directory).
    pub(crate) trailing_slash: bool,
}

/// Percent-decodes a raw request path (once) and checks it with [`check`].
pub(crate) fn decode_and_check(raw: &str, hidden: bool) -> Result<Relative, Refused> {
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Refused::NotUtf8)?;
    check(&decoded, hidden)
}

/// Checks a decoded path: segments split on `/`, empty and `.` segments
/// dropped (so a leading `/` does not make it absolute), and any segment
/// that could leave the directory refused. Segments starting with `.` are
/// refused too unless `hidden` allows them.
pub(crate) fn check(decoded: &str, hidden: bool) -> Result<Relative, Refused> {
    let mut path = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return Err(Refused::Parent),
            _ => {}
        }
        if segment.contains('\\') {
            return Err(Refused::Backslash);
        }
        if segment.contains('\0') {
            return Err(Refused::Nul);
        }
        if segment.starts_with('.') && !hidden {
            return Err(Refused::Hidden);
        }
        path.push(segment);
    }
    Ok(Relative {
        path,
        trailing_slash: decoded.ends_with('/'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_table() {
        let ok = |p: &str, slash: bool| {
            Ok(Relative {
                path: PathBuf::from(p),
                trailing_slash: slash,
            })
        };
        let cases: &[(&str, bool, Result<Relative, Refused>)] = &[
            ("index.html", false, ok("index.html", false)),
            ("/css/site.css", false, ok("css/site.css", false)),
            ("a//b/./c", false, ok("a/b/c", false)),
            ("docs/", false, ok("docs", true)),
            ("", false, ok("", false)),
            ("/", false, ok("", true)),
            ("//etc/passwd", false, ok("etc/passwd", false)),
            ("..", false, Err(Refused::Parent)),
            ("a/../../b", false, Err(Refused::Parent)),
            ("%2e%2e/secret", false, Err(Refused::Parent)),
            ("%2E%2E%2fsecret", false, Err(Refused::Parent)),
            ("a%2f..%2f..%2fsecret", false, Err(Refused::Parent)),
            ("..%5csecret", false, Err(Refused::Backslash)),
            ("a\\..\\b", false, Err(Refused::Backslash)),
            ("a%00.txt", false, Err(Refused::Nul)),
            ("%c0%ae%c0%ae/secret", false, Err(Refused::NotUtf8)),
            ("%e0%80%ae%e0%80%ae/x", false, Err(Refused::NotUtf8)),
            ("%ff", false, Err(Refused::NotUtf8)),
            (".env", false, Err(Refused::Hidden)),
            ("a/.git/config", false, Err(Refused::Hidden)),
            ("%2egit/config", false, Err(Refused::Hidden)),
            (".env", true, ok(".env", false)),
            (".well-known/x", true, ok(".well-known/x", false)),
            ("%252e%252e/x", false, ok("%2e%2e/x", false)),
            ("caf%C3%A9.txt", false, ok("café.txt", false)),
            ("a%20b.txt", false, ok("a b.txt", false)),
        ];
        for (raw, hidden, want) in cases {
            assert_eq!(decode_and_check(raw, *hidden), *want, "{raw:?}");
        }
    }
}
