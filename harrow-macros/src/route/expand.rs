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
//!   checks the head extractors), an `inventory` entry that puts the
//!   route in the program's table, and the route's description for the
//!   OpenAPI document (see [`describe`]), handed to
//!   `::harrow::__private::describe!`, which drops it unless harrow's
//!   `openapi` feature is on: the default build compiles none of it.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::describe::Declared;
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
    let describe = describe(parsed, plan);
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

            #describe
        };
    }
}

/// `fn __harrow_operation(&mut Describing)`: the route's description for
/// the OpenAPI document, and its `inventory` entry, inside
/// `::harrow::__private::describe! { … }`.
///
/// Each argument and the return type is described through a probe
/// (`(&&Probe::<T>::new()).input(…)`): method lookup finds the describing
/// impl when `T` has one, and otherwise one that records the type, so a
/// type with no description is an error naming the handler and the type
/// when the document is built, and never a compile error in programs that
/// build no document.
fn describe(parsed: &Parsed, plan: &Plan) -> TokenStream {
    let name = &parsed.func.sig.ident;
    let name_str = name.to_string();
    let d = &plan.describe;
    let mut steps = Vec::new();
    if d.hidden {
        steps.push(quote!(__harrow_op.hide();));
    } else {
        steps.extend(arguments(parsed, plan));
        steps.push(output(parsed));
        steps.extend(keys(plan));
    }
    quote! {
        ::harrow::__private::describe! {
            #[allow(unused_imports, clippy::needless_borrow)]
            fn __harrow_operation(__harrow_op: &mut ::harrow::__private::openapi::Describing<'_>) {
                use ::harrow::__private::openapi::{
                    InputDescribed as _, InputUndescribed as _, OutputDescribed as _,
                    OutputUndescribed as _, ParamDescribed as _, ParamUndescribed as _,
                };
                #(#steps)*
            }

            ::harrow::__private::inventory::submit! {
                ::harrow::__private::openapi::Described {
                    module: ::core::module_path!(),
                    name: #name_str,
                    describe: __harrow_operation,
                }
            }
        }
    }
}

/// One probe per argument: a path parameter by its schema, an extractor by
/// its own description.
fn arguments(parsed: &Parsed, plan: &Plan) -> Vec<TokenStream> {
    parsed
        .params
        .iter()
        .zip(&plan.bindings)
        .enumerate()
        .map(|(i, (arg, binding))| {
            let ty = &arg.ty;
            let label = match &arg.ident {
                Some(ident) => format!("argument `{ident}`"),
                None => format!("argument {}", i + 1),
            };
            match binding {
                Binding::PathParam(p) => quote! {
                    (&&::harrow::__private::openapi::Probe::<#ty>::new())
                        .path_param(__harrow_op, #p);
                },
                Binding::Parts | Binding::Request => quote! {
                    (&&::harrow::__private::openapi::Probe::<#ty>::new())
                        .input(__harrow_op, #label);
                },
            }
        })
        .collect()
}

/// The return type's probe; a type that cannot be named (`impl Trait`
/// anywhere in it) is recorded as opaque, by its text.
fn output(parsed: &Parsed) -> TokenStream {
    match &parsed.func.sig.output {
        syn::ReturnType::Default => quote! {
            (&&::harrow::__private::openapi::Probe::<()>::new())
                .output(__harrow_op, "the return type");
        },
        syn::ReturnType::Type(_, ty) if names_impl_trait(ty.to_token_stream()) => {
            let text = tidy(&ty.to_token_stream().to_string());
            quote!(__harrow_op.opaque_output(#text);)
        }
        syn::ReturnType::Type(_, ty) => quote! {
            (&&::harrow::__private::openapi::Probe::<#ty>::new())
                .output(__harrow_op, "the return type");
        },
    }
}

/// The attribute's describing keys and the doc comment.
fn keys(plan: &Plan) -> Vec<TokenStream> {
    let d = &plan.describe;
    let mut steps = Vec::new();
    if let Some(s) = &d.summary {
        steps.push(quote!(__harrow_op.summary(#s);));
    }
    if let Some(s) = &d.description {
        steps.push(quote!(__harrow_op.description(#s);));
    }
    if d.deprecated {
        steps.push(quote!(__harrow_op.deprecated();));
    }
    if let Some(id) = &d.operation_id {
        steps.push(quote!(__harrow_op.operation_id(#id);));
    }
    if let Some(tags) = &d.tags {
        steps.push(quote!(__harrow_op.tags(&[#(#tags),*]);));
    }
    if let Some(schemes) = &d.security {
        steps.push(quote!(__harrow_op.security(&[#(#schemes),*]);));
    }
    if let Some(e) = &d.example {
        steps.push(quote_spanned! {e.span()=>
            __harrow_op.request_example(::harrow::__private::openapi::example(&(#e)));
        });
    }
    for declared in &d.responses {
        steps.push(declared_response(declared));
    }
    steps
}

/// `responses(404 = …)`: a response declared on the attribute.
fn declared_response(declared: &Declared) -> TokenStream {
    let status = &declared.status;
    let description = match &declared.description {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let body = match &declared.body {
        Some(ty) => {
            let what = format!("the body declared for {status}");
            quote! {
                (&&::harrow::__private::openapi::Probe::<#ty>::new()).output(__harrow_op, #what);
            }
        }
        None => quote!(),
    };
    let example = match &declared.example {
        Some(e) => quote_spanned! {e.span()=>
            __harrow_op.response_example(::harrow::__private::openapi::example(&(#e)));
        },
        None => quote!(),
    };
    quote! {
        __harrow_op.begin_response(#status, #description);
        #body
        #example
        __harrow_op.end_response();
    }
}

/// Whether the tokens hold the keyword `impl`, as in `impl IntoResponse` or
/// `Result<impl IntoResponse, Error>`.
fn names_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "impl",
        proc_macro2::TokenTree::Group(g) => names_impl_trait(g.stream()),
        _ => false,
    })
}

/// A type's tokens as a person writes them: `Result < impl IntoResponse ,
/// Error >` becomes `Result<impl IntoResponse, Error>`.
fn tidy(text: &str) -> String {
    let mut out = text.to_owned();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
    ] {
        out = out.replace(from, to);
    }
    out
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

/// `fn __harrow_handler(Request, RequestContext) -> ResponseFuture<_>`:
/// extracts every argument, calls the handler and converts its output.
///
/// The request is taken apart and the path parameters parsed before the
/// `async` block, which then holds only what it still needs: the parts and
/// the context when a head or body extractor runs, else just the parsed
/// parameters. A parameter that does not parse answers at once. (An
/// `async fn` would keep the whole request in its state beside the parts,
/// and the context even when no extractor reads it.)
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
    let mut params = Vec::new();
    let mut extractions = Vec::new();
    for ((arg, binding), var) in args {
        let ty = &arg.ty;
        // Each extraction names the trait itself, so an argument that is no
        // extractor is one error at its type, whose notes name public items.
        // The head extractors are checked in `__harrow_state` instead: the
        // `.await` of a failed trait call would report it a second time.
        match binding {
            Binding::PathParam(p) => {
                let get = quote_spanned! {ty.span()=>
                    <#ty as ::harrow::__private::PathParam>::from_path(&__harrow_cx, #p)
                };
                params.push(quote! {
                    let #var: #ty = match #get {
                        ::core::result::Result::Ok(__harrow_value) => __harrow_value,
                        ::core::result::Result::Err(__harrow_rejection) => {
                            return ::harrow::__private::ResponseFuture::ready(
                                ::harrow::__private::IntoResponse::into_response(
                                    __harrow_rejection,
                                ),
                            );
                        }
                    };
                });
            }
            // Checked in `__harrow_state`; extracted here through a probe
            // that compiles for any type, so a type that is no extractor is
            // reported there only.
            Binding::Parts => extractions.push(extraction(
                var,
                ty,
                quote_spanned! {ty.span()=>
                    (&&::harrow::__private::Extract::<#ty>::new())
                        .extract(&mut __harrow_parts, &__harrow_cx)
                        .await
                },
            )),
            Binding::Request => extractions.push(extraction(
                var,
                ty,
                quote_spanned! {ty.span()=>
                    <#ty as ::harrow::__private::FromRequest<_>>::from_request(
                        ::harrow::__private::Request::from_parts(__harrow_parts, __harrow_body),
                        &__harrow_cx,
                    ).await
                },
            )),
        }
    }
    // The request is taken apart only for the extractors that read it.
    let split = if extractions.is_empty() {
        quote!()
    } else if plan.bindings.contains(&Binding::Request) {
        quote!(let (mut __harrow_parts, __harrow_body) = __harrow_req.into_parts();)
    } else {
        quote!(let (mut __harrow_parts, _) = __harrow_req.into_parts();)
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
    // A `#[deprecated]` handler is still called by its own route.
    let allow_deprecated = if parsed.docs.deprecated {
        quote!(#[allow(deprecated)])
    } else {
        quote!()
    };
    quote! {
        #[allow(unused_mut, unused_imports)]
        #allow_deprecated
        fn __harrow_handler(
            __harrow_req: ::harrow::__private::Request,
            __harrow_cx: ::harrow::__private::RequestContext,
        ) -> ::harrow::__private::ResponseFuture<
            impl ::core::future::Future<Output = ::harrow::__private::Response> + 'static,
        > {
            #split
            #(#params)*
            ::harrow::__private::ResponseFuture::pending(async move {
                use ::harrow::__private::{ExtractNothing as _, ExtractParts as _};
                #(#extractions)*
                let __harrow_out = #name(#(#vars),*).await;
                #respond
            })
        }
    }
}

/// `let VAR: TY = match GET { Ok(v) => v, Err(r) => return r.into_response() };`
/// inside the handler's `async` block.
fn extraction(var: &syn::Ident, ty: &syn::Type, get: TokenStream) -> TokenStream {
    quote! {
        let #var: #ty = match #get {
            ::core::result::Result::Ok(__harrow_value) => __harrow_value,
            ::core::result::Result::Err(__harrow_rejection) => {
                return ::harrow::__private::IntoResponse::into_response(__harrow_rejection);
            }
        };
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

    #[test]
    fn the_description_goes_through_the_describe_door() {
        let out = expand_ok(
            quote!(
                "/users/{id}",
                tags = ["people"],
                responses(404 = "No such user")
            ),
            quote!(
                /// One user.
                ///
                /// By id.
                #[deprecated]
                async fn user(id: u64, q: Query<Q>) -> impl IntoResponse {
                    todo()
                }
            ),
        );
        let door = out
            .find(":: harrow :: __private :: describe !")
            .unwrap_or_else(|| panic!("{out}"));
        let described = &out[door..];
        for part in [
            "fn __harrow_operation",
            "Probe :: < u64 > :: new ()) . path_param (__harrow_op , \"id\")",
            "Probe :: < Query < Q > > :: new ()) . input (__harrow_op , \"argument `q`\")",
            "__harrow_op . opaque_output (\"impl IntoResponse\")",
            "__harrow_op . summary (\"One user.\")",
            "__harrow_op . description (\"By id.\")",
            "__harrow_op . deprecated ()",
            "__harrow_op . tags (& [\"people\"])",
            "__harrow_op . begin_response (\"404\" , :: core :: option :: Option :: Some (\"No such user\"))",
            "Described",
        ] {
            assert!(
                described.contains(part),
                "`{part}` missing from {described}"
            );
        }
        assert!(
            out.contains("# [allow (deprecated)] fn __harrow_handler"),
            "{out}"
        );
    }

    #[test]
    fn path_params_are_parsed_before_the_async_block_which_holds_only_what_it_needs() {
        let only_params = expand_ok(
            quote!("/users/{id}"),
            quote!(
                async fn user(id: u64) -> String {
                    todo()
                }
            ),
        );
        let block = only_params
            .find("ResponseFuture :: pending (async move")
            .unwrap_or_else(|| panic!("{only_params}"));
        let parse = only_params
            .find("PathParam > :: from_path (& __harrow_cx , \"id\")")
            .unwrap_or_else(|| panic!("{only_params}"));
        assert!(parse < block, "{only_params}");
        assert!(!only_params.contains("into_parts"), "{only_params}");
        let with_extractor = expand_ok(
            quote!("/users/{id}"),
            quote!(
                async fn user(id: u64, q: Query<Q>) -> String {
                    todo()
                }
            ),
        );
        let split = with_extractor
            .find("__harrow_req . into_parts ()")
            .unwrap_or_else(|| panic!("{with_extractor}"));
        let block = with_extractor
            .find("async move")
            .unwrap_or_else(|| panic!("{with_extractor}"));
        assert!(split < block, "{with_extractor}");
    }

    #[test]
    fn a_hidden_handler_is_described_as_hidden_only() {
        let out = expand_ok(
            quote!("/internal"),
            quote!(
                #[doc(hidden)]
                async fn internal(q: Query<Q>) -> String {
                    todo()
                }
            ),
        );
        assert!(out.contains("__harrow_op . hide ()"), "{out}");
        assert!(!out.contains("openapi :: Probe"), "{out}");
    }
}
