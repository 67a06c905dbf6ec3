//! curl as a real client: its cookie jar, `-F` uploads. Where curl is not
//! installed the test is skipped, except in CI (`CI` set), where it fails.

use std::path::Path;
use std::process::Command;

/// Runs curl with `args` (after `-sS`) and returns its standard output, or
/// `None` when curl is not installed (outside CI). Panics when curl fails.
pub fn curl(args: &[&str]) -> Option<String> {
    let out = match Command::new("curl").arg("-sS").args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::server::skip("a test with curl: curl is not installed");
            return None;
        }
        Err(e) => panic!("cannot run curl: {e}"),
    };
    assert!(
        out.status.success(),
        "curl {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The cookies of a curl cookie jar file (Netscape format) as
/// `(name, value)` pairs.
pub fn jar_cookies(jar: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(jar).unwrap_or_default();
    text.lines()
        .map(|l| l.strip_prefix("#HttpOnly_").unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.len() == 7).then(|| (fields[5].to_owned(), fields[6].to_owned()))
        })
        .collect()
}

/// Rewrites the value of cookie `name` in a curl cookie jar file with `f`.
pub fn tamper(jar: &Path, name: &str, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(jar).expect("read the cookie jar");
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut fields: Vec<String> = l.split('\t').map(str::to_owned).collect();
            if fields.len() == 7 && fields[5] == name {
                fields[6] = f(&fields[6]);
            }
            fields.join("\t")
        })
        .collect();
    std::fs::write(jar, lines.join("\n") + "\n").expect("write the cookie jar");
}
