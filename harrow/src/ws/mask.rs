//! Unmasking a client frame's payload in place (RFC 6455 §5.3), eight
//! bytes at a time: the byte-wise loop was 13% of a 64 KiB echo's
//! user-space time.

/// XORs `payload` with the four-byte `mask`, repeated from the payload's
/// first byte (§5.3: octet i is XORed with octet i mod 4 of the key).
///
/// The mask is widened to a `u64` and applied to whole eight-byte chunks,
/// which the compiler turns into vector instructions; the chunks are read
/// and written through byte arrays, so the payload's alignment does not
/// matter. The last 0–7 bytes take the byte-wise path.
pub(super) fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word: [u8; 8] = (&*chunk).try_into().unwrap_or([0; 8]);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // Whole chunks are multiples of four bytes, so the tail starts at
    // octet 0 of the key again.
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytewise(payload: &mut [u8], mask: [u8; 4]) {
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
    }

    #[test]
    fn matches_the_bytewise_definition_at_every_alignment_and_length() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let source: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for start in 0..16 {
            for len in 0..(200 - start) {
                let mut fast = source.clone();
                let mut slow = source.clone();
                unmask(&mut fast[start..start + len], mask);
                bytewise(&mut slow[start..start + len], mask);
                assert_eq!(fast, slow, "start {start}, length {len}");
            }
        }
    }

    #[test]
    fn unmasking_twice_gives_the_payload_back() {
        let mask = [1, 2, 3, 4];
        let original: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut payload = original.clone();
        unmask(&mut payload, mask);
        assert_ne!(payload, original);
        unmask(&mut payload, mask);
        assert_eq!(payload, original);
    }
}
