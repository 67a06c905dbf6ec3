//! Expand: code generation only; it cannot fail.
//!
//! For `#[get("/users/{id}")] async fn user(id: u64) -> String` this emits:
//!
//! * the function, untouched;
//! * `pub struct user {}`: the fn's name in the type namespace (Rocket's
//!   trick), so `routes![user]` can ask it for its `Route`. It is `pub`
//!   whatever the function's visibility: every annotated handler is in the
//!   program-wide table anyway, and a private one listed from its parent
//!   module would otherwise be reported as a private *struct*;
//! * inside `const _: () = { … };`: the `HandlerRoute` impl, a wrapper
//!   `__harrow_handler(Request, RequestContext) -> Response` that extracts
//!   each argument,
//!   `__harrow_state`, which lists the state types the arguments take (and
//!   checks the head extractors), and an `inventory` entry that puts the
//!   route in the program's table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::Parsed;
use super::validate::{Binding, Plan};

/// The tokens replacing the annotated function.
pub(crate) fn expand(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let func = &parsed.func;
    let name = &func.sig.ident;
    let name_str = name.to_string();
    let path = &plan.path;
    let methods = &plan.methods;
    let method_consts = methods.iter().map(|m| format_ident!("{}", m));
    let handler = handler(parsed, plan);
    let state = state(parsed, plan);
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        pub struct #name {}

        const _: () = {
            impl ::harrow::__private::HandlerRoute for #name {
                fn route() -> ::harrow::__private::Route {
                    ::harrow::__private::route(
                        &[#(::harrow::__private::Method::#method_consts),*],
                        #path,
                        ::harrow::__private::Generated(__harrow_handler),
                        ::harrow::__private::Site::new(
                            #name_str,
                            ::core::file!(),
                            ::core::line!(),
                        ),
                        ::core::module_path!(),
                        __harrow_state,
                    )
                }
            }

            #handler

            #state

            ::harrow::__private::inventory::submit! {
                ::harrow::__private::Registered {
                    methods: &[#(#methods),*],
                    path: #path,
                    name: #name_str,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    route: <#name as ::harrow::__private::HandlerRoute>::route,
                }
            }
        };
    }
}

/// `fn __harrow_state(&mut RequiredState)`: the state types the handler's
/// extractors take, checked when the app starts. It also checks that each
/// head extractor is one, by naming its trait at the argument's type: one
/// error there for a type that is not. The last argument's type is probed
/// by method lookup (see `harrow::__private::Probe`) instead, since its
/// extraction reports it already.
fn state(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let lines = parsed
        .params
        .iter()
        .zip(&plan.bindings)
        .filter_map(|(arg, binding)| {
            let ty = &arg.ty;
            match binding {
                Binding::PathParam(_) => None,
                Binding::Parts => Some(quote_spanned! {ty.span()=>
                    <#ty as ::harrow::__private::FromRequestParts>::required_state(
                        __harrow_required,
                    );
                }),
                Binding::Request => Some(quote! {
                    (&&&::harrow::__private::Probe::<#ty>::new())
                        .required_state(__harrow_required);
                }),
            }
        });
    quote! {
        #[allow(unused_variables)]
        fn __harrow_state(__harrow_required: &mut ::harrow::__private::RequiredState) {
            #[allow(unused_imports)]
            use ::harrow::__private::{
                StateOfNothing as _, StateViaParts as _, StateViaRequest as _,
            };
            #(#lines)*
        }
    }
}

/// `async fn __harrow_handler(Request, RequestContext) -> Response`:
/// extracts every argument, calls the handler and converts its output.
fn handler(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let name = &parsed.func.sig.ident;
    let vars: Vec<_> = (0..parsed.params.len())
        .map(|i| format_ident!("__harrow_arg{}", i))
        .collect();
    // Path parameters first, then the head extractors in their order, then
    // the body extractor, which consumes the head.
    let stage = |b: &Binding| match b {
        Binding::PathParam(_) => 0,
        Binding::Parts => 1,
        Binding::Request => 2,
    };
    let mut args: Vec<_> = parsed
        .params
        .iter()
        .zip(&plan.bindings)
        .zip(&vars)
        .collect();
    args.sort_by_key(|((_, binding), _)| stage(binding));
    let steps = args.into_iter().map(|((arg, binding), var)| {
        let ty = &arg.ty;
        // Each extraction names the trait itself, so an argument that is no
        // extractor is one error at its type, whose notes name public items.
        // The head extractors are checked in `__harrow_state` instead: the
        // `.await` of a failed trait call would report it a second time.
        let get = match binding {
            Binding::PathParam(p) => quote_spanned! {ty.span()=>
                <#ty as ::harrow::__private::PathParam>::from_path(&__harrow_cx, #p)
            },
            // Checked in `__harrow_state`; extracted here through a probe
            // that compiles for any type, so a type that is no extractor is
            // reported there only.
            Binding::Parts => quote_spanned! {ty.span()=>
                (&&::harrow::__private::Extract::<#ty>::new())
                    .extract(&mut __harrow_parts, &__harrow_cx)
                    .await
            },
            Binding::Request => quote_spanned! {ty.span()=>
                <#ty as ::harrow::__private::FromRequest<_>>::from_request(
                    ::harrow::__private::Request::from_parts(__harrow_parts, __harrow_body),
                    &__harrow_cx,
                ).await
            },
        };
        quote! {
            let #var: #ty = match #get {
                ::core::result::Result::Ok(__harrow_value) => __harrow_value,
                ::core::result::Result::Err(__harrow_rejection) => {
                    return ::harrow::__private::IntoResponse::into_response(__harrow_rejection);
                }
            };
        }
    });
    let takes_body = plan.bindings.contains(&Binding::Request);
    let body = if takes_body {
        quote!(__harrow_body)
    } else {
        quote!(_)
    };
    // Spanned at the return type, so an output that is no response is
    // reported there. No type is written on `__harrow_out`: the handler may
    // return `impl IntoResponse`.
    let ret_span = match &parsed.func.sig.output {
        syn::ReturnType::Default => name.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let respond = quote_spanned! {ret_span=>
        ::harrow::__private::IntoResponse::into_response(__harrow_out)
    };
    quote! {
        #[allow(unused_mut, unused_imports)]
        async fn __harrow_handler(
            __harrow_req: ::harrow::__private::Request,
            __harrow_cx: ::harrow::__private::RequestContext,
        ) -> ::harrow::__private::Response {
            use ::harrow::__private::{ExtractNothing as _, ExtractParts as _};
            let (mut __harrow_parts, #body) = __harrow_req.into_parts();
            #(#steps)*
            let __harrow_out = #name(#(#vars),*).await;
            #respond
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diag;
    use crate::route::parse::{Kind, parse};
    use crate::route::validate::validate;
    use quote::quote;

    fn expand_ok(attr: TokenStream, item: TokenStream) -> String {
        let parsed = parse(Kind::Shorthand("GET"), attr, item).expect("parses");
        let mut diag = Diag::default();
        let plan = validate(&parsed, &mut diag);
        assert!(diag.finish().is_ok());
        expand(&parsed, &plan).to_string()
    }

    #[test]
    fn names_only_the_private_door_and_prefixed_idents() {
        let out = expand_ok(
            quote!("/users/{id}"),
            quote!(
                pub async fn user(id: u64, q: Query<Q>, body: String) -> String {
                    todo()
                }
            ),
        );
        for (i, _) in out.match_indices(":: harrow ::") {
            assert!(
                out[i..].starts_with(":: harrow :: __private ::"),
                "{}",
                &out[i..i + 40]
            );
        }
        for word in ["let", "fn", "mut"] {
            let pat = format!("{word} ");
            for (i, _) in out.match_indices(&pat) {
                let next = out[i + pat.len()..].split(' ').next().unwrap_or("");
                let user_items = ["user", "route", "(mut", "mut", "::", ","];
                assert!(
                    next.starts_with("__harrow_") || user_items.contains(&next),
                    "generated `{word} {next}`"
                );
            }
        }
        assert!(out.contains("const _ : () ="), "{out}");
        assert!(out.contains("pub struct user { }"), "{out}");
        assert!(
            out.contains("< u64 as :: harrow :: __private :: PathParam > :: from_path"),
            "{out}"
        );
    }
}
