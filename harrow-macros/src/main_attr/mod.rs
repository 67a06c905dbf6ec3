//! `#[harrow::main]`: parse → validate → expand.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::diag::{Diag, item_and_errors};

/// Whether harrow was built with HTTP/2: its `http2` feature turns on this
/// crate's, so `http2 = true` in a build without it is refused with the
/// attribute's other mistakes, not after them.
const HTTP2_BUILT: bool = cfg!(feature = "http2");

/// Runs the pipeline; on error the factory is still emitted (renamed, so a
/// wrong signature does not add rustc's own `main` errors) beside the errors.
pub(crate) fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = match parse::parse(attr, item.clone()) {
        Ok(p) => p,
        Err(e) => return item_and_errors(item, e),
    };
    let mut diag = Diag::default();
    let settings = validate::validate(&parsed, HTTP2_BUILT, &mut diag);
    match diag.finish() {
        Ok(()) => expand::expand(&parsed, &settings),
        Err(e) => item_and_errors(expand::fallback(&parsed), e),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::parse::parse;
    use super::validate::validate;
    use crate::diag::Diag;

    fn errors(attr: proc_macro2::TokenStream, http2_built: bool) -> Vec<String> {
        let item = quote!(
            fn main() -> App {
                App::new()
            }
        );
        let parsed = parse(attr, item).expect("parses");
        let mut diag = Diag::default();
        validate(&parsed, http2_built, &mut diag);
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
}
