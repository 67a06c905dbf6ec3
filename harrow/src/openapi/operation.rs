//! [`Operation`]: what an extractor adds to the description of the
//! operations that take it, and [`Parameter`], one of the things it adds.

use http::StatusCode;
use schemars::{JsonSchema, Schema};

use super::draft::{BodyDraft, ContentDraft, Draft, In, ParamDraft, ResponseDraft, add_response};
use super::responses::Status;
use super::schemas::{Schemas, Side, without_null};

/// The operation being described, as an extractor sees it: an
/// implementation of [`DescribeInput`](super::DescribeInput) adds the
/// parameters it reads, the body it consumes, the responses it rejects
/// requests with, and the security schemes it checks.
///
/// Schemas come from [`Operation::schema_for`]: as serde *deserializes* the
/// type, since a request is read.
///
/// ```
/// use harrow::openapi::{DescribeInput, Operation, Parameter};
/// use harrow::StatusCode;
///
/// /// Reads the `x-api-version` header.
/// struct ApiVersion(u32);
///
/// impl DescribeInput for ApiVersion {
///     fn describe(op: &mut Operation<'_>) {
///         let schema = op.schema_for::<u32>();
///         op.parameter(
///             Parameter::header("x-api-version", schema).description("The API version"),
///         );
///         op.rejection(StatusCode::BAD_REQUEST, "The `x-api-version` header is missing.");
///     }
/// }
/// ```
pub struct Operation<'a> {
    pub(crate) draft: &'a mut Draft,
    pub(crate) schemas: &'a mut Schemas,
    pub(crate) template: &'a [String],
    /// Whether the template's last parameter is a catch-all (`{*rest}`).
    pub(crate) catch_all: bool,
}

impl Operation<'_> {
    /// `T`'s schema as a request carries it (serde's `Deserialize` view): a
    /// reference to its component for a named type, the schema itself for
    /// a primitive.
    pub fn schema_for<T: JsonSchema + ?Sized>(&mut self) -> Schema {
        self.schemas.schema_for::<T>(Side::Input)
    }

    /// The names of the path template's parameters, in order (a catch-all
    /// `{*rest}` as `rest`), for an extractor that reads them by position.
    pub fn path_parameters(&self) -> &[String] {
        self.template
    }

    /// Adds a parameter, replacing one of the same name and place.
    pub fn parameter(&mut self, parameter: Parameter) {
        self.draft.add_parameter(parameter.0);
    }

    /// Adds a media type to the request body, which becomes required.
    /// `schema` is `None` for a body of any shape (bytes).
    pub fn body(&mut self, media_type: &str, schema: Option<Schema>) {
        let body = self.draft.body.get_or_insert_with(BodyDraft::default);
        body.required = true;
        body.content.push(ContentDraft {
            media_type: media_type.to_owned(),
            schema: schema.map(Schema::to_value),
            example: None,
        });
    }

    /// Marks the request body optional: an empty body is accepted.
    pub fn body_optional(&mut self) {
        if let Some(body) = &mut self.draft.body {
            body.required = false;
        }
    }

    /// Adds a response the extractor answers when it refuses a request:
    /// `status` with a plain-text message, as harrow's rejections are.
    pub fn rejection(&mut self, status: StatusCode, description: &str) {
        let schema = serde_json::json!({ "type": "string" });
        add_response(
            &mut self.draft.rejections,
            ResponseDraft {
                status: Status::Code(status),
                description: description.to_owned(),
                content: vec![ContentDraft {
                    media_type: "text/plain".into(),
                    schema: Some(schema),
                    example: None,
                }],
                headers: Vec::new(),
                chosen: false,
            },
        );
    }

    /// Says the operation requires the security scheme `name`, declared
    /// with [`OpenApi::security_scheme`](super::OpenApi::security_scheme):
    /// what an authentication extractor adds.
    pub fn security(&mut self, name: &str) {
        if !self.draft.required_schemes.iter().any(|s| s == name) {
            self.draft.required_schemes.push(name.to_owned());
        }
    }

    /// Describes `f`'s additions as optional: its parameters not required,
    /// its security schemes not needed, and its rejections left out (an
    /// `Option<T>` extractor never refuses a request).
    pub(crate) fn optional(&mut self, f: impl FnOnce(&mut Operation<'_>)) {
        let scratch = self.isolated(f);
        for mut p in scratch.parameters {
            p.required = false;
            p.schema = without_null(p.schema);
            self.draft.add_parameter(p);
        }
        if !scratch.required_schemes.is_empty() {
            for s in scratch.required_schemes {
                self.security(&s);
            }
            self.draft.schemes_optional = true;
        }
        self.draft.problems.extend(scratch.problems);
    }

    /// Describes `f`'s additions without the rejections: for a
    /// `Result<T, T::Rejection>` extractor, which hands them to the handler.
    pub(crate) fn without_rejections(&mut self, f: impl FnOnce(&mut Operation<'_>)) {
        let scratch = self.isolated(f);
        for p in scratch.parameters {
            self.draft.add_parameter(p);
        }
        if let Some(body) = scratch.body {
            self.draft.body = Some(body);
        }
        for s in scratch.required_schemes {
            self.security(&s);
        }
        self.draft.problems.extend(scratch.problems);
    }

    /// Runs `f` on an empty draft and returns what it added.
    fn isolated(&mut self, f: impl FnOnce(&mut Operation<'_>)) -> Draft {
        let mut scratch = Draft::default();
        f(&mut Operation {
            draft: &mut scratch,
            schemas: self.schemas,
            template: self.template,
            catch_all: self.catch_all,
        });
        scratch
    }

    /// Adds `T`'s fields as query parameters (a struct), or one free-form
    /// parameter for a map.
    pub(crate) fn query_of<T: JsonSchema>(&mut self) {
        let schema = self.schemas.inline_for::<T>(Side::Input).to_value();
        let resolved = self.schemas.resolve(Side::Input, &schema).clone();
        let fields = object_fields(self.schemas, &resolved);
        match fields {
            Some(fields) => {
                for (name, schema, required) in fields {
                    let description = description_of(&schema);
                    let mut param = ParamDraft {
                        name,
                        location: In::Query,
                        description,
                        required,
                        deprecated: schema.get("deprecated") == Some(&true.into()),
                        schema: without_null(schema),
                        spread: false,
                    };
                    if let Some(object) = param.schema.as_object_mut() {
                        object.remove("description");
                    }
                    self.draft.add_parameter(param);
                }
            }
            None => self.draft.add_parameter(ParamDraft {
                name: "query".into(),
                location: In::Query,
                description: None,
                required: false,
                deprecated: false,
                schema: resolved,
                spread: true,
            }),
        }
    }

    /// Adds the path parameter `name` with `T`'s schema.
    pub(crate) fn path_param_of<T: JsonSchema>(&mut self, name: &str) {
        let schema = self.schemas.schema_for::<T>(Side::Input).to_value();
        self.add_path_param(name, schema);
    }

    /// Adds the path parameter `name` with `schema`.
    pub(crate) fn add_path_param(&mut self, name: &str, schema: serde_json::Value) {
        let mut schema = without_null(schema);
        let mut description = description_of(&schema);
        if let Some(object) = schema.as_object_mut() {
            object.remove("description");
        }
        if self.catch_all && self.template.last().is_some_and(|last| last == name) {
            description.get_or_insert_with(|| "The rest of the path: it may hold `/`.".to_owned());
        }
        self.draft.add_parameter(ParamDraft {
            name: name.to_owned(),
            location: In::Path,
            description,
            required: true,
            deprecated: false,
            schema,
            spread: false,
        });
    }
}

/// `(name, schema, required)` for each property of an object schema, with
/// the `allOf` parts (of a `#[serde(flatten)]` field) followed; `None` when
/// the schema is not an object of named fields.
fn object_fields(
    schemas: &Schemas,
    schema: &serde_json::Value,
) -> Option<Vec<(String, serde_json::Value, bool)>> {
    let mut fields = Vec::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let properties = schema.get("properties").and_then(|p| p.as_object());
    for (name, s) in properties.into_iter().flatten() {
        fields.push((name.clone(), s.clone(), required.contains(&name.as_str())));
    }
    let parts = schema.get("allOf").and_then(|a| a.as_array());
    for part in parts.into_iter().flatten() {
        let part = schemas.resolve(Side::Input, part);
        fields.extend(object_fields(schemas, part)?);
    }
    (properties.is_some() || parts.is_some()).then_some(fields)
}

fn description_of(schema: &serde_json::Value) -> Option<String> {
    schema
        .get("description")
        .and_then(|d| d.as_str())
        .map(str::to_owned)
}

/// A parameter of an operation: in the path, the query, a header or a
/// cookie. Built by an extractor's [`DescribeInput`](super::DescribeInput)
/// implementation and added with [`Operation::parameter`].
///
/// ```
/// use harrow::openapi::{Operation, Parameter};
///
/// fn describe(op: &mut Operation<'_>) {
///     let schema = op.schema_for::<String>();
///     op.parameter(Parameter::cookie("session", schema).description("The session id"));
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, Clone)]
pub struct Parameter(ParamDraft);

impl Parameter {
    fn new(name: &str, location: In, schema: Schema, required: bool) -> Self {
        Parameter(ParamDraft {
            name: name.to_owned(),
            location,
            description: None,
            required,
            deprecated: false,
            schema: schema.to_value(),
            spread: false,
        })
    }

    /// A path parameter: always required.
    pub fn path(name: &str, schema: Schema) -> Self {
        Self::new(name, In::Path, schema, true)
    }

    /// A query parameter, required unless made [`optional`](Parameter::optional).
    pub fn query(name: &str, schema: Schema) -> Self {
        Self::new(name, In::Query, schema, true)
    }

    /// A request header, required unless made [`optional`](Parameter::optional).
    pub fn header(name: &str, schema: Schema) -> Self {
        Self::new(name, In::Header, schema, true)
    }

    /// A cookie, required unless made [`optional`](Parameter::optional).
    pub fn cookie(name: &str, schema: Schema) -> Self {
        Self::new(name, In::Cookie, schema, true)
    }

    /// What the parameter is, in a sentence.
    pub fn description(mut self, text: &str) -> Self {
        self.0.description = Some(text.to_owned());
        self
    }

    /// Not required (a path parameter always is).
    pub fn optional(mut self) -> Self {
        if self.0.location != In::Path {
            self.0.required = false;
            self.0.schema = without_null(self.0.schema);
        }
        self
    }

    /// Marks the parameter deprecated.
    pub fn deprecated(mut self) -> Self {
        self.0.deprecated = true;
        self
    }
}
