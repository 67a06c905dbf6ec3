//! Building the document from an app's routes: each annotated handler's
//! describer fills a draft, then operation ids, tags and security are
//! settled across the whole document, the schemas named, and the drafts
//! written out in the specification's order.

use std::collections::{BTreeMap, HashMap};

use http::Method;
use serde_json::Value;

use super::api::{Document, OpenApi};
use super::draft::{ContentDraft, Draft, In, ParamDraft, ResponseDraft, add_response};
use super::error::OpenApiError;
use super::model::Node;
use super::private::{Describing, describers};
use super::schemas::{Finished, Schemas};
use crate::routing::{Origin, Route};

/// The OpenAPI version the document follows.
const OPENAPI_VERSION: &str = "3.1.0";

/// One operation: a method of a route.
struct Op {
    path: String,
    method: Method,
    draft: Draft,
    origin: Origin,
    module: &'static str,
    name: &'static str,
    /// Whether its handler serves several documented methods.
    shared: bool,
}

/// The document of `routes` (full paths, as the app places them).
pub(crate) fn build(api: &OpenApi, routes: &[&Route]) -> Result<Document, Vec<OpenApiError>> {
    let describe = describers();
    let mut schemas = Schemas::new();
    let mut ops = Vec::new();
    let mut errors = Vec::new();
    for route in routes {
        let Some((module, name)) = route.key() else {
            continue;
        };
        let Some(describe) = describe.get(&(module, name)) else {
            continue;
        };
        let (path, template, catch_all) = openapi_path(route.path());
        let mut draft = Draft::default();
        describe(&mut Describing::new(
            &mut draft,
            &mut schemas,
            &template,
            catch_all,
        ));
        if draft.hidden {
            continue;
        }
        let origin = route.origin();
        check(&mut draft, &origin, &mut errors);
        for name in &template {
            let declared = draft
                .parameters
                .iter()
                .any(|p| p.location == In::Path && &p.name == name);
            if !declared {
                draft.add_parameter(ParamDraft {
                    name: name.clone(),
                    location: In::Path,
                    description: None,
                    required: true,
                    deprecated: false,
                    schema: serde_json::json!({"type": "string"}),
                    spread: false,
                });
            }
        }
        let methods: Vec<&Method> = route
            .methods()
            .iter()
            .filter(|m| !(**m == Method::HEAD && route.methods().contains(&Method::GET)))
            .collect();
        for method in &methods {
            if **method == Method::CONNECT {
                errors.push(OpenApiError::at(
                    origin.clone(),
                    "OpenAPI 3.1 has no CONNECT operations: mark the handler \
                     `#[doc(hidden)]` to leave it out of the document",
                ));
                continue;
            }
            ops.push(Op {
                path: path.clone(),
                method: (*method).clone(),
                draft: draft.clone(),
                origin: origin.clone(),
                module,
                name,
                shared: methods.len() > 1,
            });
        }
    }
    let ids = operation_ids(&ops, &mut errors);
    check_security(api, &ops, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let finished = schemas.finish();
    Ok(Document {
        node: document(api, ops, &ids, &finished),
    })
}

/// What a describer found it could not describe.
fn check(draft: &mut Draft, origin: &Origin, errors: &mut Vec<OpenApiError>) {
    for problem in draft.problems.drain(..) {
        errors.push(OpenApiError::at(origin.clone(), problem));
    }
    if !draft.opaque.is_empty() && draft.declared.is_empty() {
        errors.push(OpenApiError::at(
            origin.clone(),
            format!(
                "its return type `{}` does not say which responses it sends: declare them on \
                 the route attribute, as in `responses(200 = Json<Book>, 404 = \"No such \
                 book\")`",
                draft.opaque.join("`, `")
            ),
        ));
    }
    if draft.body_example.is_some() && draft.body.is_none() {
        errors.push(OpenApiError::at(
            origin.clone(),
            "its attribute gives a request body `example`, but it reads no body",
        ));
    }
}

/// A matchit template as an OpenAPI path: `{*rest}` becomes `{rest}`. Also
/// returns the parameters' names and whether the last is a catch-all.
pub(crate) fn openapi_path(template: &str) -> (String, Vec<String>, bool) {
    let mut path = String::with_capacity(template.len());
    let mut names = Vec::new();
    let mut catch_all = false;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        // `{{` is a literal brace in matchit's templates.
        if rest[open..].starts_with("{{") {
            path.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        }
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + len];
        let name = inner.strip_prefix('*').unwrap_or(inner);
        catch_all = inner.starts_with('*');
        path.push_str(&rest[..open]);
        path.push('{');
        path.push_str(name);
        path.push('}');
        names.push(name.to_owned());
        rest = &rest[open + len + 1..];
    }
    path.push_str(rest);
    (path, names, catch_all)
}

/// Each operation's id: the attribute's `operation_id`, else the
/// handler's name, made unique by its module and then its method where
/// two operations would share one. Two attributes giving the same id is
/// an error naming both handlers.
fn operation_ids(ops: &[Op], errors: &mut Vec<OpenApiError>) -> Vec<String> {
    let explicit: Vec<Option<&String>> =
        ops.iter().map(|o| o.draft.operation_id.as_ref()).collect();
    let mut first: HashMap<&str, &Origin> = HashMap::new();
    for (op, id) in ops.iter().zip(&explicit) {
        if let Some(id) = id {
            match first.get(id.as_str()) {
                Some(other) if **other != op.origin => errors.push(OpenApiError::at(
                    op.origin.clone(),
                    format!("its operation id `{id}` is also that of handler {other}"),
                )),
                _ => {
                    first.insert(id.as_str(), &op.origin);
                }
            }
        }
    }
    let candidates = |level: usize| -> Vec<String> {
        ops.iter()
            .zip(&explicit)
            .map(|(op, id)| match id {
                Some(id) => (*id).clone(),
                None => generated_id(op, level),
            })
            .collect()
    };
    let mut ids = candidates(0);
    for level in 1..=2 {
        let clashing = clashes(&ids);
        if clashing.is_empty() {
            break;
        }
        let better = candidates(level);
        for i in clashing {
            if explicit[i].is_none() {
                ids[i] = better[i].clone();
            }
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for id in &mut ids {
        let n = seen.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            *id = format!("{id}_{n}");
        }
    }
    ids
}

/// The name (level 0), with the method for a handler of several methods;
/// then with the module (level 1, 2 with the whole module path).
fn generated_id(op: &Op, level: usize) -> String {
    let mut id = op.name.to_owned();
    if op.shared {
        id = format!("{id}_{}", op.method.as_str().to_ascii_lowercase());
    }
    match level {
        0 => id,
        1 => match op.module.rsplit_once("::") {
            Some((_, last)) => format!("{last}_{id}"),
            None => id,
        },
        _ => {
            let parts: Vec<&str> = op.module.split("::").collect();
            format!("{}_{id}", parts.join("_"))
        }
    }
}

/// The indices of ids used more than once.
fn clashes(ids: &[String]) -> Vec<usize> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for id in ids {
        *count.entry(id).or_insert(0) += 1;
    }
    (0..ids.len())
        .filter(|i| count[ids[*i].as_str()] > 1)
        .collect()
}

/// Every scheme required is declared.
fn check_security(api: &OpenApi, ops: &[Op], errors: &mut Vec<OpenApiError>) {
    let declared = |name: &str| api.schemes.iter().any(|(n, _)| n == name);
    for name in &api.security {
        if !declared(name) {
            errors.push(OpenApiError::setting(format!(
                "`OpenApi::security(\"{name}\")` requires a scheme never declared: add it with \
                 `OpenApi::security_scheme(\"{name}\", …)`"
            )));
        }
    }
    for op in ops {
        let named = op.draft.security.iter().flatten();
        for name in named.chain(&op.draft.required_schemes) {
            if !declared(name) {
                errors.push(OpenApiError::at(
                    op.origin.clone(),
                    format!(
                        "it requires the security scheme `{name}`, never declared: add it with \
                         `OpenApi::security_scheme(\"{name}\", …)`"
                    ),
                ));
            }
        }
    }
}

/// The tags of `op`: its attribute's, else a matching prefix's, else its
/// module's last segment.
fn tags(api: &OpenApi, op: &Op) -> Vec<String> {
    if let Some(tags) = &op.draft.tags {
        return tags.clone();
    }
    for (prefix, tag) in &api.prefix_tags {
        let under = op.path == *prefix
            || op.path.starts_with(prefix.as_str()) && op.path[prefix.len()..].starts_with('/');
        if under || prefix.is_empty() {
            return vec![tag.clone()];
        }
    }
    match op.module.rsplit_once("::") {
        Some((_, last)) => vec![last.to_owned()],
        None => Vec::new(),
    }
}

/// The order methods are listed in a path item, as the specification lists
/// them.
fn method_rank(method: &Method) -> usize {
    const ORDER: [Method; 8] = [
        Method::GET,
        Method::PUT,
        Method::POST,
        Method::DELETE,
        Method::OPTIONS,
        Method::HEAD,
        Method::PATCH,
        Method::TRACE,
    ];
    ORDER
        .iter()
        .position(|m| m == method)
        .unwrap_or(ORDER.len())
}

/// The whole document.
fn document(api: &OpenApi, ops: Vec<Op>, ids: &[String], finished: &Finished) -> Node {
    let mut used_tags: Vec<String> = Vec::new();
    let mut paths: BTreeMap<String, Vec<(usize, &'static str, Node)>> = BTreeMap::new();
    for (op, id) in ops.into_iter().zip(ids) {
        let tags = tags(api, &op);
        for t in &tags {
            if !used_tags.contains(t) {
                used_tags.push(t.clone());
            }
        }
        let method = method_key(&op.method);
        let node = operation(op.draft, tags, id, finished);
        paths
            .entry(op.path)
            .or_default()
            .push((method_rank(&op.method), method, node));
    }
    let paths = Node::Object(
        paths
            .into_iter()
            .map(|(path, mut methods)| {
                methods.sort_by_key(|(rank, _, _)| *rank);
                let item = methods
                    .into_iter()
                    .map(|(_, m, node)| (m.to_owned(), node))
                    .collect();
                (path, Node::Object(item))
            })
            .collect(),
    );
    let info = Node::object()
        .field("title", api.title.as_str())
        .field("version", api.version.as_str())
        .field_opt("description", api.description.clone());
    let servers: Vec<Node> = api
        .servers
        .iter()
        .map(|url| Node::object().field("url", url.as_str()))
        .collect();
    let mut components = Node::object();
    if !finished.components.is_empty() {
        let schemas = finished
            .components
            .iter()
            .map(|(name, schema)| (name.clone(), Node::from(schema.clone())))
            .collect();
        components = components.field("schemas", Node::Object(schemas));
    }
    if !api.schemes.is_empty() {
        let schemes = api
            .schemes
            .iter()
            .map(|(name, scheme)| (name.clone(), scheme.node()))
            .collect();
        components = components.field("securitySchemes", Node::Object(schemes));
    }
    let mut tag_list: Vec<Node> = api
        .tags
        .iter()
        .map(|(name, description)| {
            Node::object()
                .field("name", name.as_str())
                .field("description", description.as_str())
        })
        .collect();
    used_tags.sort();
    for tag in used_tags {
        if !api.tags.iter().any(|(n, _)| *n == tag) {
            tag_list.push(Node::object().field("name", tag));
        }
    }
    let security: Vec<Node> = api
        .security
        .iter()
        .map(|s| Node::object().field(s.as_str(), Node::Array(Vec::new())))
        .collect();
    let mut doc = Node::object()
        .field("openapi", OPENAPI_VERSION)
        .field("info", info);
    if !servers.is_empty() {
        doc = doc.field("servers", servers);
    }
    doc = doc.field("paths", paths);
    if !components.is_empty() {
        doc = doc.field("components", components);
    }
    if !security.is_empty() {
        doc = doc.field("security", security);
    }
    if !tag_list.is_empty() {
        doc = doc.field("tags", tag_list);
    }
    doc
}

fn method_key(method: &Method) -> &'static str {
    match *method {
        Method::GET => "get",
        Method::PUT => "put",
        Method::POST => "post",
        Method::DELETE => "delete",
        Method::OPTIONS => "options",
        Method::HEAD => "head",
        Method::PATCH => "patch",
        _ => "trace",
    }
}

/// One operation object.
fn operation(draft: Draft, tags: Vec<String>, id: &str, finished: &Finished) -> Node {
    let fix = |mut schema: Value| {
        finished.fix(&mut schema);
        Node::from(schema)
    };
    let mut node = Node::object();
    if !tags.is_empty() {
        node = node.field("tags", tags.into_iter().map(Node::from).collect::<Vec<_>>());
    }
    node = node
        .field_opt("summary", draft.summary)
        .field_opt("description", draft.description)
        .field("operationId", id);
    let mut params = draft.parameters;
    // Path parameters first, each place in the order found.
    params.sort_by_key(|p| p.location as u8);
    if !params.is_empty() {
        let list: Vec<Node> = params.into_iter().map(|p| parameter(p, &fix)).collect();
        node = node.field("parameters", list);
    }
    if let Some(mut body) = draft.body {
        if let (Some(example), Some(first)) = (draft.body_example, body.content.first_mut()) {
            first.example = Some(example);
        }
        node = node.field(
            "requestBody",
            Node::object()
                .field("content", content(body.content, &fix))
                .field("required", body.required),
        );
    }
    node = node.field(
        "responses",
        responses(draft.outputs, draft.rejections, draft.declared, &fix),
    );
    if draft.deprecated {
        node = node.field("deprecated", true);
    }
    if let Some(security) = security(
        draft.security,
        draft.required_schemes,
        draft.schemes_optional,
    ) {
        node = node.field("security", security);
    }
    node
}

fn parameter(p: ParamDraft, fix: &impl Fn(Value) -> Node) -> Node {
    let mut node = Node::object()
        .field("name", p.name)
        .field("in", p.location.as_str())
        .field_opt("description", p.description)
        .field("required", p.required);
    if p.deprecated {
        node = node.field("deprecated", true);
    }
    if p.spread {
        node = node.field("style", "form").field("explode", true);
    }
    node.field("schema", fix(p.schema))
}

fn content(list: Vec<ContentDraft>, fix: &impl Fn(Value) -> Node) -> Node {
    Node::Object(
        list.into_iter()
            .map(|c| {
                let mut media = Node::object();
                if let Some(schema) = c.schema {
                    media = media.field("schema", fix(schema));
                }
                if let Some(example) = c.example {
                    media = media.field("example", Node::from(example));
                }
                (c.media_type, media)
            })
            .collect(),
    )
}

/// The responses: the return type's, the extractors' rejections, then the
/// attribute's declarations over them, status by status.
fn responses(
    outputs: Vec<ResponseDraft>,
    rejections: Vec<ResponseDraft>,
    declared: Vec<ResponseDraft>,
    fix: &impl Fn(Value) -> Node,
) -> Node {
    let mut list: Vec<ResponseDraft> = Vec::new();
    for r in outputs {
        add_response(&mut list, r);
    }
    if !declared.is_empty() {
        list.retain(|r| !r.chosen);
    }
    for r in rejections {
        add_response(&mut list, r);
    }
    for d in declared {
        match list.iter_mut().find(|r| r.status == d.status) {
            Some(existing) => {
                existing.description = d.description;
                if !d.content.is_empty() {
                    existing.content = d.content;
                }
                for h in d.headers {
                    if !existing.headers.iter().any(|e| e.name == h.name) {
                        existing.headers.push(h);
                    }
                }
            }
            None => list.push(d),
        }
    }
    list.sort_by_key(|r| r.status.sort_key());
    Node::Object(
        list.into_iter()
            .map(|r| {
                let mut node = Node::object().field("description", r.description);
                if !r.headers.is_empty() {
                    let headers = r
                        .headers
                        .into_iter()
                        .map(|h| {
                            let header = Node::object()
                                .field_opt("description", h.description)
                                .field("schema", fix(h.schema));
                            (h.name, header)
                        })
                        .collect();
                    node = node.field("headers", Node::Object(headers));
                }
                if !r.content.is_empty() {
                    node = node.field("content", content(r.content, fix));
                }
                (r.status.to_string(), node)
            })
            .collect(),
    )
}

/// The operation's security requirements, when it has its own.
fn security(attribute: Option<Vec<String>>, required: Vec<String>, optional: bool) -> Option<Node> {
    if let Some(alternatives) = attribute {
        return Some(Node::Array(
            alternatives
                .into_iter()
                .map(|s| Node::object().field(s, Node::Array(Vec::new())))
                .collect(),
        ));
    }
    if required.is_empty() {
        return None;
    }
    let mut all = Node::object();
    for s in required {
        all = all.field(s, Node::Array(Vec::new()));
    }
    let mut list = vec![all];
    if optional {
        list.push(Node::object());
    }
    Some(Node::Array(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_openapi_paths() {
        assert_eq!(
            openapi_path("/users/{id}/files/{*rest}"),
            (
                "/users/{id}/files/{rest}".to_owned(),
                vec!["id".to_owned(), "rest".to_owned()],
                true
            )
        );
        assert_eq!(openapi_path("/a"), ("/a".to_owned(), vec![], false));
        assert_eq!(
            openapi_path("/{{x}}/{id}"),
            ("/{{x}}/{id}".to_owned(), vec!["id".to_owned()], false)
        );
    }

    fn op(module: &'static str, name: &'static str, method: Method, shared: bool) -> Op {
        Op {
            path: "/".into(),
            method,
            draft: Draft::default(),
            origin: Origin {
                handler: name.into(),
                site: None,
            },
            module,
            name,
            shared,
        }
    }

    #[test]
    fn operation_ids_are_names_made_unique() {
        let mut explicit = op("app::a", "custom", Method::GET, false);
        explicit.draft.operation_id = Some("getCustom".into());
        let ops = vec![
            op("app", "index", Method::GET, false),
            op("app::books", "list", Method::GET, false),
            op("app::authors", "list", Method::GET, false),
            op("app", "save", Method::PUT, true),
            op("app", "save", Method::PATCH, true),
            explicit,
        ];
        let mut errors = Vec::new();
        let ids = operation_ids(&ops, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            ids,
            [
                "index",
                "books_list",
                "authors_list",
                "save_put",
                "save_patch",
                "getCustom"
            ]
        );
    }

    #[test]
    fn two_attributes_giving_one_id_is_an_error() {
        let mut a = op("app", "a", Method::GET, false);
        a.draft.operation_id = Some("same".into());
        let mut b = op("app", "b", Method::GET, false);
        b.draft.operation_id = Some("same".into());
        let mut errors = Vec::new();
        operation_ids(&[a, b], &mut errors);
        assert_eq!(
            errors[0].to_string(),
            "the OpenAPI document cannot describe handler `b`: its operation id `same` is also \
             that of handler `a`"
        );
    }
}
