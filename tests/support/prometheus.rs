//! A strict reader of the Prometheus text exposition format (0.0.4), for
//! the metrics tests: it refuses what a Prometheus server would refuse
//! (a sample before its family's `# TYPE`, a malformed label, a value that
//! is no number, a repeated series) and checks each histogram's shape
//! (cumulative buckets ending in `+Inf`, equal to `_count`).

use std::collections::{BTreeMap, HashMap};

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric name, with any `_bucket`, `_sum` or `_count` suffix.
    pub name: String,
    /// The labels, by name.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

/// A parsed page: the families' types and every sample, in order.
#[derive(Debug, Default)]
pub struct Exposition {
    /// `# TYPE` of each family.
    pub types: HashMap<String, String>,
    /// The samples.
    pub samples: Vec<Sample>,
}

impl Exposition {
    /// Parses `text`, or says what is wrong with it and on which line.
    pub fn parse(text: &str) -> Result<Exposition, String> {
        let mut page = Exposition::default();
        let mut seen = std::collections::HashSet::new();
        for (n, line) in text.lines().enumerate() {
            let at = |what: String| format!("line {}: {what}: {line:?}", n + 1);
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.trim_start().splitn(3, ' ');
                match (words.next(), words.next(), words.next()) {
                    (Some("TYPE"), Some(name), Some(kind)) => {
                        valid_name(name).map_err(at)?;
                        if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind)
                        {
                            return Err(at(format!("unknown type {kind}")));
                        }
                        if page
                            .samples
                            .iter()
                            .any(|s| family_of(&s.name, &page.types) == name)
                        {
                            return Err(at("TYPE after the family's samples".into()));
                        }
                        if page.types.insert(name.into(), kind.into()).is_some() {
                            return Err(at("a second TYPE".into()));
                        }
                    }
                    (Some("HELP"), Some(name), _) => valid_name(name).map_err(at)?,
                    _ => {}
                }
                continue;
            }
            let sample = parse_sample(line).map_err(at)?;
            let family = family_of(&sample.name, &page.types);
            if !page.types.contains_key(family) {
                return Err(at(format!("no TYPE for {family}")));
            }
            if !seen.insert((sample.name.clone(), sample.labels.clone())) {
                return Err(at("a repeated series".into()));
            }
            page.samples.push(sample);
        }
        page.check_histograms()?;
        Ok(page)
    }

    /// The value of the one sample named `name` with exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// The samples named `name`.
    pub fn named<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a Sample> + 'n
    where
        'a: 'n,
    {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The sum of the samples named `name`.
    pub fn sum(&self, name: &str) -> f64 {
        self.named(name).map(|s| s.value).sum()
    }

    fn check_histograms(&self) -> Result<(), String> {
        for (family, kind) in &self.types {
            if kind != "histogram" {
                continue;
            }
            let bucket = format!("{family}_bucket");
            let mut by_series: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> =
                BTreeMap::new();
            for s in self.named(&bucket) {
                let mut labels = s.labels.clone();
                let le = labels.remove("le").ok_or(format!("{bucket} without le"))?;
                let le = parse_value(&le)?;
                by_series.entry(labels).or_default().push((le, s.value));
            }
            for (labels, buckets) in by_series {
                let pairs: Vec<(&str, &str)> = labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let count = self
                    .value(&format!("{family}_count"), &pairs)
                    .ok_or(format!("{family} {labels:?} has no _count"))?;
                self.value(&format!("{family}_sum"), &pairs)
                    .ok_or(format!("{family} {labels:?} has no _sum"))?;
                let ordered = buckets
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
                let last = buckets.last().copied().unwrap_or((0.0, 0.0));
                if !ordered || last.0 != f64::INFINITY || last.1 != count {
                    return Err(format!(
                        "{family} {labels:?}: bad buckets {buckets:?}, count {count}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The family a sample belongs to: its name, less a histogram's suffix.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && types
                .get(base)
                .is_some_and(|t| t == "histogram" || t == "summary")
        {
            return base;
        }
    }
    name
}

fn valid_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("invalid metric name {name:?}"))
    }
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("not a number: {text:?}")),
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or_else(|| "no value".to_owned())?;
    let name = &line[..name_end];
    valid_name(name)?;
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let mut end = None;
        loop {
            match chars.peek() {
                Some((i, '}')) => {
                    end = Some(*i);
                    break;
                }
                None => break,
                _ => {}
            }
            let mut key = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                key.push(c);
            }
            valid_name(&key).map_err(|_| format!("invalid label name {key:?}"))?;
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label {key} has no opening quote"));
            }
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => return Err(format!("bad escape {other:?} in label {key}")),
                    },
                    '\n' => return Err(format!("raw line feed in label {key}")),
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("label {key} is not closed"));
            }
            if labels.insert(key.clone(), value).is_some() {
                return Err(format!("label {key} twice"));
            }
            if let Some((_, ',')) = chars.peek() {
                chars.next();
            }
        }
        let end = end.ok_or_else(|| "labels not closed".to_owned())?;
        rest = &after[end + 1..];
    }
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next().ok_or_else(|| "no value".to_owned())?)?;
    if let Some(ts) = fields.next() {
        ts.parse::<i64>()
            .map_err(|_| format!("bad timestamp {ts:?}"))?;
    }
    if fields.next().is_some() {
        return Err("text after the value".into());
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_samples_with_escaped_labels() {
        let page = Exposition::parse(
            "# HELP a_total Things.\n# TYPE a_total counter\n\
             a_total{path=\"/x\\\"y\\\\z\\n\",code=\"200\"} 3\n",
        )
        .unwrap();
        assert_eq!(
            page.value("a_total", &[("path", "/x\"y\\z\n"), ("code", "200")]),
            Some(3.0)
        );
    }

    #[test]
    fn refuses_what_prometheus_refuses() {
        let bad = [
            "a 1\n",
            "# TYPE a counter\na{b=\"1\" 1\n",
            "# TYPE a counter\na{b=1} 1\n",
            "# TYPE a counter\na one\n",
            "# TYPE a counter\na 1\na 2\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
        ];
        for text in bad {
            assert!(Exposition::parse(text).is_err(), "accepted {text:?}");
        }
    }
}
