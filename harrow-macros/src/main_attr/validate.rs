//! Validate the keys and values of `#[harrow::main]` and the factory's
//! signature; values are checked here so a typo fails the build, not the
//! deployment.

use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr};

use super::parse::Parsed;
use crate::diag::Diag;
use crate::suggest;

/// The timeout keys; each maps to the `Config` field of the same name.
pub(crate) const TIMEOUTS: [&str; 5] = [
    "header_read_timeout",
    "body_read_timeout",
    "connection_timeout",
    "keep_alive_timeout",
    "write_timeout",
];

const KEYS: [&str; 21] = [
    "addr",
    "workers",
    "http2",
    "max_connections",
    "drain_timeout",
    "header_read_timeout",
    "body_read_timeout",
    "connection_timeout",
    "keep_alive_timeout",
    "write_timeout",
    "max_body_size",
    "driver",
    "protocols",
    "setup",
    "tls_cert",
    "tls_key",
    "tls_client_ca",
    "tls_client_optional",
    "tls_handshake_timeout",
    "tls_max_handshakes",
    "tls_redirect_from",
];

/// `driver = "…"` values and the `Driver` variant each names.
const DRIVERS: [(&str, &str); 3] = [
    ("auto", "Auto"),
    ("io_uring", "IoUring"),
    ("epoll", "Epoll"),
];

/// `protocols = "…"` values and the `Protocols` variant each names.
const PROTOCOLS: [(&str, &str); 3] = [
    ("auto", "Auto"),
    ("http1", "Http1Only"),
    ("http2", "Http2Only"),
];

/// A timeout's value: a duration, or `"off"` for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    After { millis: u64 },
    Off,
}

/// Settings as checked values; `None` where the attribute is silent.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) addr: Option<LitStr>,
    pub(crate) workers: Option<usize>,
    pub(crate) http2: Option<bool>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) drain_timeout: Option<u64>,
    pub(crate) timeouts: Vec<(&'static str, Timeout)>,
    pub(crate) max_body_size: Option<u64>,
    /// The `Driver` variant.
    pub(crate) driver: Option<&'static str>,
    /// The `Protocols` variant.
    pub(crate) protocols: Option<&'static str>,
    /// The one-time setup function (a path or a closure).
    pub(crate) setup: Option<Expr>,
    /// The certificate chain's PEM file, for HTTPS.
    pub(crate) tls_cert: Option<LitStr>,
    /// Its private key's PEM file.
    pub(crate) tls_key: Option<LitStr>,
    /// The PEM file of the CAs client certificates come from.
    pub(crate) tls_client_ca: Option<LitStr>,
    /// Whether clients may come without a certificate.
    pub(crate) tls_client_optional: Option<bool>,
    /// The handshake's deadline, in milliseconds.
    pub(crate) tls_handshake_timeout: Option<u64>,
    /// The most handshakes a worker runs at once.
    pub(crate) tls_max_handshakes: Option<usize>,
    /// The plain listener's address, which redirects to HTTPS.
    pub(crate) tls_redirect_from: Option<LitStr>,
}

/// The cargo features harrow was built with that the attribute's keys
/// need: each turns on this crate's feature of the same name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Built {
    /// `http2`: for `http2 = true` and `protocols = "http2"`.
    pub(crate) http2: bool,
    /// `tls`: for the `tls_*` keys.
    pub(crate) tls: bool,
}

/// Why HTTP/2 settings are refused by a build without HTTP/2.
const NO_HTTP2: &str = "needs the `http2` cargo feature of `harrow`, which this build leaves out: \
                        add `features = [\"http2\"]` to the `harrow` dependency";

/// Why TLS settings are refused by a build without TLS.
pub(crate) const NO_TLS: &str = "needs the `tls` cargo feature of `harrow`, which this build leaves out: \
                      add `features = [\"tls\"]` to the `harrow` dependency";

/// Checks every key and the signature, recording each mistake. `built`
/// says which of harrow's features the build has: keys that need a missing
/// one are refused here, with the other mistakes.
pub(crate) fn validate(parsed: &Parsed, built: Built, diag: &mut Diag) -> Settings {
    signature(parsed, diag);
    let mut settings = Settings::default();
    let mut seen: Vec<String> = Vec::new();
    for pair in &parsed.pairs {
        let Some(key) = pair.path.get_ident() else {
            diag.error(
                &pair.path,
                format!("unknown key: expected one of {}", KEYS.join(", ")),
            );
            continue;
        };
        let key_str = key.to_string();
        if seen.contains(&key_str) {
            diag.error(key, format!("`{key}` is given twice"));
            continue;
        }
        seen.push(key_str.clone());
        let value = &pair.value;
        match key_str.as_str() {
            "addr" => settings.addr = addr(value, "addr", diag),
            "workers" => settings.workers = positive(value, "workers", diag),
            "max_connections" => {
                settings.max_connections = positive(value, "max_connections", diag)
            }
            "http2" => {
                settings.http2 = boolean(value, "http2", diag);
                if settings.http2 == Some(true) && !built.http2 {
                    diag.error(value, format!("`http2 = true` {NO_HTTP2}"));
                }
            }
            "max_body_size" => settings.max_body_size = size(value, diag),
            "driver" => settings.driver = choice(value, "driver", &DRIVERS, diag),
            "protocols" => {
                settings.protocols = choice(value, "protocols", &PROTOCOLS, diag);
                if settings.protocols == Some("Http2Only") && !built.http2 {
                    diag.error(value, format!("`protocols = \"http2\"` {NO_HTTP2}"));
                }
            }
            "setup" => settings.setup = setup(value, diag),
            "tls_cert" => settings.tls_cert = file(value, "tls_cert", "cert.pem", diag),
            "tls_key" => settings.tls_key = file(value, "tls_key", "key.pem", diag),
            "tls_client_ca" => {
                settings.tls_client_ca = file(value, "tls_client_ca", "clients.pem", diag)
            }
            "tls_client_optional" => {
                settings.tls_client_optional = boolean(value, "tls_client_optional", diag)
            }
            "tls_handshake_timeout" => match duration(value, false, diag) {
                Some(Timeout::After { millis }) => settings.tls_handshake_timeout = Some(millis),
                Some(Timeout::Off) | None => {}
            },
            "tls_max_handshakes" => {
                settings.tls_max_handshakes = positive(value, "tls_max_handshakes", diag)
            }
            "tls_redirect_from" => settings.tls_redirect_from = socket_addr(value, diag),
            "drain_timeout" => match duration(value, false, diag) {
                Some(Timeout::After { millis }) => settings.drain_timeout = Some(millis),
                Some(Timeout::Off) | None => {}
            },
            other => match TIMEOUTS.iter().find(|t| **t == other) {
                Some(field) => {
                    if let Some(t) = duration(value, true, diag) {
                        settings.timeouts.push((field, t));
                    }
                }
                None => diag.error(key, unknown_key(&key_str)),
            },
        }
    }
    tls_pair(parsed, &settings, built, diag);
    settings
}

/// `tls_cert` and `tls_key` come together, and they and the other `tls_*`
/// keys need the `tls` feature (said once, at the first of them).
fn tls_pair(parsed: &Parsed, settings: &Settings, built: Built, diag: &mut Diag) {
    let key_of = |name: &str| {
        parsed
            .pairs
            .iter()
            .find(|p| p.path.is_ident(name))
            .map(|p| &p.path)
    };
    match (key_of("tls_cert"), key_of("tls_key")) {
        (Some(cert), None) => diag.error(
            cert,
            "`tls_cert` needs `tls_key` beside it, the certificate's private key, \
             as in `tls_cert = \"cert.pem\", tls_key = \"key.pem\"`",
        ),
        (None, Some(key)) => diag.error(
            key,
            "`tls_key` needs `tls_cert` beside it, the certificate chain, \
             as in `tls_cert = \"cert.pem\", tls_key = \"key.pem\"`",
        ),
        (Some(cert), Some(_)) if !built.tls && settings.tls_cert.is_some() => {
            diag.error(cert, format!("`tls_cert` {NO_TLS}"));
        }
        (None, None) if !built.tls => {
            let first = parsed.pairs.iter().find_map(|p| {
                let key = p.path.get_ident()?;
                (key != "tls_cert" && key != "tls_key" && key.to_string().starts_with("tls_"))
                    .then_some(key)
            });
            if let Some(key) = first {
                diag.error(key, format!("`{key}` {NO_TLS}"));
            }
        }
        _ => {}
    }
}

/// A file name: a non-empty string, as in `tls_cert = "cert.pem"`.
fn file(value: &Expr, key: &str, example: &str, diag: &mut Diag) -> Option<LitStr> {
    match lit(value) {
        Some(Lit::Str(s)) if !s.value().trim().is_empty() => Some(s.clone()),
        _ => {
            diag.error(
                value,
                format!("`{key}` is a PEM file's path, as in `{key} = \"{example}\"`"),
            );
            None
        }
    }
}

/// "did you mean" the closest key, or else the list of keys.
fn unknown_key(key: &str) -> String {
    match suggest::closest(key, KEYS) {
        Some(near) => format!("unknown key `{key}`: did you mean `{near}`?"),
        None => format!("unknown key `{key}`: expected one of {}", KEYS.join(", ")),
    }
}

fn signature(parsed: &Parsed, diag: &mut Diag) {
    let sig = &parsed.func.sig;
    if sig.ident != "main" {
        diag.error(
            &sig.ident,
            "#[harrow::main] goes on `fn main`; it becomes the program's entry point",
        );
    }
    if let Some(a) = &sig.asyncness {
        diag.error(
            a,
            "the app factory is a plain `fn main() -> App`: it runs once per worker, \
             before any runtime exists; remove `async`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        diag.error_at(sig.generics.span(), "`main` cannot be generic");
    }
    if !sig.inputs.is_empty() {
        diag.error(
            &sig.inputs,
            "`main` takes no arguments; read settings from the environment inside it",
        );
    }
    if let syn::ReturnType::Default = sig.output {
        diag.error(
            &sig.ident,
            "`main` must return the app: write `fn main() -> App { App::new() }`",
        );
    }
}

fn lit(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        _ => None,
    }
}

fn addr(value: &Expr, key: &str, diag: &mut Diag) -> Option<LitStr> {
    let Some(Lit::Str(s)) = lit(value) else {
        diag.error(
            value,
            format!(r#"`{key}` is a string, as in `{key} = "0.0.0.0:8080"`"#),
        );
        return None;
    };
    let text = s.value();
    let port_ok = text
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !port_ok {
        diag.error(
            s,
            format!("`{text}` is not an address: write `host:port`, as in \"127.0.0.1:3000\""),
        );
        return None;
    }
    Some(s.clone())
}

/// The plain listener's address: an IP address and a port, as the server
/// binds it (no host name to resolve).
fn socket_addr(value: &Expr, diag: &mut Diag) -> Option<LitStr> {
    let s = addr(value, "tls_redirect_from", diag)?;
    if s.value().parse::<std::net::SocketAddr>().is_err() {
        diag.error(
            &s,
            format!(
                "`{}` is not an IP address with a port: write it as in \"0.0.0.0:80\" or \"[::]:80\"",
                s.value()
            ),
        );
        return None;
    }
    Some(s)
}

fn positive(value: &Expr, key: &str, diag: &mut Diag) -> Option<usize> {
    let n = match lit(value) {
        Some(Lit::Int(i)) => i.base10_parse::<usize>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n > 0 => Some(n),
        _ => {
            diag.error(value, format!("`{key}` is a whole number above zero"));
            None
        }
    }
}

fn boolean(value: &Expr, key: &str, diag: &mut Diag) -> Option<bool> {
    match lit(value) {
        Some(Lit::Bool(b)) => Some(b.value),
        _ => {
            diag.error(value, format!("`{key}` is `true` or `false`"));
            None
        }
    }
}

/// `setup = init_logging` (a function's path) or a closure; its type, `fn()`,
/// is checked by rustc at this token.
fn setup(value: &Expr, diag: &mut Diag) -> Option<Expr> {
    match value {
        Expr::Path(_) | Expr::Closure(_) => Some(value.clone()),
        _ => {
            diag.error(
                value,
                "`setup` names a function to run once before the workers start, \
                 as in `setup = init_logging`",
            );
            None
        }
    }
}

/// One of the strings of `choices`, as the variant it names.
fn choice(
    value: &Expr,
    key: &str,
    choices: &[(&str, &'static str)],
    diag: &mut Diag,
) -> Option<&'static str> {
    let listed: Vec<String> = choices.iter().map(|(s, _)| format!("\"{s}\"")).collect();
    let hint = format!("`{key}` is one of {}", listed.join(", "));
    let Some(Lit::Str(s)) = lit(value) else {
        diag.error(value, hint);
        return None;
    };
    let found = choices.iter().find(|(text, _)| *text == s.value());
    if found.is_none() {
        diag.error(s, format!("{hint}, not `{}`", s.value()));
    }
    found.map(|(_, variant)| *variant)
}

/// A size: a number of bytes, or a string with a unit, as in `"8MiB"`.
fn size(value: &Expr, diag: &mut Diag) -> Option<u64> {
    let parsed = match lit(value) {
        Some(Lit::Int(i)) => i.base10_parse::<u64>().ok(),
        Some(Lit::Str(s)) => parse_size(&s.value()),
        _ => None,
    };
    if parsed.is_none() {
        diag.error(
            value,
            r#"a size is a number of bytes or a string with a unit, as in "512B", "16KiB", "8MiB", "1GiB""#,
        );
    }
    parsed
}

/// `"<digits><unit>"` with unit `B`, `KiB`, `MiB` or `GiB` (a space
/// between allowed), or digits alone, in bytes; as the server reads
/// `HARROW_MAX_BODY_SIZE`.
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit.trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// Parses `5` (seconds), `"5s"`, `"500ms"`, `"2m"`, `"1h"`, or `"off"`.
fn duration(value: &Expr, may_be_off: bool, diag: &mut Diag) -> Option<Timeout> {
    let off_hint = if may_be_off { r#", or "off""# } else { "" };
    let hint = format!(
        r#"a duration is a number of seconds or a string like "5s", "500ms", "2m"{off_hint}"#
    );
    let parsed = match lit(value) {
        Some(Lit::Int(i)) => i
            .base10_parse::<u64>()
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .map(|millis| Timeout::After { millis }),
        Some(Lit::Str(s)) if may_be_off && s.value() == "off" => Some(Timeout::Off),
        Some(Lit::Str(s)) => parse_duration(&s.value()).map(|millis| Timeout::After { millis }),
        _ => None,
    };
    match parsed {
        Some(Timeout::After { millis: 0 }) => {
            let fix = if may_be_off {
                r#" (write "off" to disable it)"#
            } else {
                ""
            };
            diag.error(value, format!("a timeout must be above zero{fix}"));
            None
        }
        Some(t) => Some(t),
        None => {
            diag.error(value, hint);
            None
        }
    }
}

/// `"<digits><unit>"` with unit `ms`, `s`, `m` or `h` (a space between
/// allowed), or digits alone for seconds, in milliseconds; as the server
/// reads `HARROW_*_TIMEOUT`.
pub(crate) fn parse_duration(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.trim_start() {
        "ms" => 1,
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::main_attr::parse::parse;
    use quote::quote;

    fn check(
        attr: proc_macro2::TokenStream,
        item: proc_macro2::TokenStream,
    ) -> Result<Settings, Vec<String>> {
        let parsed = parse(attr, item).map_err(|e| vec![e.to_string()])?;
        let mut diag = Diag::default();
        let built = Built {
            http2: true,
            tls: true,
        };
        let s = validate(&parsed, built, &mut diag);
        diag.finish()
            .map(|()| s)
            .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("5s"), Some(5_000));
        assert_eq!(parse_duration("2m"), Some(120_000));
        assert_eq!(parse_duration("1h"), Some(3_600_000));
        assert_eq!(parse_duration("5"), Some(5_000));
        assert_eq!(parse_duration("5 s"), Some(5_000));
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("1.5s"), None);
        assert_eq!(parse_duration("5 seconds"), None);
    }

    #[test]
    fn sizes_read_as_written() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("512B"), Some(512));
        assert_eq!(parse_size("16KiB"), Some(16 << 10));
        assert_eq!(parse_size("8MiB"), Some(8 << 20));
        assert_eq!(parse_size("8 MiB"), Some(8 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        for bad in ["", "MiB", "8MB", "8mib", "1.5MiB"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn accepts_every_key() {
        let s = check(
            quote!(
                addr = "0.0.0.0:8080",
                workers = 4,
                http2 = true,
                max_connections = 100,
                drain_timeout = 10,
                header_read_timeout = "2s",
                write_timeout = "off",
                max_body_size = "8MiB",
                driver = "io_uring",
                protocols = "http1",
                setup = init_logging,
                tls_cert = "cert.pem",
                tls_key = "key.pem"
            ),
            quote!(
                fn main() -> App {
                    App::new()
                }
            ),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.addr.map(|a| a.value()).as_deref(), Some("0.0.0.0:8080"));
        assert_eq!(s.workers, Some(4));
        assert_eq!(s.http2, Some(true));
        assert_eq!(s.max_connections, Some(100));
        assert_eq!(s.drain_timeout, Some(10_000));
        assert_eq!(s.max_body_size, Some(8 << 20));
        assert_eq!(s.driver, Some("IoUring"));
        assert_eq!(s.protocols, Some("Http1Only"));
        assert!(s.setup.is_some());
        assert_eq!(s.tls_cert.map(|c| c.value()).as_deref(), Some("cert.pem"));
        assert_eq!(s.tls_key.map(|k| k.value()).as_deref(), Some("key.pem"));
        assert_eq!(
            s.timeouts,
            [
                ("header_read_timeout", Timeout::After { millis: 2000 }),
                ("write_timeout", Timeout::Off)
            ]
        );
    }

    #[test]
    fn every_mistake_is_reported() {
        let main = quote!(
            fn main() -> App {
                App::new()
            }
        );
        let cases = [
            (
                quote!(port = 3),
                main.clone(),
                "unknown key `port`: expected one of addr,",
            ),
            (
                quote!(worker = 3),
                main.clone(),
                "unknown key `worker`: did you mean `workers`?",
            ),
            (
                quote!(workers = 1, workers = 2),
                main.clone(),
                "`workers` is given twice",
            ),
            (quote!(workers = 0), main.clone(), "whole number above zero"),
            (
                quote!(workers = "4"),
                main.clone(),
                "whole number above zero",
            ),
            (quote!(addr = "localhost"), main.clone(), "not an address"),
            (quote!(addr = 3000), main.clone(), "`addr` is a string"),
            (quote!(http2 = "yes"), main.clone(), "`true` or `false`"),
            (
                quote!(header_read_timeout = "5 seconds"),
                main.clone(),
                "a duration is",
            ),
            (quote!(header_read_timeout = 0), main.clone(), "above zero"),
            (quote!(drain_timeout = "off"), main.clone(), "a duration is"),
            (quote!(max_body_size = "8MB"), main.clone(), "a size is"),
            (quote!(max_body_size = 1.5), main.clone(), "a size is"),
            (
                quote!(driver = "uring"),
                main.clone(),
                r#"`driver` is one of "auto", "io_uring", "epoll", not `uring`"#,
            ),
            (quote!(protocols = 2), main.clone(), "`protocols` is one of"),
            (
                quote!(setup = "init"),
                main.clone(),
                "`setup` names a function",
            ),
            (
                quote!(),
                quote!(
                    async fn main() -> App {
                        App::new()
                    }
                ),
                "remove `async`",
            ),
            (
                quote!(),
                quote!(
                    fn main() {}
                ),
                "must return the app",
            ),
            (
                quote!(),
                quote!(
                    fn main(x: u8) -> App {
                        App::new()
                    }
                ),
                "takes no arguments",
            ),
            (
                quote!(),
                quote!(
                    fn app() -> App {
                        App::new()
                    }
                ),
                "goes on `fn main`",
            ),
        ];
        for (attr, item, expected) in cases {
            let e = check(attr.clone(), item)
                .err()
                .unwrap_or_else(|| panic!("{attr} accepted"));
            assert_eq!(e.len(), 1, "{attr}: {e:?}");
            assert!(e[0].contains(expected), "{attr}: {e:?}");
        }
    }
}
