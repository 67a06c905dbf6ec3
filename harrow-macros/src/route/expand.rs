//! Expand: code generation only; it cannot fail.
//!
//! For `#[get("/users/{id}")] async fn user(id: u64) -> String` this emits:
//!
//! * the function, untouched;
//! * `struct user {}`: the fn's name in the type namespace (Rocket's trick),
//!   so `routes![user]` can ask it for its `Route`;
//! * inside `const _: () = { … };`: the `RouteInfo` impl, a wrapper
//!   `__harrow_handler(Request) -> Response` that extracts each argument,
//!   and an `inventory` entry that puts the route in the program's table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::Parsed;
use super::validate::{Binding, Plan};

/// The tokens replacing the annotated function.
pub(crate) fn expand(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let func = &parsed.func;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let name_str = name.to_string();
    let path = &plan.path;
    let methods = &plan.methods;
    let handler = handler(parsed, plan);
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        const _: () = {
            impl ::harrow::__private::RouteInfo for #name {
                fn route() -> ::harrow::__private::Route {
                    ::harrow::__private::route(
                        &[#(#methods),*],
                        #path,
                        __harrow_handler,
                        ::harrow::__private::Site::new(
                            #name_str,
                            ::core::module_path!(),
                            ::core::file!(),
                            ::core::line!(),
                        ),
                    )
                }
            }

            #handler

            ::harrow::__private::inventory::submit! {
                ::harrow::__private::Registered {
                    methods: &[#(#methods),*],
                    path: #path,
                    name: #name_str,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    route: <#name as ::harrow::__private::RouteInfo>::route,
                }
            }
        };
    }
}

/// `async fn __harrow_handler(Request) -> Response`: path parameters
/// first, then the head extractors in order, then the body extractor.
fn handler(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let name = &parsed.func.sig.ident;
    let vars: Vec<_> = (0..parsed.params.len())
        .map(|i| format_ident!("__harrow_arg{}", i))
        .collect();
    let mut steps = Vec::new();
    let order = [
        Binding::PathParam(String::new()),
        Binding::Parts,
        Binding::Request,
    ];
    for stage in &order {
        for ((arg, binding), var) in parsed.params.iter().zip(&plan.bindings).zip(&vars) {
            if std::mem::discriminant(binding) != std::mem::discriminant(stage) {
                continue;
            }
            let ty = &arg.ty;
            let get = match binding {
                Binding::PathParam(p) => quote_spanned! {ty.span()=>
                    ::harrow::__private::path_param::<#ty>(&__harrow_parts, #p)
                },
                Binding::Parts => quote_spanned! {ty.span()=>
                    ::harrow::__private::from_parts::<#ty>(&mut __harrow_parts).await
                },
                Binding::Request => quote_spanned! {ty.span()=>
                    ::harrow::__private::from_request::<#ty>(__harrow_parts, __harrow_body).await
                },
            };
            steps.push(quote! {
                let #var: #ty = match #get {
                    ::core::result::Result::Ok(v) => v,
                    ::core::result::Result::Err(r) => return r,
                };
            });
        }
    }
    let takes_body = plan.bindings.contains(&Binding::Request);
    let body = if takes_body {
        quote!(__harrow_body)
    } else {
        quote!(_)
    };
    let ret = match &parsed.func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    let respond = quote_spanned! {ret.span()=>
        ::harrow::__private::respond(__harrow_out)
    };
    quote! {
        #[allow(unused_mut)]
        async fn __harrow_handler(
            __harrow_req: ::harrow::__private::Request,
        ) -> ::harrow::__private::Response {
            let (mut __harrow_parts, #body) = ::harrow::__private::split(__harrow_req);
            #(#steps)*
            let __harrow_out: #ret = #name(#(#vars),*).await;
            #respond
        }
    }
}
