//! Validate, for the OpenAPI document: the attribute keys that describe an
//! operation beyond what its types say (`summary`, `tags`, `responses`, …)
//! and the function's doc comment, into a [`Describe`] model that the
//! expand stage turns into the operation's description.
//!
//! The keys are refused without harrow's `openapi` feature, whose document
//! is the only thing that reads them, so that they never go unnoticed.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprArray, ExprLit, Ident, Lit, LitInt, LitStr, Token, Type};

use super::parse::FnDocs;
use crate::diag::Diag;

/// Whether harrow was built with its `openapi` feature, which turns on this
/// crate's.
pub(crate) const OPENAPI_BUILT: bool = cfg!(feature = "openapi");

/// The keys written `key = value`.
pub(crate) const VALUE_KEYS: [&str; 6] = [
    "summary",
    "description",
    "operation_id",
    "tags",
    "security",
    "example",
];

/// The keys written `key(…)`.
pub(crate) const LIST_KEYS: [&str; 1] = ["responses"];

/// One response declared with `responses(…)`.
pub(crate) struct Declared {
    /// `"404"`, `"4XX"` or `"default"`: the key of the document's
    /// `responses` object.
    pub(crate) status: String,
    pub(crate) description: Option<LitStr>,
    /// The body's type, described as a handler's return type is.
    pub(crate) body: Option<Type>,
    pub(crate) example: Option<Expr>,
}

/// What the document says of the operation besides its types.
#[derive(Default)]
pub(crate) struct Describe {
    /// The doc comment's first paragraph, or the `summary` key.
    pub(crate) summary: Option<String>,
    /// The rest of the doc comment, or the `description` key.
    pub(crate) description: Option<String>,
    pub(crate) operation_id: Option<LitStr>,
    pub(crate) tags: Option<Vec<LitStr>>,
    /// `Some(empty)` for `security = []`: no authentication.
    pub(crate) security: Option<Vec<LitStr>>,
    /// An example of the request body.
    pub(crate) example: Option<Expr>,
    pub(crate) responses: Vec<Declared>,
    pub(crate) deprecated: bool,
    pub(crate) hidden: bool,
}

/// Collects the describing keys one at a time, then [`Keys::finish`]es with
/// the doc comment.
pub(crate) struct Keys {
    describe: Describe,
    summary: Option<LitStr>,
    description: Option<LitStr>,
    seen: Vec<String>,
    built: bool,
}

impl Keys {
    /// `built`: whether harrow's `openapi` feature is on.
    pub(crate) fn new(built: bool) -> Self {
        Keys {
            describe: Describe::default(),
            summary: None,
            description: None,
            seen: Vec::new(),
            built,
        }
    }

    /// Whether `key` is one of the keys this module reads as `key = value`.
    pub(crate) fn is_value_key(key: &Ident) -> bool {
        VALUE_KEYS.iter().any(|k| key == k)
    }

    /// Whether `key` is one of the keys this module reads as `key(…)`.
    pub(crate) fn is_list_key(key: &Ident) -> bool {
        LIST_KEYS.iter().any(|k| key == k)
    }

    /// Checks that `key` is given once and that the feature is on.
    fn first(&mut self, key: &Ident, shape: &str, diag: &mut Diag) -> bool {
        let name = key.to_string();
        if self.seen.contains(&name) {
            diag.error(key, format!("`{name}` is given twice"));
            return false;
        }
        self.seen.push(name);
        if !self.built {
            diag.error(
                key,
                format!(
                    "`{shape}` describes the route in the OpenAPI document, which needs the \
                     `openapi` cargo feature of `harrow`: add `features = [\"openapi\"]` to \
                     the `harrow` dependency"
                ),
            );
            return false;
        }
        true
    }

    /// Reads `key = value`, a key for which [`Keys::is_value_key`] holds.
    pub(crate) fn value(&mut self, key: &Ident, value: &Expr, diag: &mut Diag) {
        let name = key.to_string();
        if !self.first(key, &format!("{name} = …"), diag) {
            return;
        }
        match name.as_str() {
            "summary" => self.summary = string(key, value, diag),
            "description" => self.description = string(key, value, diag),
            "operation_id" => {
                if let Some(id) = string(key, value, diag) {
                    if id.value().trim().is_empty() {
                        diag.error(&id, "an operation id cannot be empty");
                    } else {
                        self.describe.operation_id = Some(id);
                    }
                }
            }
            "tags" => self.describe.tags = strings(key, value, diag),
            "security" => self.describe.security = strings(key, value, diag),
            _ => self.describe.example = Some(value.clone()),
        }
    }

    /// Reads `responses(…)`.
    pub(crate) fn list(&mut self, key: &Ident, content: &TokenStream, diag: &mut Diag) {
        if !self.first(key, "responses(…)", diag) {
            return;
        }
        let entries = match Punctuated::<Entry, Token![,]>::parse_terminated.parse2(content.clone())
        {
            Ok(entries) => entries,
            Err(e) => {
                diag.push(e);
                return;
            }
        };
        for entry in entries {
            if self
                .describe
                .responses
                .iter()
                .any(|d| d.status == entry.status)
            {
                diag.error_at(
                    entry.status_span,
                    format!("status {} is listed twice", entry.status),
                );
                continue;
            }
            for (span, message) in entry.errors {
                diag.error_at(span, message);
            }
            self.describe.responses.push(Declared {
                status: entry.status,
                description: entry.description,
                body: entry.body,
                example: entry.example,
            });
        }
    }

    /// The model, the doc comment filling in what no key gave.
    pub(crate) fn finish(mut self, docs: &FnDocs) -> Describe {
        let (summary, description) = split_docs(&docs.lines);
        self.describe.summary = self.summary.map(|s| s.value()).or(summary);
        self.describe.description = self.description.map(|s| s.value()).or(description);
        self.describe.deprecated = docs.deprecated;
        self.describe.hidden = docs.hidden;
        self.describe
    }
}

fn string(key: &Ident, value: &Expr, diag: &mut Diag) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        _ => {
            diag.error(
                value,
                format!(r#"`{key}` is a string, as in `{key} = "…"`"#),
            );
            None
        }
    }
}

fn strings(key: &Ident, value: &Expr, diag: &mut Diag) -> Option<Vec<LitStr>> {
    let Expr::Array(ExprArray { elems, .. }) = value else {
        diag.error(
            value,
            format!(r#"`{key}` is a list of strings, as in `{key} = ["books"]`"#),
        );
        return None;
    };
    let mut out = Vec::new();
    for elem in elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) if !s.value().is_empty() => {
                if out.iter().any(|o: &LitStr| o.value() == s.value()) {
                    diag.error(s, format!("`{}` is listed twice", s.value()));
                } else {
                    out.push(s.clone());
                }
            }
            other => diag.error(other, format!("`{key}` lists non-empty strings")),
        }
    }
    Some(out)
}

/// The doc comment's first paragraph as the summary, on one line, and the
/// paragraphs after it as the description.
fn split_docs(lines: &[String]) -> (Option<String>, Option<String>) {
    let mut rest = lines
        .iter()
        .map(|l| l.trim_end())
        .skip_while(|l| l.is_empty());
    let summary: Vec<&str> = rest.by_ref().take_while(|l| !l.is_empty()).collect();
    let body: Vec<&str> = rest.skip_while(|l| l.is_empty()).collect();
    let summary = (!summary.is_empty()).then(|| {
        summary
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut body = body.join("\n");
    body.truncate(body.trim_end().len());
    (summary, (!body.is_empty()).then_some(body))
}

/// One `STATUS = …` of `responses(…)`, with the mistakes found inside it.
struct Entry {
    status: String,
    status_span: proc_macro2::Span,
    description: Option<LitStr>,
    body: Option<Type>,
    example: Option<Expr>,
    errors: Vec<(proc_macro2::Span, String)>,
}

impl syn::parse::Parse for Entry {
    /// `404 = "No such book"`, `409 = Json<ApiError>`, or
    /// `200 = (Json<Book>, "The book", example = …)`.
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut errors = Vec::new();
        let (status, status_span) = status(input, &mut errors)?;
        input.parse::<Token![=]>()?;
        let mut entry = Entry {
            status,
            status_span,
            description: None,
            body: None,
            example: None,
            errors,
        };
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let parts = Punctuated::<Part, Token![,]>::parse_terminated(&content)?;
            for part in parts {
                entry.add(part);
            }
        } else {
            let part = input.parse()?;
            entry.add(part);
        }
        Ok(entry)
    }
}

impl Entry {
    fn add(&mut self, part: Part) {
        match part {
            Part::Description(s) if self.description.is_none() => self.description = Some(s),
            Part::Description(s) => self
                .errors
                .push((s.span(), "a response has one description".into())),
            Part::Body(ty) if self.body.is_none() => self.body = Some(*ty),
            Part::Body(ty) => self.errors.push((
                syn::spanned::Spanned::span(&ty),
                "a response has one body type".into(),
            )),
            Part::Example(key, e) if self.example.is_none() => {
                let _ = key;
                self.example = Some(e);
            }
            Part::Example(key, _) => self
                .errors
                .push((key.span(), "a response has one example".into())),
        }
    }
}

/// A response's status: `404`, `"4XX"` or `default`.
fn status(
    input: ParseStream<'_>,
    errors: &mut Vec<(proc_macro2::Span, String)>,
) -> syn::Result<(String, proc_macro2::Span)> {
    if input.peek(LitInt) {
        let lit: LitInt = input.parse()?;
        match lit.base10_parse::<u16>() {
            Ok(code @ 100..=599) => return Ok((code.to_string(), lit.span())),
            _ => errors.push((
                lit.span(),
                format!(
                    "`{lit}` is not an HTTP status: use 100 to 599, a class such as \"4XX\", \
                     or `default`"
                ),
            )),
        }
        return Ok((lit.to_string(), lit.span()));
    }
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let value = lit.value();
        let bytes = value.as_bytes();
        let class = bytes.len() == 3 && (b'1'..=b'5').contains(&bytes[0]) && &bytes[1..] == b"XX";
        if !class {
            errors.push((
                lit.span(),
                format!(
                    "\"{value}\" is not a status class: write \"1XX\" to \"5XX\", or a status \
                     such as 404"
                ),
            ));
        }
        return Ok((value, lit.span()));
    }
    if input.peek(Ident) && input.fork().parse::<Ident>()? == "default" {
        let ident: Ident = input.parse()?;
        return Ok(("default".into(), ident.span()));
    }
    Err(input
        .error("expected a status: a number such as 404, a class such as \"4XX\", or `default`"))
}

/// One item inside `STATUS = (…)`.
enum Part {
    Description(LitStr),
    Body(Box<Type>),
    Example(Ident, Expr),
}

impl syn::parse::Parse for Part {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Part::Description(input.parse()?));
        }
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            if key != "example" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown key `{key}` in a response: it takes a description, a body \
                         type and `example = …`"
                    ),
                ));
            }
            input.parse::<Token![=]>()?;
            return Ok(Part::Example(key, input.parse()?));
        }
        match input.parse::<Type>() {
            Ok(ty) => Ok(Part::Body(Box::new(ty))),
            Err(e) => Err(syn::Error::new(
                e.span(),
                "expected a description (\"…\"), a body type such as `Json<Book>`, or \
                 `example = …`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The messages of the errors `diag` gathered (it must hold some).
    fn messages(diag: Diag) -> Vec<String> {
        diag.finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn docs(lines: &[&str]) -> (Option<String>, Option<String>) {
        let lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        split_docs(&lines)
    }

    #[test]
    fn the_first_paragraph_is_the_summary() {
        assert_eq!(docs(&[]), (None, None));
        assert_eq!(docs(&["One book."]), (Some("One book.".into()), None));
        assert_eq!(
            docs(&[
                "",
                "One book,",
                "by id.",
                "",
                "",
                "Details",
                "  indented",
                ""
            ]),
            (
                Some("One book, by id.".into()),
                Some("Details\n  indented".into())
            )
        );
    }

    fn responses(tokens: TokenStream) -> Result<Vec<Declared>, Vec<String>> {
        let key = Ident::new("responses", proc_macro2::Span::call_site());
        let mut keys = Keys::new(true);
        let mut diag = Diag::default();
        keys.list(&key, &tokens, &mut diag);
        match diag.finish() {
            Ok(()) => Ok(keys.finish(&FnDocs::default()).responses),
            Err(e) => Err(e.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    #[test]
    fn responses_take_a_description_a_body_and_an_example() {
        let declared = responses(quote!(
            404 = "No such book",
            409 = Json<ApiError>,
            "5XX" = ("Server trouble"),
            default = (Json<Book>, "The book", example = json!({"id": 1})),
        ))
        .unwrap_or_else(|e| panic!("{e:?}"));
        let statuses: Vec<&str> = declared.iter().map(|d| d.status.as_str()).collect();
        assert_eq!(statuses, ["404", "409", "5XX", "default"]);
        assert_eq!(
            declared[0].description.as_ref().unwrap().value(),
            "No such book"
        );
        assert!(declared[1].body.is_some() && declared[1].description.is_none());
        assert!(declared[3].example.is_some());
    }

    #[test]
    fn response_mistakes_are_reported_at_their_token() {
        let cases: Vec<(TokenStream, &str)> = vec![
            (quote!(600 = "x"), "`600` is not an HTTP status"),
            (quote!("4xx" = "x"), "\"4xx\" is not a status class"),
            (quote!(404 = "a", 404 = "b"), "status 404 is listed twice"),
            (quote!(404 = ("a", "b")), "a response has one description"),
            (
                quote!(404 = (Json<A>, Json<B>)),
                "a response has one body type",
            ),
            (
                quote!(404 = (sample = 1)),
                "unknown key `sample` in a response",
            ),
            (quote!(oops = "x"), "expected a status"),
        ];
        for (tokens, expected) in cases {
            let errors = responses(tokens.clone()).err().unwrap_or_default();
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{tokens}: {errors:?}"
            );
        }
    }

    #[test]
    fn keys_need_the_feature_and_are_given_once() {
        let key = Ident::new("summary", proc_macro2::Span::call_site());
        let value: Expr = syn::parse_quote!("One book");
        let mut diag = Diag::default();
        let mut keys = Keys::new(false);
        keys.value(&key, &value, &mut diag);
        let errors = messages(diag);
        assert!(
            errors[0].contains("needs the `openapi` cargo feature"),
            "{errors:?}"
        );

        let mut diag = Diag::default();
        let mut keys = Keys::new(true);
        keys.value(&key, &value, &mut diag);
        keys.value(&key, &value, &mut diag);
        let errors = messages(diag);
        assert_eq!(errors, ["`summary` is given twice"]);
    }

    #[test]
    fn lists_are_lists_of_strings() {
        let mut diag = Diag::default();
        let mut keys = Keys::new(true);
        let tags = Ident::new("tags", proc_macro2::Span::call_site());
        keys.value(&tags, &syn::parse_quote!("books"), &mut diag);
        let security = Ident::new("security", proc_macro2::Span::call_site());
        keys.value(
            &security,
            &syn::parse_quote!(["bearer", "bearer"]),
            &mut diag,
        );
        let errors = messages(diag);
        assert!(
            errors[0].contains("`tags` is a list of strings"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "`bearer` is listed twice");
    }
}
