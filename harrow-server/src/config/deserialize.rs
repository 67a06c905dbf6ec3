//! `Config` from a file: serde's `Deserialize`, behind the `config-serde`
//! feature. Every field takes its text form ([`Config::set`]) or a plain
//! number or boolean; the fields left out keep their defaults; an unknown or
//! repeated field is refused; the result is checked with
//! [`Config::validate`]. Every error names the field.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::Config;

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Config", Config::FIELDS, ConfigVisitor)
    }
}

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = Config;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of server settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Config, A::Error> {
        let mut config = Config::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(field) = map.next_key::<String>()? {
            let Some(&known) = Config::FIELDS.iter().find(|f| **f == field) else {
                return Err(de::Error::unknown_field(&field, Config::FIELDS));
            };
            if seen.contains(&field) {
                return Err(de::Error::duplicate_field(known));
            }
            let Text(value) = map
                .next_value()
                .map_err(|e| de::Error::custom(format_args!("`{known}`: {e}")))?;
            config.set(known, &value).map_err(de::Error::custom)?;
            seen.push(field);
        }
        config.validate().map_err(de::Error::custom)?;
        Ok(config)
    }
}

/// One field's value as text: a string as written, a number or a boolean
/// in decimal or `true`/`false`.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a whole number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{Driver, Protocols};

    #[test]
    fn a_toml_file_sets_what_it_names_and_keeps_the_defaults() {
        let config: Config = toml::from_str(
            r#"
            workers = 4
            max_body_size = "8MiB"
            header_read_timeout = "2s"
            keep_alive_timeout = "off"
            drain_timeout = 10
            driver = "epoll"
            protocols = "http1"
            request_span = true
            "#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.workers, Some(4));
        assert_eq!(config.max_body_size, 8 << 20);
        assert_eq!(config.header_read_timeout, Some(Duration::from_secs(2)));
        assert_eq!(config.keep_alive_timeout, None);
        assert_eq!(config.drain_timeout, Duration::from_secs(10));
        assert_eq!(config.driver, Driver::Epoll);
        assert_eq!(config.protocols, Protocols::Http1Only);
        assert!(config.request_span);
        assert_eq!(config.max_connections, Config::default().max_connections);
    }

    #[test]
    fn json_works_the_same() {
        let config: Config =
            serde_json::from_str(r#"{"max_connections": 100, "write_timeout": "30s"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.max_connections, 100);
        assert_eq!(config.write_timeout, Some(Duration::from_secs(30)));
    }

    #[test]
    fn every_error_names_the_field() {
        let cases = [
            ("max_body_sise = \"2MiB\"", "unknown field `max_body_sise`"),
            (
                "max_body_size = \"2MB\"",
                "`max_body_size` is a number of bytes or a number with a unit",
            ),
            (
                "header_read_timeout = \"soon\"",
                "`header_read_timeout` is a number",
            ),
            ("workers = 5000", "`workers` must be at most 1024"),
            ("workers = 2\nworkers = 3", "workers"),
            (
                "driver = [\"epoll\"]",
                "`driver`: invalid type: sequence, expected a string",
            ),
        ];
        for (file, message) in cases {
            let err = toml::from_str::<Config>(file)
                .map(|_| ())
                .expect_err(file)
                .to_string();
            assert!(err.contains(message), "{file}: {err}");
        }
    }
}
