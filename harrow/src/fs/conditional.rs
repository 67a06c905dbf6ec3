//! Validators and conditional requests (RFC 9110 §8.8, §13): entity tags,
//! `Last-Modified`, and the order in which `If-Match`,
//! `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` and
//! `If-Range` are evaluated. Pure code over header values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, IF_UNMODIFIED_SINCE};
use http::{HeaderMap, HeaderValue, Method};

/// A representation's validators: its entity tag and, when known, its
/// modification time (whole seconds, as HTTP dates carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validators {
    /// The entity tag with its quotes, `"..."` or `W/"..."`.
    pub(crate) etag: String,
    pub(crate) modified: Option<SystemTime>,
}

impl Validators {
    /// The validators of a file: a strong tag made of its modification
    /// time (to the nanosecond) and length, marked with the coding of a
    /// precompressed sibling (`tag_suffix`) so that each variant has its own.
    pub(crate) fn of_file(len: u64, modified: Option<SystemTime>, tag_suffix: &str) -> Self {
        let since = modified
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        let etag = format!(
            "\"{:x}.{:x}-{len:x}{tag_suffix}\"",
            since.as_secs(),
            since.subsec_nanos()
        );
        Validators {
            etag,
            modified: modified.map(whole_seconds),
        }
    }

    /// `Last-Modified`, when the time is known.
    pub(crate) fn last_modified(&self) -> Option<HeaderValue> {
        let text = httpdate::fmt_http_date(self.modified?);
        HeaderValue::from_str(&text).ok()
    }

    /// `ETag`.
    pub(crate) fn etag_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.etag).ok()
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

/// The outcome of a request's preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Answer normally.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// RFC 9110 §13.2.2: the preconditions in their order.
pub(crate) fn evaluate(method: &Method, headers: &HeaderMap, v: &Validators) -> Precondition {
    let get_or_head = method == Method::GET || method == Method::HEAD;
    // Step 1 and 2: If-Match, or else If-Unmodified-Since.
    if let Some(value) = joined(headers, &IF_MATCH) {
        if !tag_list_matches(&value, &v.etag, Comparison::Strong) {
            return Precondition::Failed;
        }
    } else if let Some(since) = date(headers, &IF_UNMODIFIED_SINCE)
        && let Some(modified) = v.modified
        && modified > since
    {
        return Precondition::Failed;
    }
    // Step 3 and 4: If-None-Match, or else If-Modified-Since (GET, HEAD).
    if let Some(value) = joined(headers, &IF_NONE_MATCH) {
        if tag_list_matches(&value, &v.etag, Comparison::Weak) {
            return if get_or_head {
                Precondition::NotModified
            } else {
                Precondition::Failed
            };
        }
    } else if get_or_head
        && let Some(since) = date(headers, &IF_MODIFIED_SINCE)
        && let Some(modified) = v.modified
        && modified <= since
    {
        return Precondition::NotModified;
    }
    Precondition::Proceed
}

/// RFC 9110 §13.1.5: whether a `Range` may be honoured: yes without
/// `If-Range`, else only when its tag matches strongly or its date is
/// exactly the modification time.
pub(crate) fn range_allowed(headers: &HeaderMap, v: &Validators) -> bool {
    let Some(value) = headers.get(IF_RANGE) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let text = text.trim();
    if text.starts_with('"') || text.starts_with("W/") {
        return strong_eq(text, &v.etag);
    }
    match (httpdate::parse_http_date(text), v.modified) {
        (Ok(date), Some(modified)) => date == modified,
        _ => false,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Strong,
    Weak,
}

/// Whether a field value (`*` or a list of entity tags) names `etag`.
fn tag_list_matches(value: &str, etag: &str, how: Comparison) -> bool {
    if value.trim() == "*" {
        return true;
    }
    value.split(',').map(str::trim).any(|tag| match how {
        Comparison::Strong => strong_eq(tag, etag),
        Comparison::Weak => opaque(tag).is_some() && opaque(tag) == opaque(etag),
    })
}

/// §8.8.3.2: both strong and their opaque parts equal.
fn strong_eq(a: &str, b: &str) -> bool {
    !a.starts_with("W/") && !b.starts_with("W/") && opaque(a).is_some() && opaque(a) == opaque(b)
}

/// The quoted part of an entity tag, without the weakness mark; `None`
/// when it is not a well-formed tag.
fn opaque(tag: &str) -> Option<&str> {
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"')).then_some(inner)
}

/// Every line of a list field, joined with commas (§5.3).
fn joined(headers: &HeaderMap, name: &http::HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    let parts: Vec<&str> = values.filter_map(|v| v.to_str().ok()).collect();
    Some(parts.join(","))
}

/// A date field; `None` when absent, repeated or not an HTTP-date (the
/// field is then ignored, §13.1.3–13.1.4).
fn date(headers: &HeaderMap, name: &http::HeaderName) -> Option<SystemTime> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Precondition::*;

    const MODIFIED: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const EARLIER: &str = "Sat, 05 Nov 1994 08:49:37 GMT";
    const LATER: &str = "Mon, 07 Nov 1994 08:49:37 GMT";

    fn validators() -> Validators {
        let modified = httpdate::parse_http_date(MODIFIED).unwrap() + Duration::from_millis(300);
        Validators {
            etag: "\"v1\"".into(),
            modified: Some(whole_seconds(modified)),
        }
    }

    fn headers(fields: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in fields {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn preconditions_table() {
        let get = Method::GET;
        let put = Method::PUT;
        type Case<'a> = (
            &'a Method,
            &'static [(&'static str, &'static str)],
            Precondition,
        );
        let cases: &[Case] = &[
            (&get, &[], Proceed),
            // If-None-Match: weak comparison, 304 for GET and HEAD, 412 else.
            (&get, &[("if-none-match", "\"v1\"")], NotModified),
            (&get, &[("if-none-match", "W/\"v1\"")], NotModified),
            (&get, &[("if-none-match", "\"v0\", \"v1\"")], NotModified),
            (
                &get,
                &[("if-none-match", "\"v0\""), ("if-none-match", "\"v1\"")],
                NotModified,
            ),
            (&get, &[("if-none-match", "*")], NotModified),
            (&get, &[("if-none-match", "\"v2\"")], Proceed),
            (&get, &[("if-none-match", "v1")], Proceed),
            (&Method::HEAD, &[("if-none-match", "\"v1\"")], NotModified),
            (&put, &[("if-none-match", "\"v1\"")], Failed),
            (&put, &[("if-none-match", "*")], Failed),
            // If-Modified-Since: only without If-None-Match, only GET/HEAD.
            (&get, &[("if-modified-since", MODIFIED)], NotModified),
            (&get, &[("if-modified-since", LATER)], NotModified),
            (&get, &[("if-modified-since", EARLIER)], Proceed),
            (&get, &[("if-modified-since", "yesterday")], Proceed),
            (
                &get,
                &[
                    ("if-modified-since", MODIFIED),
                    ("if-modified-since", MODIFIED),
                ],
                Proceed,
            ),
            (&put, &[("if-modified-since", MODIFIED)], Proceed),
            (
                &get,
                &[("if-none-match", "\"v2\""), ("if-modified-since", MODIFIED)],
                Proceed,
            ),
            // If-Match: strong comparison; 412 when it fails.
            (&get, &[("if-match", "\"v1\"")], Proceed),
            (&get, &[("if-match", "*")], Proceed),
            (&get, &[("if-match", "\"v2\"")], Failed),
            (&get, &[("if-match", "W/\"v1\"")], Failed),
            (&put, &[("if-match", "\"v0\", \"v1\"")], Proceed),
            // If-Unmodified-Since: only without If-Match.
            (&get, &[("if-unmodified-since", MODIFIED)], Proceed),
            (&get, &[("if-unmodified-since", LATER)], Proceed),
            (&get, &[("if-unmodified-since", EARLIER)], Failed),
            (&get, &[("if-unmodified-since", "not a date")], Proceed),
            (
                &get,
                &[("if-match", "\"v1\""), ("if-unmodified-since", EARLIER)],
                Proceed,
            ),
            // If-Match is evaluated before If-None-Match.
            (
                &get,
                &[("if-match", "\"v2\""), ("if-none-match", "\"v1\"")],
                Failed,
            ),
            (
                &get,
                &[("if-match", "\"v1\""), ("if-none-match", "\"v1\"")],
                NotModified,
            ),
            (
                &get,
                &[
                    ("if-unmodified-since", EARLIER),
                    ("if-none-match", "\"v1\""),
                ],
                Failed,
            ),
        ];
        for (method, fields, want) in cases {
            assert_eq!(
                evaluate(method, &headers(fields), &validators()),
                *want,
                "{method} {fields:?}"
            );
        }
    }

    #[test]
    fn if_range_table() {
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], true),
            (&[("if-range", "\"v1\"")], true),
            (&[("if-range", "\"v2\"")], false),
            (&[("if-range", "W/\"v1\"")], false),
            (&[("if-range", MODIFIED)], true),
            (&[("if-range", LATER)], false),
            (&[("if-range", EARLIER)], false),
            (&[("if-range", "garbage")], false),
        ];
        for (fields, want) in cases {
            assert_eq!(
                range_allowed(&headers(fields), &validators()),
                *want,
                "{fields:?}"
            );
        }
    }

    #[test]
    fn file_validators() {
        let t = UNIX_EPOCH + Duration::new(784_111_777, 5);
        let v = Validators::of_file(300, Some(t), "");
        assert_eq!(v.etag, "\"2ebc98a1.5-12c\"");
        assert_eq!(v.last_modified().unwrap(), MODIFIED);
        assert_eq!(
            Validators::of_file(300, Some(t), "-br").etag,
            "\"2ebc98a1.5-12c-br\""
        );
        let unknown = Validators::of_file(0, None, "");
        assert_eq!(unknown.last_modified(), None);
    }
}
