//! Validate: attribute keys, the handler's signature, the path template and
//! how each parameter is bound. Every mistake is recorded, none is fatal.

use syn::{Expr, ExprLit, Lit, LitStr, Type};

use super::describe::{Describe, Keys, LIST_KEYS, OPENAPI_BUILT, VALUE_KEYS};
use super::parse::{AttrArg, Kind, Parsed};
use super::template;
use crate::diag::Diag;
use crate::lit_span;
use crate::suggest;

/// The methods `#[route]` accepts, spelled as in HTTP.
const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

/// The attributes this crate defines for handlers.
const ROUTE_ATTRIBUTES: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "head", "options", "route",
];

/// How one handler parameter gets its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Parsed from the named path parameter.
    PathParam(String),
    /// An extractor reading the request head (`FromRequestParts`).
    Parts,
    /// The last extractor, which may consume the body (`FromRequest`).
    Request,
}

/// What expansion needs; meaningful only when validation recorded no error.
pub(crate) struct Plan {
    pub(crate) path: LitStr,
    pub(crate) methods: Vec<&'static str>,
    pub(crate) bindings: Vec<Binding>,
    /// What the OpenAPI document says of the route besides its types.
    pub(crate) describe: Describe,
}

/// Checks everything and returns the plan.
pub(crate) fn validate(parsed: &Parsed, diag: &mut Diag) -> Plan {
    validate_with(parsed, OPENAPI_BUILT, diag)
}

/// [`validate`], saying whether harrow's `openapi` feature is on.
pub(crate) fn validate_with(parsed: &Parsed, openapi_built: bool, diag: &mut Diag) -> Plan {
    let mut keys = Keys::new(openapi_built);
    let (path, methods) = attribute(parsed, &mut keys, diag);
    signature(parsed, diag);
    let path = path.unwrap_or_else(|| LitStr::new("/", parsed.attr_span));
    let bindings = bindings(parsed, &path, diag);
    Plan {
        path,
        methods,
        bindings,
        describe: keys.finish(&parsed.docs),
    }
}

/// The keys an attribute takes besides its path, for suggestions.
fn known_keys(kind: Kind) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if kind == Kind::Route {
        keys.push("method");
    }
    keys.extend(VALUE_KEYS);
    keys.extend(LIST_KEYS);
    keys
}

fn attribute(
    parsed: &Parsed,
    keys: &mut Keys,
    diag: &mut Diag,
) -> (Option<LitStr>, Vec<&'static str>) {
    let name = parsed.kind.attr_name();
    let mut path: Option<LitStr> = None;
    let mut methods: Vec<&'static str> = match parsed.kind {
        Kind::Shorthand(m) => vec![m],
        Kind::Route => Vec::new(),
    };
    let mut method_keys = 0;
    for arg in &parsed.args {
        match arg {
            AttrArg::Path(lit) if path.is_none() => path = Some(lit.clone()),
            AttrArg::Path(lit) => diag.error(lit, format!("{name} takes one path")),
            AttrArg::KeyValue { key, value } if key == "method" && parsed.kind == Kind::Route => {
                method_keys += 1;
                if let Some(m) = method(value, diag) {
                    if methods.contains(&m) {
                        diag.error(key, format!("method `{m}` is listed twice"));
                    } else {
                        methods.push(m);
                    }
                }
            }
            AttrArg::KeyValue { key, value } if Keys::is_value_key(key) => {
                keys.value(key, value, diag);
            }
            AttrArg::List { key, content } if Keys::is_list_key(key) => {
                keys.list(key, content, diag);
            }
            AttrArg::KeyValue { key, .. } | AttrArg::List { key, .. } => {
                let known = known_keys(parsed.kind);
                let expected = match suggest::closest(&key.to_string(), known.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "{name} takes a path and the keys {}",
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                diag.error(key, format!("unknown key `{key}`: {expected}"));
            }
        }
    }
    if path.is_none() {
        diag.error_at(
            parsed.attr_span,
            format!(r#"{name} needs a path, as in {}"#, example(parsed.kind)),
        );
    }
    if methods.is_empty() && method_keys == 0 {
        diag.error_at(
            parsed.attr_span,
            r#"#[route] needs at least one method, as in #[route("/p", method = "GET")]"#,
        );
    }
    (path, methods)
}

fn example(kind: Kind) -> String {
    match kind {
        Kind::Shorthand(m) => format!(r#"#[{}("/hello")]"#, m.to_ascii_lowercase()),
        Kind::Route => r#"#[route("/hello", method = "GET")]"#.to_owned(),
    }
}

fn method(value: &Expr, diag: &mut Diag) -> Option<&'static str> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    else {
        diag.error(value, r#"a method is a string, as in `method = "GET"`"#);
        return None;
    };
    let found = METHODS.iter().find(|m| **m == s.value()).copied();
    if found.is_none() {
        let upper = s.value().to_ascii_uppercase();
        let message = match suggest::closest(&upper, METHODS) {
            Some(near) => format!("unknown method `{}`: did you mean `{near}`?", s.value()),
            None => format!(
                "unknown method `{}`: expected one of {}",
                s.value(),
                METHODS.join(", ")
            ),
        };
        diag.error(s, message);
    }
    found
}

fn signature(parsed: &Parsed, diag: &mut Diag) {
    let sig = &parsed.func.sig;
    let name = parsed.kind.attr_name();
    if sig.asyncness.is_none() {
        diag.error(sig.fn_token, format!("{name} handlers must be `async fn`"));
    }
    if let Some(c) = &sig.constness {
        diag.error(c, "a handler cannot be `const`");
    }
    if let Some(u) = &sig.unsafety {
        diag.error(u, "a handler cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        diag.error(abi, "a handler cannot have an `extern` ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        diag.error(
            &sig.generics,
            "a route handler cannot be generic: the macro must know each argument's type; \
             write a non-generic wrapper that calls the generic function",
        );
    }
    for arg in &parsed.params {
        if let Type::ImplTrait(t) = &*arg.ty {
            diag.error(
                t,
                "a route handler cannot be generic: `impl Trait` arguments are generic; \
                 name a concrete extractor type",
            );
        }
    }
    for attr in &parsed.func.attrs {
        let last = attr.path().segments.last().map(|s| s.ident.to_string());
        if last.is_some_and(|n| ROUTE_ATTRIBUTES.contains(&n.as_str())) {
            diag.error(
                attr,
                "one route attribute per handler: for several methods use \
                 #[route(\"/p\", method = \"GET\", method = \"POST\")]; for several paths, \
                 write one small handler per path",
            );
        }
    }
    if let Some(r) = sig.receiver() {
        diag.error(
            r,
            "a route handler cannot take `self`: use a free function (or an associated \
             function registered with the builder)",
        );
    }
    if let Some(v) = &sig.variadic {
        diag.error(v, "a handler cannot be variadic");
    }
}

fn bindings(parsed: &Parsed, path: &LitStr, diag: &mut Diag) -> Vec<Binding> {
    let (params, errors) = template::check(&path.value());
    for e in &errors {
        diag.error_at(
            lit_span::subspan(path, e.range.start, e.range.end),
            &e.message,
        );
    }
    let mut bindings: Vec<Binding> = parsed
        .params
        .iter()
        .map(|arg| match &arg.ident {
            Some(ident) if params.iter().any(|p| ident == &p.name) => {
                Binding::PathParam(ident.to_string())
            }
            _ => Binding::Parts,
        })
        .collect();
    if let Some(last) = bindings.iter_mut().rev().find(|b| **b == Binding::Parts) {
        *last = Binding::Request;
    }
    let takes_path_extractor = parsed.params.iter().any(|a| is_path_extractor(&a.ty));
    let mut unbound = 0;
    if !takes_path_extractor {
        for p in &params {
            let bound = bindings.contains(&Binding::PathParam(p.name.clone()));
            if !bound {
                unbound += 1;
                let fix = match likely_meant(parsed, &bindings, &p.name) {
                    Some(arg) => format!(
                        "did you mean `{arg}`? Spell the path parameter and the argument \
                         the same way"
                    ),
                    None => format!(
                        "add `{}: T` to `{}`'s parameters (or take the parameters with a \
                         `Path<T>` extractor)",
                        p.name, parsed.func.sig.ident
                    ),
                };
                diag.error_at(
                    lit_span::subspan(path, p.range.start, p.range.end),
                    format!("no argument named `{}`: {fix}", p.name),
                );
            }
        }
    }
    // A malformed template or a `{name}` left unbound (most likely a misspelt
    // argument) is reported already; that says enough.
    if errors.is_empty() && unbound == 0 {
        non_extractors(parsed, &bindings, path, diag);
    }
    bindings
}

/// The argument a `{name}` with no argument of its name was most likely
/// meant for: a free argument (not bound to the path) whose name is close,
/// or else the only free argument that cannot be an extractor (a number,
/// `bool` or `char`).
fn likely_meant(parsed: &Parsed, bindings: &[Binding], name: &str) -> Option<String> {
    let free: Vec<(String, &Type)> = parsed
        .params
        .iter()
        .zip(bindings)
        .filter(|(_, b)| !matches!(b, Binding::PathParam(_)))
        .filter_map(|(arg, _)| Some((arg.ident.as_ref()?.to_string(), &*arg.ty)))
        .collect();
    if let Some(near) = suggest::closest(name, free.iter().map(|(n, _)| n.as_str())) {
        return Some(near.to_owned());
    }
    match free
        .iter()
        .filter(|(_, ty)| is_primitive(ty))
        .collect::<Vec<_>>()
        .as_slice()
    {
        [(only, _)] => Some(only.clone()),
        _ => None,
    }
}

/// Arguments that are neither path parameters nor possibly extractors: a
/// number, `bool` or `char` not named in the path.
fn non_extractors(parsed: &Parsed, bindings: &[Binding], path: &LitStr, diag: &mut Diag) {
    for (arg, binding) in parsed.params.iter().zip(bindings) {
        if let (Some(ident), Binding::Parts | Binding::Request) = (&arg.ident, binding)
            && is_primitive(&arg.ty)
        {
            diag.error(
                ident,
                format!(
                    "`{ident}` is neither a path parameter nor an extractor: the path `{}` \
                         has no `{{{ident}}}`; add it to the path, or read it from the query \
                         with `Query<T>`",
                    path.value()
                ),
            );
        }
    }
}

/// Whether `ty` is a number, `bool` or `char`: types that can only come
/// from a path parameter, never from an extractor.
fn is_primitive(ty: &Type) -> bool {
    const PRIMITIVES: [&str; 16] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char",
    ];
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .get_ident()
            .is_some_and(|i| PRIMITIVES.iter().any(|n| i == n)),
        _ => false,
    }
}

/// Whether `ty` is written `Path<…>` (the extractor taking every path
/// parameter at once), in which case `{names}` need no argument each.
fn is_path_extractor(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Path"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::parse::parse;
    use quote::quote;

    fn run(
        kind: Kind,
        attr: proc_macro2::TokenStream,
        item: proc_macro2::TokenStream,
    ) -> Result<Plan, Vec<String>> {
        let parsed = parse(kind, attr, item).map_err(|e| vec![e.to_string()])?;
        let mut diag = Diag::default();
        let plan = validate(&parsed, &mut diag);
        match diag.finish() {
            Ok(()) => Ok(plan),
            Err(e) => Err(e.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    fn errors(
        kind: Kind,
        attr: proc_macro2::TokenStream,
        item: proc_macro2::TokenStream,
    ) -> Vec<String> {
        match run(kind, attr, item) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        }
    }

    const GET: Kind = Kind::Shorthand("GET");

    #[test]
    fn binds_path_params_by_name_and_the_last_extractor_to_the_body() {
        let plan = run(
            GET,
            quote!("/users/{id}/{*rest}"),
            quote!(
                async fn user(q: Query<Q>, mut id: u64, rest: String, body: Json<B>) {}
            ),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(plan.methods, ["GET"]);
        assert_eq!(plan.path.value(), "/users/{id}/{*rest}");
        assert_eq!(
            plan.bindings,
            [
                Binding::Parts,
                Binding::PathParam("id".into()),
                Binding::PathParam("rest".into()),
                Binding::Request,
            ]
        );
    }

    #[test]
    fn route_takes_several_methods() {
        let plan = run(
            Kind::Route,
            quote!("/p", method = "GET", method = "POST"),
            quote!(
                async fn h() {}
            ),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(plan.methods, ["GET", "POST"]);
    }

    #[test]
    fn a_path_extractor_takes_the_params() {
        let plan = run(
            GET,
            quote!("/u/{id}"),
            quote!(
                async fn h(Path(id): Path<u64>) {}
            ),
        );
        assert!(plan.is_ok());
    }

    #[test]
    fn every_mistake_is_reported() {
        let cases: Vec<(
            Kind,
            proc_macro2::TokenStream,
            proc_macro2::TokenStream,
            &[&str],
        )> = vec![
            (
                GET,
                quote!("/u/{idd}"),
                quote!(
                    async fn h(id: u64, q: Query<Q>) {}
                ),
                &["no argument named `idd`: did you mean `id`?"],
            ),
            (
                GET,
                quote!("/u/{user_id}"),
                quote!(
                    async fn h(id: u64, q: Query<Q>) {}
                ),
                &["no argument named `user_id`: did you mean `id`?"],
            ),
            (
                GET,
                quote!("/u/{user_id}"),
                quote!(
                    async fn h(q: Query<Q>) {}
                ),
                &["no argument named `user_id`: add `user_id: T` to `h`'s parameters"],
            ),
            (
                GET,
                quote!("/u/{id}/{id}"),
                quote!(
                    async fn h(id: u64) {}
                ),
                &["`id` appears twice"],
            ),
            (
                GET,
                quote!("u"),
                quote!(
                    async fn h() {}
                ),
                &["must start with `/`"],
            ),
            (
                GET,
                quote!("/"),
                quote!(
                    fn h() {}
                ),
                &["must be `async fn`"],
            ),
            (
                GET,
                quote!("/"),
                quote!(
                    async fn h<T>(t: T) {}
                ),
                &["cannot be generic"],
            ),
            (
                GET,
                quote!("/"),
                quote!(
                    async fn h(&self) {}
                ),
                &["cannot take `self`"],
            ),
            (
                GET,
                quote!("/", name = "x"),
                quote!(
                    async fn h() {}
                ),
                &["unknown key `name`: #[get] takes a path and the keys `summary`"],
            ),
            (
                GET,
                quote!(),
                quote!(
                    async fn h() {}
                ),
                &["#[get] needs a path"],
            ),
            (
                GET,
                quote!("/a", "/b"),
                quote!(
                    async fn h() {}
                ),
                &["takes one path"],
            ),
            (
                Kind::Route,
                quote!("/"),
                quote!(
                    async fn h() {}
                ),
                &["needs at least one method"],
            ),
            (
                Kind::Route,
                quote!("/", method = "GET", method = "GET"),
                quote!(
                    async fn h() {}
                ),
                &["`GET` is listed twice"],
            ),
            (
                Kind::Route,
                quote!("/", method = "GTE"),
                quote!(
                    async fn h() {}
                ),
                &["unknown method `GTE`: did you mean `GET`?"],
            ),
            (
                Kind::Route,
                quote!("/", method = GET),
                quote!(
                    async fn h() {}
                ),
                &["a method is a string"],
            ),
            (
                Kind::Route,
                quote!("/", methods = "GET"),
                quote!(
                    async fn h() {}
                ),
                &[
                    "unknown key `methods`: did you mean `method`?",
                    "needs at least one method",
                ],
            ),
            (
                GET,
                quote!("/u/{a}"),
                quote!(
                    fn h<T>(&self) {}
                ),
                &[
                    "must be `async fn`",
                    "cannot be generic",
                    "cannot take `self`",
                    "no argument named `a`",
                ],
            ),
        ];
        for (kind, attr, item, expected) in cases {
            let found = errors(kind, attr.clone(), item);
            assert_eq!(found.len(), expected.len(), "{attr}: {found:?}");
            for (f, e) in found.iter().zip(expected) {
                assert!(f.contains(e), "{attr}: `{f}` lacks `{e}`");
            }
        }
    }

    #[test]
    fn a_non_function_is_refused() {
        let e = errors(
            GET,
            quote!("/"),
            quote!(
                struct S;
            ),
        );
        assert!(
            e[0].contains("#[get] goes on an `async fn` handler"),
            "{e:?}"
        );
    }
}
