//! Settings written as text, the way a config file or an environment
//! variable writes them: `"5s"`, `"off"`, `"2MiB"`, `"io_uring"`.
//!
//! [`Config::set`] is the one place that reads them, for the `HARROW_*`
//! variables of `#[harrow::main]` and for a `Config` deserialized from a
//! file (the `config-serde` feature).

use std::str::FromStr;
use std::time::Duration;

use super::{Config, ConfigError, Driver, Protocols};

impl Config {
    /// The names of the settings [`Config::set`] reads, as in the struct.
    pub const FIELDS: &'static [&'static str] = &[
        "max_connections",
        "max_h2_streams",
        "workers",
        "header_read_timeout",
        "body_read_timeout",
        "connection_timeout",
        "keep_alive_timeout",
        "write_timeout",
        "drain_timeout",
        "enable_http2",
        "protocols",
        "max_head_size",
        "max_headers",
        "max_uri_len",
        "max_body_size",
        "max_h2_header_list_size",
        "max_h2_frame_size",
        "h2_stream_window",
        "h2_connection_window",
        "driver",
        "read_buffer_size",
        "uring_entries",
        "uring_sqpoll",
        "request_span",
        "handle_signals",
        "tls_cert",
        "tls_key",
        "tls_client_ca",
        "tls_client_optional",
        "tls_handshake_timeout",
        "tls_max_handshakes",
        "tls_redirect_from",
    ];

    /// Sets the field named `field` from its text form:
    ///
    /// * durations: a number of seconds (`30`) or a number with a unit,
    ///   `ms`, `s`, `m` or `h` (`"500ms"`, `"5s"`, `"2m"`); the optional
    ///   timeouts and `uring_sqpoll` also take `"off"`;
    /// * sizes: a number of bytes (`1024`) or a number with a unit, `B`,
    ///   `KiB`, `MiB` or `GiB` (`"16KiB"`, `"2MiB"`);
    /// * `workers`: a number, or `"auto"` for one per CPU;
    /// * `driver`: `"auto"`, `"io_uring"` or `"epoll"`;
    /// * `protocols`: `"auto"`, `"http1"` or `"http2"`;
    /// * flags: `true` or `false`; counts: whole numbers;
    /// * `tls_cert`, `tls_key`: the PEM files of the certificate chain and
    ///   its key, which together turn HTTPS on; `tls_client_ca`: the PEM
    ///   file of the CAs client certificates must come from (they must show
    ///   one unless `tls_client_optional` is true); `tls_handshake_timeout`:
    ///   a duration; `tls_max_handshakes`: a count per worker;
    ///   `tls_redirect_from`: an address (`"0.0.0.0:80"`) where plain HTTP
    ///   is redirected to HTTPS. These need the `tls` feature.
    ///
    /// A value that does not read is an error naming the field and the
    /// value; ranges are checked by [`Config::validate`].
    ///
    /// ```
    /// use harrow_server::{Config, Driver};
    /// let mut config = Config::default();
    /// config.set("max_body_size", "8MiB")?;
    /// config.set("header_read_timeout", "off")?;
    /// config.set("driver", "epoll")?;
    /// assert_eq!(config.max_body_size, 8 * 1024 * 1024);
    /// assert_eq!(config.header_read_timeout, None);
    /// assert_eq!(config.driver, Driver::Epoll);
    ///
    /// let err = config.set("workers", "many").unwrap_err();
    /// assert_eq!(err.field(), "workers");
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid server configuration: `workers` is a whole number or \"auto\", not `many`"
    /// );
    /// # Ok::<(), harrow_server::ConfigError>(())
    /// ```
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), ConfigError> {
        let value = value.trim();
        let field_name = Config::FIELDS
            .iter()
            .find(|f| **f == field)
            .copied()
            .ok_or_else(|| {
                ConfigError::new(
                    field.to_owned(),
                    format!(
                        "is not a setting; the settings are {}",
                        Config::FIELDS.join(", ")
                    ),
                )
            })?;
        let err = |reason: String| ConfigError::new(field_name, reason);
        match field_name {
            "max_connections" => self.max_connections = count(value).map_err(err)?,
            "max_h2_streams" => self.max_h2_streams = count(value).map_err(err)?,
            "workers" => {
                self.workers = match value {
                    "auto" => None,
                    _ => Some(value.parse().map_err(|_| {
                        err(format!("is a whole number or \"auto\", not `{value}`"))
                    })?),
                }
            }
            "header_read_timeout" => self.header_read_timeout = timeout(value).map_err(err)?,
            "body_read_timeout" => self.body_read_timeout = timeout(value).map_err(err)?,
            "connection_timeout" => self.connection_timeout = timeout(value).map_err(err)?,
            "keep_alive_timeout" => self.keep_alive_timeout = timeout(value).map_err(err)?,
            "write_timeout" => self.write_timeout = timeout(value).map_err(err)?,
            "drain_timeout" => self.drain_timeout = duration(value).map_err(err)?,
            "enable_http2" => self.enable_http2 = flag(value).map_err(err)?,
            "protocols" => self.protocols = value.parse().map_err(err)?,
            "max_head_size" => self.max_head_size = size(value).map_err(err)?,
            "max_headers" => self.max_headers = count(value).map_err(err)?,
            "max_uri_len" => self.max_uri_len = size(value).map_err(err)?,
            "max_body_size" => self.max_body_size = size(value).map_err(err)?,
            "max_h2_header_list_size" => self.max_h2_header_list_size = size(value).map_err(err)?,
            "max_h2_frame_size" => self.max_h2_frame_size = size(value).map_err(err)?,
            "h2_stream_window" => self.h2_stream_window = size(value).map_err(err)?,
            "h2_connection_window" => self.h2_connection_window = size(value).map_err(err)?,
            "driver" => self.driver = value.parse().map_err(err)?,
            "read_buffer_size" => self.read_buffer_size = size(value).map_err(err)?,
            "uring_entries" => self.uring_entries = count(value).map_err(err)?,
            "uring_sqpoll" => self.uring_sqpoll = timeout(value).map_err(err)?,
            "request_span" => self.request_span = flag(value).map_err(err)?,
            "handle_signals" => self.handle_signals = flag(value).map_err(err)?,
            "tls_cert"
            | "tls_key"
            | "tls_client_ca"
            | "tls_client_optional"
            | "tls_handshake_timeout"
            | "tls_max_handshakes"
            | "tls_redirect_from" => self.set_tls(field_name, value).map_err(err)?,
            _ => return Err(err("is not a setting".into())),
        }
        Ok(())
    }
}

impl Config {
    /// Sets one of the `tls_*` settings.
    #[cfg(feature = "tls")]
    fn set_tls(&mut self, field: &str, value: &str) -> Result<(), String> {
        let tls = self
            .tls
            .get_or_insert_with(|| crate::TlsConfig::from_pem_files("", ""));
        match field {
            "tls_handshake_timeout" => tls.handshake_timeout = duration(value)?,
            "tls_max_handshakes" => tls.max_handshakes = count(value)?,
            _ => tls.set_text(field, value)?,
        }
        Ok(())
    }

    /// Refuses the `tls_*` settings in a build without TLS.
    #[cfg(not(feature = "tls"))]
    fn set_tls(&mut self, _field: &str, _value: &str) -> Result<(), String> {
        Err(super::NO_TLS.to_owned())
    }
}

/// Reads `"io_uring"`, `"epoll"` or `"auto"`.
impl FromStr for Driver {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Driver::Auto),
            "io_uring" => Ok(Driver::IoUring),
            "epoll" => Ok(Driver::Epoll),
            _ => Err(format!("is \"auto\", \"io_uring\" or \"epoll\", not `{s}`")),
        }
    }
}

/// Reads `"auto"`, `"http1"` or `"http2"`.
impl FromStr for Protocols {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Protocols::Auto),
            "http1" => Ok(Protocols::Http1Only),
            "http2" => Ok(Protocols::Http2Only),
            _ => Err(format!("is \"auto\", \"http1\" or \"http2\", not `{s}`")),
        }
    }
}

fn count<T: FromStr>(value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("is a whole number, not `{value}`"))
}

fn flag(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("is true or false, not `{value}`")),
    }
}

const DURATION_FORMS: &str = "a number of seconds or a number with a unit, as in \"500ms\", \
                              \"5s\", \"2m\", \"1h\"";

fn duration(value: &str) -> Result<Duration, String> {
    parse_duration(value).ok_or_else(|| format!("is {DURATION_FORMS}; `{value}` is not"))
}

fn timeout(value: &str) -> Result<Option<Duration>, String> {
    if value == "off" {
        return Ok(None);
    }
    parse_duration(value)
        .map(Some)
        .ok_or_else(|| format!("is {DURATION_FORMS}, or \"off\"; `{value}` is not"))
}

fn size<T: TryFrom<u64>>(value: &str) -> Result<T, String> {
    let bytes = parse_size(value).ok_or_else(|| {
        format!(
            "is a number of bytes or a number with a unit, as in \"512B\", \"16KiB\", \
             \"2MiB\", \"1GiB\"; `{value}` is not"
        )
    })?;
    T::try_from(bytes).map_err(|_| format!("`{value}` is too large"))
}

/// `"30"` (seconds), `"500ms"`, `"5s"`, `"2m"` or `"1h"`.
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let millis = match unit.trim_start() {
        "" | "s" => n.checked_mul(1000)?,
        "ms" => n,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(millis))
}

/// `"1024"` (bytes), `"512B"`, `"16KiB"`, `"2MiB"` or `"1GiB"`.
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_as_written() {
        let s = Duration::from_secs;
        assert_eq!(parse_duration("30"), Some(s(30)));
        assert_eq!(parse_duration("5s"), Some(s(5)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(s(120)));
        assert_eq!(parse_duration("1h"), Some(s(3600)));
        assert_eq!(parse_duration("5 s"), Some(s(5)));
        for bad in ["", "s", "1.5s", "5 seconds", "-1s", "5d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("512B"), Some(512));
        assert_eq!(parse_size("16KiB"), Some(16 * 1024));
        assert_eq!(parse_size("2MiB"), Some(2 << 20));
        assert_eq!(parse_size("8 MiB"), Some(8 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        for bad in ["", "MiB", "2MB", "2mib", "1.5MiB", "-1"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_field_is_set_from_text() {
        let mut c = Config::default();
        let values = [
            ("max_connections", "10"),
            ("max_h2_streams", "10"),
            ("workers", "3"),
            ("header_read_timeout", "2s"),
            ("body_read_timeout", "off"),
            ("connection_timeout", "1h"),
            ("keep_alive_timeout", "90"),
            ("write_timeout", "500ms"),
            ("drain_timeout", "9s"),
            ("enable_http2", "true"),
            ("protocols", "http1"),
            ("max_head_size", "32KiB"),
            ("max_headers", "50"),
            ("max_uri_len", "4KiB"),
            ("max_body_size", "8MiB"),
            ("max_h2_header_list_size", "32KiB"),
            ("max_h2_frame_size", "32KiB"),
            ("h2_stream_window", "2MiB"),
            ("h2_connection_window", "8MiB"),
            ("driver", "io_uring"),
            ("read_buffer_size", "16KiB"),
            ("uring_entries", "256"),
            ("uring_sqpoll", "1s"),
            ("request_span", "true"),
            ("handle_signals", "true"),
        ];
        let tls = [
            ("tls_cert", "cert.pem"),
            ("tls_key", "key.pem"),
            ("tls_client_ca", "clients.pem"),
            ("tls_client_optional", "true"),
            ("tls_handshake_timeout", "3s"),
            ("tls_max_handshakes", "64"),
            ("tls_redirect_from", "[::]:80"),
        ];
        assert_eq!(values.len() + tls.len(), Config::FIELDS.len());
        for (field, value) in values {
            c.set(field, value)
                .unwrap_or_else(|e| panic!("{field}={value}: {e}"));
        }
        for (field, value) in tls {
            let set = c.set(field, value);
            if cfg!(feature = "tls") {
                set.unwrap_or_else(|e| panic!("{field}={value}: {e}"));
            } else {
                let err = set.unwrap_err().to_string();
                assert!(err.contains("`tls` cargo feature"), "{err}");
            }
        }
        #[cfg(feature = "tls")]
        {
            let tls = c.tls.as_ref().expect("the tls_* settings make a TlsConfig");
            let (cert, key) = tls.files().expect("from files");
            assert_eq!(
                (cert.to_str(), key.to_str()),
                (Some("cert.pem"), Some("key.pem"))
            );
            assert_eq!(
                tls.client_auth_setting(),
                &crate::ClientAuth::Optional("clients.pem".into())
            );
            assert_eq!(tls.handshake_timeout, Duration::from_secs(3));
            assert_eq!(tls.max_handshakes, 64);
            assert_eq!(tls.redirect_from, Some("[::]:80".parse().unwrap()));
        }
        assert_eq!(c.workers, Some(3));
        assert_eq!(c.body_read_timeout, None);
        assert_eq!(c.keep_alive_timeout, Some(Duration::from_secs(90)));
        assert_eq!(c.protocols, Protocols::Http1Only);
        assert_eq!(c.max_body_size, 8 << 20);
        assert_eq!(c.driver, Driver::IoUring);
        assert_eq!(c.uring_sqpoll, Some(Duration::from_secs(1)));
        assert!(c.request_span);
        assert!(c.handle_signals);
        c.set("workers", "auto").unwrap();
        assert_eq!(c.workers, None);
    }

    #[test]
    fn a_bad_value_names_the_field_and_the_value() {
        let mut c = Config::default();
        let cases = [
            (
                "max_body_size",
                "2MB",
                "`max_body_size` is a number of bytes",
            ),
            (
                "drain_timeout",
                "off",
                "`drain_timeout` is a number of seconds",
            ),
            ("header_read_timeout", "soon", "or \"off\"; `soon` is not"),
            (
                "driver",
                "uring",
                "`driver` is \"auto\", \"io_uring\" or \"epoll\", not `uring`",
            ),
            ("protocols", "h2", "not `h2`"),
            (
                "enable_http2",
                "yes",
                "`enable_http2` is true or false, not `yes`",
            ),
            ("max_h2_frame_size", "8GiB", "`8GiB` is too large"),
            ("wokers", "2", "`wokers` is not a setting"),
        ];
        for (field, value, message) in cases {
            let err = c.set(field, value).unwrap_err();
            assert_eq!(err.field(), field);
            assert!(err.to_string().contains(message), "{field}: {err}");
        }
    }
}
