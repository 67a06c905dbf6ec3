//! Parse `#[harrow::main(key = value, …)]` and the factory function.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{ItemFn, MetaNameValue, Token};

/// The attribute's `key = value` pairs, as written, and the function.
pub(crate) struct Parsed {
    pub(crate) pairs: Vec<MetaNameValue>,
    pub(crate) func: ItemFn,
}

/// Fails only when the tokens are not `key = value` pairs or not a function.
pub(crate) fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated
        .parse2(attr)?
        .into_iter()
        .collect();
    let func = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[harrow::main] goes on `fn main() -> App`, the app factory",
        )
    })?;
    Ok(Parsed { pairs, func })
}
