//! The route attributes: parse → validate → expand, one module per stage.

mod describe;
mod expand;
mod parse;
mod template;
mod validate;

use proc_macro2::TokenStream;

pub(crate) use parse::Kind;

use crate::diag::{Diag, item_and_errors};

/// Runs the pipeline; on any error the function is emitted unchanged beside
/// every error found.
pub(crate) fn route(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = match parse::parse(kind, attr, item.clone()) {
        Ok(p) => p,
        Err(e) => return item_and_errors(item, e),
    };
    let mut diag = Diag::default();
    let plan = validate::validate(&parsed, &mut diag);
    match diag.finish() {
        Ok(()) => expand::expand(&parsed, &plan),
        Err(e) => item_and_errors(item, e),
    }
}
