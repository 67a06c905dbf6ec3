//! "Did you mean …?": the closest of a few known names to a misspelt one.

/// The candidate closest to `word` by edit distance, when it is close
/// enough to be a likely typo: at most a third of the word's length apart
/// (and at least one edit allowed).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance counting a swap of two neighbouring characters as one
/// edit (optimal string alignment): the fewest insertions, deletions,
/// substitutions and swaps turning `a` into `b`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_found_and_strangers_are_not() {
        let keys = ["addr", "workers", "http2", "max_connections"];
        assert_eq!(closest("worker", keys), Some("workers"));
        assert_eq!(closest("adr", keys), Some("addr"));
        assert_eq!(closest("max_conections", keys), Some("max_connections"));
        assert_eq!(closest("port", keys), None);
        assert_eq!(closest("idd", ["id", "q"]), Some("id"));
        assert_eq!(closest("x", ["id"]), None);
        assert_eq!(closest("GTE", ["GET", "PUT"]), Some("GET"));
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "ab"), 2);
    }
}
