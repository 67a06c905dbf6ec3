//! `#[harrow::main]`: parse → validate → expand.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::diag::{Diag, item_and_errors};

/// Runs the pipeline; on error the factory is still emitted (renamed, so a
/// wrong signature does not add rustc's own `main` errors) beside the errors.
pub(crate) fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = match parse::parse(attr, item.clone()) {
        Ok(p) => p,
        Err(e) => return item_and_errors(item, e),
    };
    let mut diag = Diag::default();
    let settings = validate::validate(&parsed, &mut diag);
    match diag.finish() {
        Ok(()) => expand::expand(&parsed, &settings),
        Err(e) => item_and_errors(expand::fallback(&parsed), e),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn http2_true_checks_the_feature_at_compile_time() {
        let item = quote!(
            fn main() -> App {
                App::new()
            }
        );
        let on = super::main(quote!(http2 = true), item.clone()).to_string();
        assert!(on.contains(":: harrow :: __private :: HTTP2"), "{on}");
        for attr in [quote!(http2 = false), quote!()] {
            let off = super::main(attr, item.clone()).to_string();
            assert!(!off.contains("HTTP2"), "{off}");
        }
    }
}
