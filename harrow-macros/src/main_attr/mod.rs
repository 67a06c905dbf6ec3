//! `#[harrow::main]`: parse → validate → expand.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::diag::{Diag, item_and_errors};

/// Which of harrow's features the build has: each turns on this crate's
/// feature of the same name, so `http2 = true` or `tls_cert` in a build
/// without it is refused with the attribute's other mistakes, not after
/// them.
const BUILT: validate::Built = validate::Built {
    http2: cfg!(feature = "http2"),
    tls: cfg!(feature = "tls"),
};

/// Runs the pipeline; on error the factory is still emitted (renamed, so a
/// wrong signature does not add rustc's own `main` errors) beside the errors.
pub(crate) fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = match parse::parse(attr, item.clone()) {
        Ok(p) => p,
        Err(e) => return item_and_errors(item, e),
    };
    let mut diag = Diag::default();
    let settings = validate::validate(&parsed, BUILT, &mut diag);
    match diag.finish() {
        Ok(()) => expand::expand(&parsed, &settings),
        Err(e) => item_and_errors(expand::fallback(&parsed), e),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::parse::parse;
    use super::validate::{Built, validate};
    use crate::diag::Diag;

    fn errors(attr: proc_macro2::TokenStream, http2_built: bool) -> Vec<String> {
        let built = Built {
            http2: http2_built,
            tls: http2_built,
        };
        let item = quote!(
            fn main() -> App {
                App::new()
            }
        );
        let parsed = parse(attr, item).expect("parses");
        let mut diag = Diag::default();
        validate(&parsed, built, &mut diag);
        match diag.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn http2_without_the_feature_is_refused_with_the_other_mistakes() {
        let found = errors(quote!(worker = 2, http2 = true), false);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("unknown key `worker`"), "{found:?}");
        assert!(
            found[1].starts_with("`http2 = true` needs the `http2` cargo feature"),
            "{found:?}"
        );
        let found = errors(quote!(protocols = "http2"), false);
        assert!(
            found[0].starts_with("`protocols = \"http2\"` needs"),
            "{found:?}"
        );
        for attr in [
            quote!(http2 = true),
            quote!(protocols = "http2"),
            quote!(http2 = false),
        ] {
            assert_eq!(errors(attr.clone(), true), Vec::<String>::new(), "{attr}");
        }
        assert_eq!(errors(quote!(http2 = false), false), Vec::<String>::new());
    }

    #[test]
    fn tls_without_the_feature_or_without_its_pair_is_refused() {
        let pair = quote!(tls_cert = "cert.pem", tls_key = "key.pem");
        assert_eq!(errors(pair.clone(), true), Vec::<String>::new());
        let found = errors(pair, false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("`tls_cert` needs the `tls` cargo feature"),
            "{found:?}"
        );
        let found = errors(quote!(tls_key = "key.pem"), true);
        assert!(
            found[0].starts_with("`tls_key` needs `tls_cert` beside it"),
            "{found:?}"
        );
        let found = errors(quote!(tls_cert = ""), true);
        assert!(
            found[0].starts_with("`tls_cert` is a PEM file's path"),
            "{found:?}"
        );
    }

    #[test]
    fn the_other_tls_keys_are_checked_and_need_the_feature() {
        let all = quote!(
            tls_cert = "cert.pem",
            tls_key = "key.pem",
            tls_client_ca = "clients.pem",
            tls_client_optional = true,
            tls_handshake_timeout = "5s",
            tls_max_handshakes = 64,
            tls_redirect_from = "[::]:80",
        );
        assert_eq!(errors(all.clone(), true), Vec::<String>::new());
        assert_eq!(errors(all, false).len(), 1, "said once, at `tls_cert`");
        // Without the pair in the attribute (the files may come from the
        // environment), the first `tls_*` key says it.
        let found = errors(quote!(workers = 2, tls_client_ca = "ca.pem"), false);
        assert_eq!(
            found,
            [format!("`tls_client_ca` {}", super::validate::NO_TLS)]
        );
        let cases = [
            (
                quote!(tls_client_optional = "yes"),
                "`tls_client_optional` is `true` or `false`",
            ),
            (
                quote!(tls_handshake_timeout = "off"),
                "a duration is a number of seconds or a string like \"5s\", \"500ms\", \"2m\"",
            ),
            (
                quote!(tls_max_handshakes = 0),
                "`tls_max_handshakes` is a whole number above zero",
            ),
            (
                quote!(tls_redirect_from = "localhost:80"),
                "`localhost:80` is not an IP address with a port: write it as in \"0.0.0.0:80\" \
                 or \"[::]:80\"",
            ),
            (
                quote!(tls_redirect_from = 80),
                "`tls_redirect_from` is a string, as in `tls_redirect_from = \"0.0.0.0:8080\"`",
            ),
            (
                quote!(tls_client_ca = ""),
                "`tls_client_ca` is a PEM file's path, as in `tls_client_ca = \"clients.pem\"`",
            ),
        ];
        for (attr, message) in cases {
            assert_eq!(errors(attr.clone(), true), [message], "{attr}");
        }
    }
}
