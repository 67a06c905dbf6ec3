//! Content codings and the `Accept-Encoding` negotiation (RFC 9110
//! §12.5.3), shared by the static files (precompressed siblings) and the
//! compression middleware. Pure code over header values.

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding Harrow can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Brotli,
    Zstd,
}

impl Coding {
    /// The token in `Content-Encoding` and `Accept-Encoding`.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// The file name suffix of a precompressed sibling.
    #[cfg_attr(not(feature = "fs"), allow(dead_code))]
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Coding::Gzip => ".gz",
            Coding::Brotli => ".br",
            Coding::Zstd => ".zst",
        }
    }

    fn matches(self, token: &str) -> bool {
        token.eq_ignore_ascii_case(self.token())
            || (self == Coding::Gzip && token.eq_ignore_ascii_case("x-gzip"))
    }
}

/// A quality value in thousandths (RFC 9110 §12.4.2: `q=0.5` is 500).
type Quality = u16;

/// The coding to answer with: among `offered` (in the server's order of
/// preference, which breaks ties), the one the request's `Accept-Encoding`
/// rates highest; `None` for identity.
///
/// With no `Accept-Encoding` field, identity (the header's absence says
/// nothing useful about what the client decodes). A coding not listed is
/// unacceptable unless `*` rates it; identity, when rated (by name or by
/// `*`), wins over a coding rated lower. When identity is refused too
/// (`identity;q=0`) and no offered coding is acceptable, the answer is
/// still identity: the server may send it (RFC 9110 §12.5.3) rather than
/// a 406.
pub(crate) fn negotiate(headers: &HeaderMap, offered: &[Coding]) -> Option<Coding> {
    let mut fields = headers.get_all(ACCEPT_ENCODING).iter().peekable();
    fields.peek()?;
    let mut rated: Vec<(&str, Quality)> = Vec::new();
    for field in fields {
        let Ok(text) = field.to_str() else { continue };
        for item in text.split(',') {
            if let Some(entry) = parse_item(item) {
                rated.push(entry);
            }
        }
    }
    let star = rated.iter().find(|(t, _)| *t == "*").map(|&(_, q)| q);
    let quality_of = |coding: Coding| {
        rated
            .iter()
            .find(|(t, _)| coding.matches(t))
            .map(|&(_, q)| q)
            .or(star)
            .unwrap_or(0)
    };
    // Identity competes only when rated (itself or by `*`): a client that
    // lists codings without it prefers them.
    let identity = rated
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case("identity"))
        .map(|&(_, q)| q)
        .or(star);
    let mut best: Option<(Coding, Quality)> = None;
    for &coding in offered {
        let q = quality_of(coding);
        if q > 0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((coding, q));
        }
    }
    match best {
        Some((_, q)) if identity.is_some_and(|i| i > q) => None,
        Some((coding, _)) => Some(coding),
        None => None,
    }
}

/// One `coding[;q=value]` item; `None` when malformed (it is skipped).
fn parse_item(item: &str) -> Option<(&str, Quality)> {
    let mut parts = item.split(';');
    let token = parts.next()?.trim();
    if token.is_empty() {
        return None;
    }
    let mut q = 1000;
    for param in parts {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_quality(value.trim())?;
        }
    }
    Some((token, q))
}

/// RFC 9110 §12.4.2: `0[.ddd]` or `1[.000]`.
fn parse_quality(text: &str) -> Option<Quality> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: Quality = format!("{frac:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(ACCEPT_ENCODING, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn negotiation_table() {
        let all = [Zstd, Brotli, Gzip];
        let cases: &[(&[&str], &[Coding], Option<Coding>)] = &[
            (&[], &all, None),
            (&[""], &all, None),
            (&["gzip"], &all, Some(Gzip)),
            (&["x-gzip"], &all, Some(Gzip)),
            (&["GZIP"], &all, Some(Gzip)),
            (&["gzip, deflate, br, zstd"], &all, Some(Zstd)),
            (&["gzip, deflate, br"], &all, Some(Brotli)),
            (&["gzip;q=1.0, br;q=0.5"], &all, Some(Gzip)),
            (&["gzip;q=0.5, br;q=0.8"], &all, Some(Brotli)),
            (&["br;q=0"], &all, None),
            (&["*"], &all, Some(Zstd)),
            (&["*;q=0.5, zstd;q=0"], &all, Some(Brotli)),
            (&["gzip;q=0.5, identity"], &all, None),
            (&["gzip;q=0.5, identity;q=0.2"], &all, Some(Gzip)),
            (&["identity;q=0"], &all, None),
            (&["identity;q=0, *;q=0"], &all, None),
            (&["gzip;q=0.001"], &all, Some(Gzip)),
            (&["gzip;q=1.5"], &all, None),
            (&["gzip;q=0.1234"], &all, None),
            (&["gzip;q=abc, br"], &all, Some(Brotli)),
            (&["br", "gzip;q=0.5"], &all, Some(Brotli)),
            (&["deflate"], &all, None),
            (&["gzip, br"], &[Gzip], Some(Gzip)),
            (&["br"], &[Gzip], None),
            (&[" gzip ; q=0.7 , br ; q=0.6 "], &all, Some(Gzip)),
        ];
        for (values, offered, want) in cases {
            assert_eq!(
                negotiate(&headers(values), offered),
                *want,
                "{values:?} offered {offered:?}"
            );
        }
    }

    #[test]
    fn quality_values() {
        let cases = [
            ("1", Some(1000)),
            ("1.000", Some(1000)),
            ("1.001", None),
            ("0", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.", Some(0)),
            ("2", None),
            ("-1", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_quality(text), want, "{text:?}");
        }
    }
}
