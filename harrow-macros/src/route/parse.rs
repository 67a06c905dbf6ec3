//! Parse: attribute arguments and the handler's signature into a model that
//! keeps every original token, so later stages can point at them.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, FnArg, Ident, ItemFn, LitStr, Meta, Pat, Token, Type};

/// Which attribute was written: a one-method shorthand or `#[route]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[get]`, `#[post]`, …: the method is in the attribute's name.
    Shorthand(&'static str),
    /// `#[route("/p", method = "GET", …)]`.
    Route,
}

impl Kind {
    /// The attribute as a user wrote it, for messages.
    pub(crate) fn attr_name(self) -> String {
        match self {
            Kind::Shorthand(m) => format!("#[{}]", m.to_ascii_lowercase()),
            Kind::Route => "#[route]".to_owned(),
        }
    }
}

/// One comma-separated attribute argument.
pub(crate) enum AttrArg {
    /// A string literal: the path.
    Path(LitStr),
    /// `key = value`.
    KeyValue { key: Ident, value: Expr },
    /// `key(…)`, as in `responses(404 = "No such book")`; the parenthesized
    /// tokens are parsed by the key's own grammar.
    List { key: Ident, content: TokenStream },
}

impl Parse for AttrArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(AttrArg::Path(input.parse()?));
        }
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            return Ok(AttrArg::KeyValue { key, value });
        }
        if input.peek(Ident) && input.peek2(syn::token::Paren) {
            let key = input.parse()?;
            let content;
            syn::parenthesized!(content in input);
            let content = content.parse()?;
            return Ok(AttrArg::List { key, content });
        }
        Err(input.error(r#"expected a path like "/users/{id}" or `key = value`"#))
    }
}

/// One handler parameter.
pub(crate) struct Arg {
    /// The binding's name when the pattern is a plain identifier
    /// (`id: u64`, `mut id: u64`), which lets it bind a path parameter.
    pub(crate) ident: Option<Ident>,
    /// The declared type.
    pub(crate) ty: Box<Type>,
}

/// What the function's own attributes say about it, for the OpenAPI
/// document: its doc comment, `#[deprecated]` and `#[doc(hidden)]`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FnDocs {
    /// The doc comment, one entry per `///` line, the leading space removed.
    pub(crate) lines: Vec<String>,
    /// Whether the function is `#[deprecated]`.
    pub(crate) deprecated: bool,
    /// Whether it is `#[doc(hidden)]`: left out of the document.
    pub(crate) hidden: bool,
}

/// Everything the later stages need, with the original tokens.
pub(crate) struct Parsed {
    pub(crate) kind: Kind,
    pub(crate) args: Vec<AttrArg>,
    /// Where the attribute's arguments are, for "missing path" errors.
    pub(crate) attr_span: Span,
    pub(crate) func: ItemFn,
    pub(crate) params: Vec<Arg>,
    pub(crate) docs: FnDocs,
}

/// Parses the attribute arguments and the function. Fails only when the
/// tokens are not an argument list or not a function at all.
pub(crate) fn parse(kind: Kind, attr: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    let attr_span = match attr.clone().into_iter().next() {
        Some(t) => t.span(),
        None => Span::call_site(),
    };
    let args = Punctuated::<AttrArg, Token![,]>::parse_terminated.parse2(attr)?;
    let func: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("{} goes on an `async fn` handler", kind.attr_name()),
        )
    })?;
    let params = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(t) => Some(Arg {
                ident: match &*t.pat {
                    Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => {
                        Some(p.ident.clone())
                    }
                    _ => None,
                },
                ty: t.ty.clone(),
            }),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let docs = fn_docs(&func.attrs);
    Ok(Parsed {
        kind,
        args: args.into_iter().collect(),
        attr_span,
        func,
        params,
        docs,
    })
}

/// Reads the doc comment, `#[deprecated]` and `#[doc(hidden)]` off the
/// function's attributes. `#[doc = include_str!(…)]` and other computed
/// docs are skipped: only literal text can be read here.
fn fn_docs(attrs: &[Attribute]) -> FnDocs {
    let mut docs = FnDocs::default();
    for attr in attrs {
        if attr.path().is_ident("deprecated") {
            docs.deprecated = true;
        }
        if !attr.path().is_ident("doc") {
            continue;
        }
        match &attr.meta {
            Meta::NameValue(nv) => {
                if let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    for line in s.value().split('\n') {
                        let line = line.strip_suffix('\r').unwrap_or(line);
                        docs.lines
                            .push(line.strip_prefix(' ').unwrap_or(line).to_owned());
                    }
                }
            }
            Meta::List(list) => {
                let hidden = list
                    .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                    .is_ok_and(|metas| metas.iter().any(|m| m.path().is_ident("hidden")));
                docs.hidden |= hidden;
            }
            Meta::Path(_) => {}
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_docs_deprecation_and_hiding_off_the_function() {
        let parsed = parse(
            Kind::Shorthand("GET"),
            quote!("/a", responses(404 = "gone")),
            quote!(
                /// One book.
                ///
                /// By its id.
                #[deprecated]
                #[doc(hidden)]
                async fn book() {}
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.docs.lines, ["One book.", "", "By its id."]);
        assert!(parsed.docs.deprecated);
        assert!(parsed.docs.hidden);
        assert!(matches!(&parsed.args[1], AttrArg::List { key, .. } if key == "responses"));
    }
}
