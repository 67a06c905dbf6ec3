//! Spotting a pseudo-header field in an HPACK-encoded trailer block
//! (RFC 9113 §8.1: trailers must not carry one; RFC 7541 for the encoding).
//!
//! `h2` decodes the block and silently drops such fields, so the request is
//! served as if they were absent; this scan lets the connection refuse it as
//! the RFC asks. It reads the field representations without decoding them:
//! a field is a pseudo-header when its name is one of the static table's
//! pseudo-header entries (indices 1 to 14) or a literal name starting with
//! `:`, sent raw or Huffman-coded. A name taken from the dynamic table is
//! not resolved (that needs the connection's whole HPACK state, which only
//! `h2` keeps); such a field is still dropped by `h2`, so nothing reads it.

/// The static table's pseudo-header entries: `:authority`, `:method`,
/// `:path`, `:scheme` and `:status` (RFC 7541 Appendix A).
const STATIC_PSEUDO: std::ops::RangeInclusive<u64> = 1..=14;
/// The Huffman code of `:` (RFC 7541 Appendix B): seven bits, `1011100`.
const HUFFMAN_COLON: u8 = 0b101_1100;

/// Whether `block` (a whole field block) holds a pseudo-header field that
/// can be told without the dynamic table. A block that does not parse is
/// left to `h2`, which refuses it.
pub(crate) fn pseudo_field_in(mut block: &[u8]) -> bool {
    while let Some(&first) = block.first() {
        let (name_index, literal) = if first & 0x80 != 0 {
            // §6.1: an indexed field.
            match integer(&mut block, 7) {
                Some(i) => (i, false),
                None => return false,
            }
        } else if first & 0xc0 == 0x40 {
            // §6.2.1: a literal with incremental indexing.
            match integer(&mut block, 6) {
                Some(i) => (i, true),
                None => return false,
            }
        } else if first & 0xe0 == 0x20 {
            // §6.3: a dynamic table size update.
            if integer(&mut block, 5).is_none() {
                return false;
            }
            continue;
        } else {
            // §6.2.2 and §6.2.3: a literal without indexing, or never indexed.
            match integer(&mut block, 4) {
                Some(i) => (i, true),
                None => return false,
            }
        };
        if STATIC_PSEUDO.contains(&name_index) {
            return true;
        }
        if !literal {
            continue;
        }
        if name_index == 0 {
            // §6.2: a new name, as a string literal.
            match string(&mut block) {
                Some((name, huffman)) if starts_with_colon(name, huffman) => return true,
                Some(_) => {}
                None => return false,
            }
        }
        if string(&mut block).is_none() {
            return false;
        }
    }
    false
}

fn starts_with_colon(name: &[u8], huffman: bool) -> bool {
    match name.first() {
        Some(&b) if huffman => b >> 1 == HUFFMAN_COLON,
        Some(&b) => b == b':',
        None => false,
    }
}

/// §5.1: an integer with an `n`-bit prefix, consumed from `block`.
fn integer(block: &mut &[u8], n: u32) -> Option<u64> {
    let (&first, mut rest) = block.split_first()?;
    let max = (1u64 << n) - 1;
    let mut value = u64::from(first) & max;
    if value == max {
        let mut shift = 0u32;
        loop {
            let (&b, tail) = rest.split_first()?;
            rest = tail;
            if shift > 56 {
                return None;
            }
            value += u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    *block = rest;
    Some(value)
}

/// §5.2: a string literal, consumed from `block`; its bytes and whether
/// they are Huffman-coded.
fn string<'a>(block: &mut &'a [u8]) -> Option<(&'a [u8], bool)> {
    let huffman = block.first()? & 0x80 != 0;
    let len = usize::try_from(integer(block, 7)?).ok()?;
    if block.len() < len {
        return None;
    }
    let (s, rest) = block.split_at(len);
    *block = rest;
    Some((s, huffman))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_fields_table() {
        let cases: &[(&[u8], bool, &str)] = &[
            (b"", false, "an empty block"),
            (b"\x00\x03x-t\x011", false, "a literal regular field"),
            (
                b"\x0f\x10\x03abc",
                false,
                "a literal with static name 31 (content-type)",
            ),
            (b"\xbe", false, "an indexed dynamic entry (62)"),
            (b"\x82", true, "indexed :method GET"),
            (b"\x88", true, "indexed :status 200"),
            (b"\x8e", true, "indexed :status 500"),
            (b"\x8f", false, "indexed accept-charset (15)"),
            (b"\x44\x02/x", true, "literal, indexed name :path"),
            (b"\x14\x01y", true, "never indexed, name :path"),
            (b"\x01\x01y", true, "without indexing, name :authority"),
            (
                b"\x40\x04:foo\x01v",
                true,
                "a raw literal name starting with a colon",
            ),
            (
                b"\x40\x84\xb9\x58\xd3\x3f\x01v",
                true,
                "a Huffman name `:path`",
            ),
            (b"\x40\x82\x94\xe7\x01v", false, "a Huffman name `foo`"),
            (b"\x3f\xe1\x1f\x82", true, "a size update, then :method"),
            (
                b"\x00\x03x-t\x011\x83",
                true,
                "a regular field, then :method POST",
            ),
            (b"\x00\x05x-t", false, "a truncated literal is left to h2"),
            (b"\xff", false, "a truncated integer is left to h2"),
        ];
        for (block, want, what) in cases {
            assert_eq!(pseudo_field_in(block), *want, "{what}");
        }
    }

    #[test]
    fn integers_follow_rfc7541_examples() {
        // C.1.1: 10 with a 5-bit prefix; C.1.2: 1337 with a 5-bit prefix.
        let mut b: &[u8] = &[0b0000_1010];
        assert_eq!(integer(&mut b, 5), Some(10));
        let mut b: &[u8] = &[0b0001_1111, 0b1001_1010, 0b0000_1010];
        assert_eq!(integer(&mut b, 5), Some(1337));
        assert!(b.is_empty());
    }
}
