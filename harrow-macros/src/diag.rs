//! Error accumulation (serde's `Ctxt`): every stage pushes its errors here and
//! the caller reports them all at once, next to the untouched item.

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Collects spanned errors; `finish` turns them into one combined error.
#[derive(Default)]
pub(crate) struct Diag {
    errors: Option<syn::Error>,
}

impl Diag {
    /// Records one error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// Records an error spanning `tokens` with `message`.
    pub(crate) fn error(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span` with `message`.
    pub(crate) fn error_at(&mut self, span: proc_macro2::Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// `Ok` when nothing was recorded, otherwise every error combined.
    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.errors {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The item unchanged plus the errors, so the rest of the crate still
/// compiles and rust-analyzer keeps working (actix, monoio).
pub(crate) fn item_and_errors(item: TokenStream, error: syn::Error) -> TokenStream {
    let mut out = item;
    out.extend(error.into_compile_error());
    out
}
