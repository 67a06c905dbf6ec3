//! Spans of characters inside a string literal, so a caret can sit under the
//! offending part of a path template (Rocket does the same).

use proc_macro2::Span;
use syn::LitStr;

/// The span of bytes `start..end` of `lit`'s value.
///
/// Only plain literals without escapes map one-to-one onto source bytes
/// (offset by the opening quote). Subspans need the unstable
/// `proc_macro_span` API; on a stable compiler this returns the whole
/// literal's span, and the error message quotes the offending text instead.
pub(crate) fn subspan(lit: &LitStr, start: usize, end: usize) -> Span {
    let token = lit.token();
    let source = token.to_string();
    let plain = source.starts_with('"') && !source.contains('\\');
    if !plain {
        return lit.span();
    }
    token
        .subspan(start + 1..end + 1)
        .unwrap_or_else(|| lit.span())
}
