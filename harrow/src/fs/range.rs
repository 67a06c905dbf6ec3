//! `Range: bytes=...` (RFC 9110 §14.1–14.2) against a representation of a
//! known length. Pure code.

/// What a `Range` field asks of a representation of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ranges {
    /// Send the whole representation: no field, a field that does not
    /// parse or names another unit (ignored, §14.2), or several ranges that
    /// do not merge into one (answered whole rather than as
    /// `multipart/byteranges`).
    Whole,
    /// One range, `start..=end`, within the representation: a 206.
    One {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// No range overlaps the representation: a 416 (§15.5.17).
    Unsatisfiable,
}

/// More ranges than this in one field are not worth merging: the field is
/// answered with the whole representation.
const MAX_RANGES: usize = 64;

/// Reads a `Range` field value for a representation of `len` bytes.
pub(crate) fn parse(value: &str, len: u64) -> Ranges {
    let Some((unit, set)) = value.split_once('=') else {
        return Ranges::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Ranges::Whole;
    }
    let mut wanted: Vec<(u64, u64)> = Vec::new();
    let mut specs = 0;
    for spec in set.split(',') {
        let spec = spec.trim();
        // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
        if spec.is_empty() {
            continue;
        }
        specs += 1;
        if specs > MAX_RANGES {
            return Ranges::Whole;
        }
        match parse_spec(spec, len) {
            Spec::Invalid => return Ranges::Whole,
            Spec::Unsatisfiable => {}
            Spec::Range(start, end) => wanted.push((start, end)),
        }
    }
    if specs == 0 {
        return Ranges::Whole;
    }
    if wanted.is_empty() {
        return Ranges::Unsatisfiable;
    }
    wanted.sort_unstable();
    let (start, mut end) = wanted[0];
    for &(s, e) in &wanted[1..] {
        // Overlapping or adjacent ranges merge into one.
        if s > end.saturating_add(1) {
            return Ranges::Whole;
        }
        end = end.max(e);
    }
    Ranges::One { start, end }
}

enum Spec {
    Range(u64, u64),
    Unsatisfiable,
    Invalid,
}

/// One `first-last`, `first-` or `-suffix`.
fn parse_spec(spec: &str, len: u64) -> Spec {
    let Some((first, last)) = spec.split_once('-') else {
        return Spec::Invalid;
    };
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Digits past u64 are a range no file reaches.
        Some(s.parse().unwrap_or(u64::MAX))
    };
    if first.is_empty() {
        let Some(suffix) = number(last) else {
            return Spec::Invalid;
        };
        if suffix == 0 || len == 0 {
            return Spec::Unsatisfiable;
        }
        return Spec::Range(len.saturating_sub(suffix), len - 1);
    }
    let Some(start) = number(first) else {
        return Spec::Invalid;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match number(last) {
            Some(end) if end >= start => end,
            _ => return Spec::Invalid,
        }
    };
    if start >= len {
        return Spec::Unsatisfiable;
    }
    Spec::Range(start, end.min(len - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ranges::*;

    #[test]
    fn range_table() {
        let one = |start, end| One { start, end };
        let cases: &[(&str, u64, Ranges)] = &[
            ("bytes=0-0", 100, one(0, 0)),
            ("bytes=0-99", 100, one(0, 99)),
            ("bytes=0-499", 100, one(0, 99)),
            ("bytes=10-", 100, one(10, 99)),
            ("bytes=-10", 100, one(90, 99)),
            ("bytes=-500", 100, one(0, 99)),
            ("BYTES = 5-6", 100, one(5, 6)),
            ("bytes=99-", 100, one(99, 99)),
            ("bytes=100-", 100, Unsatisfiable),
            ("bytes=100-200", 100, Unsatisfiable),
            ("bytes=-0", 100, Unsatisfiable),
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=-5", 0, Unsatisfiable),
            ("bytes=200-300, 5-9", 100, one(5, 9)),
            ("bytes=0-4, 5-9", 100, one(0, 9)),
            ("bytes=0-5, 3-9, ", 100, one(0, 9)),
            ("bytes=0-4, 10-14", 100, Whole),
            ("bytes=5-4", 100, Whole),
            ("bytes=a-b", 100, Whole),
            ("bytes=1", 100, Whole),
            ("bytes=", 100, Whole),
            ("bytes=--1", 100, Whole),
            ("bytes=+1-2", 100, Whole),
            ("items=0-5", 100, Whole),
            ("0-5", 100, Whole),
            ("bytes=0-99999999999999999999999", 100, one(0, 99)),
            ("bytes=99999999999999999999999-", 100, Unsatisfiable),
        ];
        for (value, len, want) in cases {
            assert_eq!(parse(value, *len), *want, "{value:?} of {len}");
        }
    }

    #[test]
    fn too_many_ranges_are_answered_whole() {
        let many: Vec<String> = (0..=MAX_RANGES).map(|i| format!("{i}-{i}")).collect();
        assert_eq!(parse(&format!("bytes={}", many.join(",")), 1000), Whole);
    }
}
