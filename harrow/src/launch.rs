//! What `#[harrow::main]` expands to a call of: the attribute's settings
//! ([`MainArgs`]), the `HARROW_*` environment variables over them
//! ([`MainArgs::resolve`]), and the start with its exit path ([`main`]).
//! The attribute is sugar over these: a hand-written `main` does the same.
//!
//! ```no_run
//! use harrow::launch::{MainArgs, main};
//! use harrow::App;
//!
//! async fn hello() -> &'static str {
//!     "Hello, world!"
//! }
//!
//! fn app() -> App {
//!     App::new().get("/hello", hello)
//! }
//!
//! fn main_by_hand() {
//!     // As `#[harrow::main(addr = "0.0.0.0:8080", workers = 2)]` on `app`.
//!     let args = MainArgs {
//!         addr: Some("0.0.0.0:8080"),
//!         workers: Some(2),
//!         ..MainArgs::default()
//!     };
//!     main(app, args)
//! }
//! # main_by_hand();
//! ```

use std::time::Duration;

use crate::{App, Config, Driver, Protocols};

/// The address `#[harrow::main]` serves on when neither the attribute nor
/// `HARROW_ADDR` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// Each setting `#[harrow::main]` apps read from the environment but
/// `addr`, with the [`Config`] field it sets; its variable is `HARROW_` and
/// the key in capitals. Each is a key of the attribute too.
const SETTINGS: [(&str, &str); 19] = [
    ("workers", "workers"),
    ("http2", "enable_http2"),
    ("max_connections", "max_connections"),
    ("drain_timeout", "drain_timeout"),
    ("header_read_timeout", "header_read_timeout"),
    ("body_read_timeout", "body_read_timeout"),
    ("connection_timeout", "connection_timeout"),
    ("keep_alive_timeout", "keep_alive_timeout"),
    ("write_timeout", "write_timeout"),
    ("max_body_size", "max_body_size"),
    ("driver", "driver"),
    ("protocols", "protocols"),
    ("tls_cert", "tls_cert"),
    ("tls_key", "tls_key"),
    ("tls_client_ca", "tls_client_ca"),
    ("tls_client_optional", "tls_client_optional"),
    ("tls_handshake_timeout", "tls_handshake_timeout"),
    ("tls_max_handshakes", "tls_max_handshakes"),
    ("tls_redirect_from", "tls_redirect_from"),
];

/// The keys of `#[harrow::main(...)]`; `None` leaves the default.
///
/// Timeouts are `Some(None)` for `"off"` and `Some(Some(d))` for a duration.
#[derive(Debug, Default, Clone)]
pub struct MainArgs {
    /// `addr = "host:port"`.
    pub addr: Option<&'static str>,
    /// `workers = n`.
    pub workers: Option<usize>,
    /// `http2 = bool`.
    pub http2: Option<bool>,
    /// `max_connections = n`.
    pub max_connections: Option<usize>,
    /// `drain_timeout = "30s"`.
    pub drain_timeout: Option<Duration>,
    /// `header_read_timeout = "5s" | "off"`.
    pub header_read_timeout: Option<Option<Duration>>,
    /// `body_read_timeout = "30s" | "off"`.
    pub body_read_timeout: Option<Option<Duration>>,
    /// `connection_timeout = "300s" | "off"`.
    pub connection_timeout: Option<Option<Duration>>,
    /// `keep_alive_timeout = "60s" | "off"`.
    pub keep_alive_timeout: Option<Option<Duration>>,
    /// `write_timeout = "30s" | "off"`.
    pub write_timeout: Option<Option<Duration>>,
    /// `max_body_size = "8MiB"`.
    pub max_body_size: Option<u64>,
    /// `driver = "auto" | "io_uring" | "epoll"`.
    pub driver: Option<Driver>,
    /// `protocols = "auto" | "http1" | "http2"`.
    pub protocols: Option<Protocols>,
    /// `setup = init_logging`: run once, on the main thread, before
    /// anything else.
    pub setup: Option<fn()>,
    /// `tls_cert = "cert.pem"`: serve HTTPS with this certificate chain
    /// (with `tls_key`; needs the `tls` feature).
    pub tls_cert: Option<&'static str>,
    /// `tls_key = "key.pem"`: the certificate's private key.
    pub tls_key: Option<&'static str>,
    /// `tls_client_ca = "clients.pem"`: ask clients for a certificate from
    /// one of these CAs, and refuse those without one.
    pub tls_client_ca: Option<&'static str>,
    /// `tls_client_optional = true`: with `tls_client_ca`, let clients
    /// without a certificate in too.
    pub tls_client_optional: Option<bool>,
    /// `tls_handshake_timeout = "5s"`: the longest a TLS handshake may take.
    pub tls_handshake_timeout: Option<Duration>,
    /// `tls_max_handshakes = 256`: the most handshakes a worker runs at once.
    pub tls_max_handshakes: Option<usize>,
    /// `tls_redirect_from = "0.0.0.0:80"`: where plain HTTP is redirected
    /// to HTTPS.
    pub tls_redirect_from: Option<&'static str>,
}

impl MainArgs {
    /// The address and configuration to serve with: the attribute's keys
    /// over the defaults, then the `HARROW_*` variables (read through `env`)
    /// over those. Each error is one readable line; one about a variable
    /// names it and its value.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(String, Config), String> {
        let addr = match env("HARROW_ADDR") {
            Some(a) => check_addr(a.trim()).map_err(|why| format!("HARROW_ADDR={a}: {why}"))?,
            None => self.addr.unwrap_or(DEFAULT_ADDR).to_owned(),
        };
        let mut config = self.attribute_config();
        for (field, value) in self.tls_settings() {
            if let Some(value) = value {
                config
                    .set(field, &value)
                    .map_err(|e| format!("`{field}` {}", e.reason()))?;
            }
        }
        let mut from_env: Vec<(&str, &str, String, String)> = Vec::new();
        for (key, field) in SETTINGS {
            let var = format!("HARROW_{}", key.to_ascii_uppercase());
            let Some(value) = env(&var) else {
                continue;
            };
            config
                .set(field, &value)
                .map_err(|e| format!("{var}={value}: `{key}` {}", e.reason()))?;
            from_env.push((field, key, var, value));
        }
        config.validate().map_err(|e| {
            match from_env.iter().find(|(field, ..)| *field == e.field()) {
                Some((_, key, var, value)) => format!("{var}={value}: `{key}` {}", e.reason()),
                None => e.to_string(),
            }
        })?;
        Ok((addr, config))
    }

    /// The attribute's TLS keys as text, in the order `Config::set` takes
    /// them (the CA before whether it is optional). They go through the
    /// text form because `Config`'s TLS field exists only with the `tls`
    /// feature, which refuses them without it.
    fn tls_settings(&self) -> [(&'static str, Option<String>); 7] {
        let text = |v: Option<&str>| v.map(str::to_owned);
        [
            ("tls_cert", text(self.tls_cert)),
            ("tls_key", text(self.tls_key)),
            ("tls_client_ca", text(self.tls_client_ca)),
            (
                "tls_client_optional",
                self.tls_client_optional.map(|b| b.to_string()),
            ),
            (
                "tls_handshake_timeout",
                self.tls_handshake_timeout
                    .map(|d| format!("{}ms", d.as_millis())),
            ),
            (
                "tls_max_handshakes",
                self.tls_max_handshakes.map(|n| n.to_string()),
            ),
            ("tls_redirect_from", text(self.tls_redirect_from)),
        ]
    }

    /// The defaults with the attribute's keys over them.
    fn attribute_config(&self) -> Config {
        let mut config = Config::default();
        config.workers = self.workers.or(config.workers);
        config.enable_http2 = self.http2.unwrap_or(config.enable_http2);
        config.max_connections = self.max_connections.unwrap_or(config.max_connections);
        config.drain_timeout = self.drain_timeout.unwrap_or(config.drain_timeout);
        config.max_body_size = self.max_body_size.unwrap_or(config.max_body_size);
        config.driver = self.driver.unwrap_or(config.driver);
        config.protocols = self.protocols.unwrap_or(config.protocols);
        let timeouts = [
            (&mut config.header_read_timeout, self.header_read_timeout),
            (&mut config.body_read_timeout, self.body_read_timeout),
            (&mut config.connection_timeout, self.connection_timeout),
            (&mut config.keep_alive_timeout, self.keep_alive_timeout),
            (&mut config.write_timeout, self.write_timeout),
        ];
        for (field, value) in timeouts {
            if let Some(v) = value {
                *field = v;
            }
        }
        config
    }
}

/// `host:port` with a port number; a host name is resolved when binding.
fn check_addr(addr: &str) -> Result<String, String> {
    let fine = addr
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if fine {
        Ok(addr.to_owned())
    } else {
        Err("not an address: write host:port, as in 127.0.0.1:3000".to_owned())
    }
}

/// What `#[harrow::main]` calls: first the `setup` function, once, on this
/// thread; then `harrow::run_with_config` with the automatic route table
/// ([`App::auto_routes`]) added to the app each worker builds, the
/// attribute's settings and the `HARROW_*` overrides. Once the
/// address is bound, it prints the route table and the address, serves
/// until SIGINT or SIGTERM, then drains. Any failure to start is printed as
/// `error: …` (one line per error) and the process exits with status 1 (no
/// panic, no backtrace).
pub fn main(app: fn() -> App, args: MainArgs) {
    if let Err(message) = launch(app, &args) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn launch(app: fn() -> App, args: &MainArgs) -> Result<(), String> {
    if let Some(setup) = args.setup {
        setup();
    }
    let (addr, config) = args.resolve(|key| std::env::var(key).ok())?;
    let make_app = move || app().auto_routes();
    crate::run_with_config(make_app, addr.as_str(), config).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_then_attribute_then_environment() {
        let (addr, config) = MainArgs::default().resolve(env(&[])).unwrap();
        assert_eq!(addr, "127.0.0.1:3000");
        assert_eq!(config.workers, None);

        let args = MainArgs {
            addr: Some("0.0.0.0:8080"),
            workers: Some(2),
            // Without the `http2` feature, `http2 = true` is refused (below).
            http2: Some(cfg!(feature = "http2")),
            header_read_timeout: Some(Some(Duration::from_secs(2))),
            write_timeout: Some(None),
            drain_timeout: Some(Duration::from_secs(9)),
            max_body_size: Some(8 << 20),
            driver: Some(Driver::Epoll),
            protocols: Some(Protocols::Http1Only),
            ..MainArgs::default()
        };
        let (addr, config) = args.resolve(env(&[])).unwrap();
        assert_eq!(addr, "0.0.0.0:8080");
        assert_eq!(config.workers, Some(2));
        assert_eq!(config.enable_http2, cfg!(feature = "http2"));
        assert_eq!(config.header_read_timeout, Some(Duration::from_secs(2)));
        assert_eq!(config.write_timeout, None);
        assert_eq!(config.drain_timeout, Duration::from_secs(9));
        assert_eq!(config.max_body_size, 8 << 20);
        assert_eq!(config.driver, Driver::Epoll);
        assert_eq!(config.protocols, Protocols::Http1Only);

        let vars = [
            ("HARROW_ADDR", "127.0.0.1:9000"),
            ("HARROW_WORKERS", "3"),
            ("HARROW_MAX_CONNECTIONS", "50"),
            ("HARROW_DRAIN_TIMEOUT", "1m"),
            ("HARROW_HEADER_READ_TIMEOUT", "off"),
            ("HARROW_BODY_READ_TIMEOUT", "10s"),
            ("HARROW_CONNECTION_TIMEOUT", "1h"),
            ("HARROW_KEEP_ALIVE_TIMEOUT", "5"),
            ("HARROW_WRITE_TIMEOUT", "500ms"),
            ("HARROW_MAX_BODY_SIZE", "16MiB"),
            ("HARROW_DRIVER", "auto"),
            ("HARROW_PROTOCOLS", "auto"),
            ("HARROW_HTTP2", "false"),
        ];
        // The TLS keys have a test of their own.
        let plain = SETTINGS.iter().filter(|(k, _)| !k.starts_with("tls_"));
        assert_eq!(vars.len(), plain.count() + 1, "a variable per key");
        let (addr, config) = args.resolve(env(&vars)).unwrap();
        assert_eq!(addr, "127.0.0.1:9000");
        assert_eq!(config.workers, Some(3));
        assert_eq!(config.max_connections, 50);
        assert_eq!(config.drain_timeout, Duration::from_secs(60));
        assert_eq!(config.header_read_timeout, None);
        assert_eq!(config.body_read_timeout, Some(Duration::from_secs(10)));
        assert_eq!(config.connection_timeout, Some(Duration::from_secs(3600)));
        assert_eq!(config.keep_alive_timeout, Some(Duration::from_secs(5)));
        assert_eq!(config.write_timeout, Some(Duration::from_millis(500)));
        assert_eq!(config.max_body_size, 16 << 20);
        assert_eq!(config.driver, Driver::Auto);
        assert_eq!(config.protocols, Protocols::Auto);
        assert!(!config.enable_http2);
    }

    #[test]
    fn tls_files_come_from_the_attribute_then_the_environment() {
        let args = MainArgs {
            tls_cert: Some("cert.pem"),
            tls_key: Some("key.pem"),
            ..MainArgs::default()
        };
        let vars = [
            ("HARROW_TLS_CERT", "/etc/site/fullchain.pem"),
            ("HARROW_TLS_CLIENT_CA", "/etc/site/clients.pem"),
            ("HARROW_TLS_HANDSHAKE_TIMEOUT", "3s"),
            ("HARROW_TLS_MAX_HANDSHAKES", "32"),
            ("HARROW_TLS_REDIRECT_FROM", "0.0.0.0:80"),
        ];
        let resolved = args.resolve(env(&vars));
        #[cfg(feature = "tls")]
        {
            let (_, config) = resolved.unwrap();
            let tls = config.tls.expect("HTTPS is on");
            let (cert, key) = tls.files().expect("from files");
            assert_eq!(cert, std::path::Path::new("/etc/site/fullchain.pem"));
            assert_eq!(key, std::path::Path::new("key.pem"));
            assert_eq!(
                tls.client_auth_setting(),
                &crate::ClientAuth::Required("/etc/site/clients.pem".into())
            );
            assert_eq!(tls.handshake_timeout, Duration::from_secs(3));
            assert_eq!(tls.max_handshakes, 32);
            assert_eq!(tls.redirect_from, Some(([0, 0, 0, 0], 80).into()));
            let bad = args.resolve(env(&[("HARROW_TLS_REDIRECT_FROM", "80")]));
            assert_eq!(
                bad.unwrap_err(),
                "HARROW_TLS_REDIRECT_FROM=80: `tls_redirect_from` is an address with a port, \
                 such as `0.0.0.0:80`, not `80`"
            );
            let alone =
                MainArgs::default().resolve(env(&[("HARROW_TLS_REDIRECT_FROM", "[::]:80")]));
            assert_eq!(
                alone.unwrap_err(),
                "invalid server configuration: `tls_cert` and `tls_key` must be set for HTTPS, \
                 which the other `tls_*` settings need"
            );
            let half = MainArgs::default().resolve(env(&[("HARROW_TLS_KEY", "key.pem")]));
            assert_eq!(
                half.unwrap_err(),
                "invalid server configuration: `tls_cert` must be set along with `tls_key`"
            );
        }
        #[cfg(not(feature = "tls"))]
        assert_eq!(
            resolved.unwrap_err(),
            "`tls_cert` needs the `tls` cargo feature of `harrow` (or `harrow-server`), \
             which this build leaves out"
        );
    }

    #[test]
    fn every_tls_key_of_the_attribute_reaches_the_config() {
        let args = MainArgs {
            tls_cert: Some("cert.pem"),
            tls_key: Some("key.pem"),
            tls_client_ca: Some("clients.pem"),
            tls_client_optional: Some(true),
            tls_handshake_timeout: Some(Duration::from_millis(2500)),
            tls_max_handshakes: Some(64),
            tls_redirect_from: Some("[::]:8080"),
            ..MainArgs::default()
        };
        let resolved = args.resolve(env(&[]));
        #[cfg(feature = "tls")]
        {
            let (_, config) = resolved.unwrap();
            let tls = config.tls.expect("HTTPS is on");
            assert_eq!(
                tls.client_auth_setting(),
                &crate::ClientAuth::Optional("clients.pem".into())
            );
            assert_eq!(tls.handshake_timeout, Duration::from_millis(2500));
            assert_eq!(tls.max_handshakes, 64);
            assert_eq!(tls.redirect_from, Some("[::]:8080".parse().unwrap()));
            // The environment can make the certificate required again.
            let vars = [("HARROW_TLS_CLIENT_OPTIONAL", "false")];
            let (_, config) = args.resolve(env(&vars)).unwrap();
            assert_eq!(
                config.tls.expect("HTTPS is on").client_auth_setting(),
                &crate::ClientAuth::Required("clients.pem".into())
            );
            let no_ca = MainArgs {
                tls_client_ca: None,
                ..args
            };
            assert_eq!(
                no_ca.resolve(env(&[])).unwrap_err(),
                "invalid server configuration: `tls_client_optional` needs `tls_client_ca` \
                 beside it, the CAs client certificates come from"
            );
            // The CA may come from the environment.
            let vars = [("HARROW_TLS_CLIENT_CA", "/etc/site/clients.pem")];
            let (_, config) = no_ca.resolve(env(&vars)).unwrap();
            assert_eq!(
                config.tls.expect("HTTPS is on").client_auth_setting(),
                &crate::ClientAuth::Optional("/etc/site/clients.pem".into())
            );
        }
        #[cfg(not(feature = "tls"))]
        assert!(resolved.unwrap_err().contains("`tls` cargo feature"));
    }

    #[test]
    fn a_bad_variable_is_one_line_naming_it_and_its_value() {
        let cases = [
            (
                ("HARROW_ADDR", "3002"),
                "HARROW_ADDR=3002: not an address: write host:port, as in 127.0.0.1:3000",
            ),
            (
                ("HARROW_ADDR", " "),
                "HARROW_ADDR= : not an address: write host:port, as in 127.0.0.1:3000",
            ),
            (
                ("HARROW_WORKERS", "many"),
                "HARROW_WORKERS=many: `workers` is a whole number or \"auto\", not `many`",
            ),
            (
                ("HARROW_WORKERS", "5000"),
                "HARROW_WORKERS=5000: `workers` must be at most 1024",
            ),
            (
                ("HARROW_WORKERS", "0"),
                "HARROW_WORKERS=0: `workers` must be at least 1",
            ),
            (
                ("HARROW_MAX_BODY_SIZE", "2MB"),
                "HARROW_MAX_BODY_SIZE=2MB: `max_body_size` is a number of bytes or a number \
                 with a unit, as in \"512B\", \"16KiB\", \"2MiB\", \"1GiB\"; `2MB` is not",
            ),
            (
                ("HARROW_DRIVER", "uring"),
                "HARROW_DRIVER=uring: `driver` is \"auto\", \"io_uring\" or \"epoll\", not `uring`",
            ),
            (
                ("HARROW_HTTP2", "yes"),
                "HARROW_HTTP2=yes: `http2` is true or false, not `yes`",
            ),
            (
                ("HARROW_HEADER_READ_TIMEOUT", "0s"),
                "HARROW_HEADER_READ_TIMEOUT=0s: `header_read_timeout` must be above zero \
                 (use None to disable it)",
            ),
        ];
        for (var, message) in cases {
            let err = MainArgs::default().resolve(env(&[var])).unwrap_err();
            assert_eq!(err, message);
        }
        let too_many = MainArgs {
            workers: Some(5000),
            ..MainArgs::default()
        };
        let err = too_many.resolve(env(&[])).unwrap_err();
        assert_eq!(
            err,
            "invalid server configuration: `workers` must be at most 1024"
        );
    }
}
