//! Expand `#[harrow::main]` into a plain call a user could write by hand.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::Parsed;
use super::validate::{Settings, Timeout};

/// `fn main() { fn __harrow_app() -> App { … } ::harrow::__private::main(…) }`.
pub(crate) fn expand(parsed: &Parsed, settings: &Settings) -> TokenStream {
    let func = &parsed.func;
    let attrs = &func.attrs;
    let vis = &func.vis;
    let output = &func.sig.output;
    let block = &func.block;
    let mut fields = Vec::new();
    if let Some(addr) = &settings.addr {
        fields.push(quote!(addr: ::core::option::Option::Some(#addr)));
    }
    if let Some(w) = settings.workers {
        fields.push(quote!(workers: ::core::option::Option::Some(#w)));
    }
    if let Some(h) = settings.http2 {
        fields.push(quote!(http2: ::core::option::Option::Some(#h)));
    }
    if let Some(size) = settings.max_body_size {
        fields.push(quote!(max_body_size: ::core::option::Option::Some(#size)));
    }
    if let Some(variant) = settings.driver {
        let variant = syn::Ident::new(variant, proc_macro2::Span::call_site());
        fields.push(quote!(
            driver: ::core::option::Option::Some(::harrow::__private::Driver::#variant)
        ));
    }
    if let Some(variant) = settings.protocols {
        let variant = syn::Ident::new(variant, proc_macro2::Span::call_site());
        fields.push(quote!(
            protocols: ::core::option::Option::Some(::harrow::__private::Protocols::#variant)
        ));
    }
    if let Some(cert) = &settings.tls_cert {
        fields.push(quote!(tls_cert: ::core::option::Option::Some(#cert)));
    }
    if let Some(key) = &settings.tls_key {
        fields.push(quote!(tls_key: ::core::option::Option::Some(#key)));
    }
    if let Some(ca) = &settings.tls_client_ca {
        fields.push(quote!(tls_client_ca: ::core::option::Option::Some(#ca)));
    }
    if let Some(optional) = settings.tls_client_optional {
        fields.push(quote!(tls_client_optional: ::core::option::Option::Some(#optional)));
    }
    if let Some(ms) = settings.tls_handshake_timeout {
        fields.push(quote!(
            tls_handshake_timeout: ::core::option::Option::Some(
                ::harrow::__private::Duration::from_millis(#ms)
            )
        ));
    }
    if let Some(n) = settings.tls_max_handshakes {
        fields.push(quote!(tls_max_handshakes: ::core::option::Option::Some(#n)));
    }
    if let Some(from) = &settings.tls_redirect_from {
        fields.push(quote!(tls_redirect_from: ::core::option::Option::Some(#from)));
    }
    if let Some(m) = settings.max_connections {
        fields.push(quote!(max_connections: ::core::option::Option::Some(#m)));
    }
    if let Some(ms) = settings.drain_timeout {
        fields.push(quote!(
            drain_timeout: ::core::option::Option::Some(
                ::harrow::__private::Duration::from_millis(#ms)
            )
        ));
    }
    for (field, timeout) in &settings.timeouts {
        let field = syn::Ident::new(field, proc_macro2::Span::call_site());
        let value = match timeout {
            Timeout::After { millis } => quote!(::core::option::Option::Some(
                ::harrow::__private::Duration::from_millis(#millis)
            )),
            Timeout::Off => quote!(::core::option::Option::None),
        };
        fields.push(quote!(#field: ::core::option::Option::Some(#value)));
    }
    // Spanned at the return type, so a factory returning something else than
    // `App` is one plain type mismatch there.
    let ret_span = match output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => func.sig.ident.span(),
    };
    let call = quote_spanned! {ret_span=> __harrow_app()};
    // Typed here, at the user's token, so a function of another shape is
    // reported there.
    let setup = settings.setup.as_ref().map(|expr| {
        fields.push(quote!(setup: ::core::option::Option::Some(__harrow_setup)));
        quote_spanned! {expr.span()=>
            let __harrow_setup: fn() = #expr;
        }
    });
    quote! {
        #(#attrs)*
        #vis fn main() {
            #setup
            fn __harrow_app() #output #block
            let __harrow_factory: fn() -> ::harrow::__private::App = || #call;
            ::harrow::__private::main(
                __harrow_factory,
                ::harrow::__private::MainArgs {
                    #(#fields,)*
                    ..::harrow::__private::MainArgs::default()
                },
            )
        }
    }
}

/// What is emitted next to errors: the factory under a private name, so its
/// body is still checked, and an empty `main`, so rustc adds no errors of
/// its own about the entry point.
pub(crate) fn fallback(parsed: &Parsed) -> TokenStream {
    let mut func = parsed.func.clone();
    func.sig.ident = syn::Ident::new("__harrow_app", func.sig.ident.span());
    quote! {
        #[allow(dead_code)]
        #func
        fn main() {}
    }
}
