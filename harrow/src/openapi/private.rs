//! What the route attributes' generated describers name, through
//! `::harrow::__private::openapi`. Not public API.
//!
//! A describer is `fn __harrow_operation(&mut Describing)`: it probes each
//! argument and the return type (see [`Probe`]) and applies the
//! attribute's keys, and an `inventory` entry ([`Described`]) finds it by
//! the handler's module and name when the document is built.

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::draft::{ContentDraft, Draft, ResponseDraft};
use super::inputs::{DescribeInput, short_name};
use super::operation::Operation;
use super::outputs::{DescribeOutput, declared};
use super::responses::{Responses, Status};
use super::schemas::Schemas;

/// One annotated handler's describer, submitted by its route attribute.
#[derive(Debug)]
pub struct Described {
    /// The handler's module, as `module_path!()` gives it.
    pub module: &'static str,
    /// The handler's name.
    pub name: &'static str,
    /// Describes the handler's operation.
    pub describe: fn(&mut Describing<'_>),
}

inventory::collect!(Described);

/// Every describer, by the handler's module and name.
pub(crate) fn describers()
-> std::collections::HashMap<(&'static str, &'static str), fn(&mut Describing<'_>)> {
    inventory::iter::<Described>
        .into_iter()
        .map(|d| ((d.module, d.name), d.describe))
        .collect()
}

/// A response being declared with `responses(…)`.
struct Declaring {
    status: Status,
    description: Option<String>,
    body: Vec<ResponseDraft>,
    example: Option<Value>,
}

/// The operation a generated describer fills in.
pub struct Describing<'a> {
    draft: &'a mut Draft,
    schemas: &'a mut Schemas,
    template: &'a [String],
    catch_all: bool,
    declaring: Option<Declaring>,
}

impl<'a> Describing<'a> {
    /// Describes into `draft` the route whose path has the parameters
    /// `template` (the last a catch-all when `catch_all`).
    pub(crate) fn new(
        draft: &'a mut Draft,
        schemas: &'a mut Schemas,
        template: &'a [String],
        catch_all: bool,
    ) -> Self {
        Describing {
            draft,
            schemas,
            template,
            catch_all,
            declaring: None,
        }
    }

    fn operation(&mut self) -> Operation<'_> {
        Operation {
            draft: self.draft,
            schemas: self.schemas,
            template: self.template,
            catch_all: self.catch_all,
        }
    }

    fn responses(&mut self) -> Responses<'_> {
        let list = match &mut self.declaring {
            Some(declaring) => &mut declaring.body,
            None => &mut self.draft.outputs,
        };
        Responses {
            list,
            schemas: self.schemas,
            opaque: &mut self.draft.opaque,
        }
    }

    fn undescribed(&mut self, what: &str, type_name: &str, fix: &str) {
        self.draft.problems.push(format!(
            "{what} has type `{type_name}`, which has no OpenAPI description: {fix}"
        ));
    }

    /// `#[doc(hidden)]`: the handler is left out of the document.
    pub fn hide(&mut self) {
        self.draft.hidden = true;
    }

    /// The summary: the doc comment's first paragraph, or `summary = …`.
    pub fn summary(&mut self, text: &str) {
        self.draft.summary = Some(text.to_owned());
    }

    /// The description: the rest of the doc comment, or `description = …`.
    pub fn description(&mut self, text: &str) {
        self.draft.description = Some(text.to_owned());
    }

    /// `#[deprecated]`.
    pub fn deprecated(&mut self) {
        self.draft.deprecated = true;
    }

    /// `operation_id = …`.
    pub fn operation_id(&mut self, id: &str) {
        self.draft.operation_id = Some(id.to_owned());
    }

    /// `tags = […]`.
    pub fn tags(&mut self, tags: &[&str]) {
        self.draft.tags = Some(tags.iter().map(|t| (*t).to_owned()).collect());
    }

    /// `security = […]`.
    pub fn security(&mut self, schemes: &[&str]) {
        self.draft.security = Some(schemes.iter().map(|s| (*s).to_owned()).collect());
    }

    /// `example = …`: an example of the request body.
    pub fn request_example(&mut self, example: Result<Value, String>) {
        match example {
            Ok(value) => self.draft.body_example = Some(value),
            Err(e) => self
                .draft
                .problems
                .push(format!("its request body example does not serialize: {e}")),
        }
    }

    /// A return type that cannot be named, such as `impl IntoResponse`.
    pub fn opaque_output(&mut self, text: &str) {
        self.draft.opaque.push(text.to_owned());
    }

    /// Starts a response declared with `responses(…)`: a body type
    /// described next goes into it.
    pub fn begin_response(&mut self, status: &str, description: Option<&str>) {
        let status = Status::parse(status).unwrap_or(Status::Default);
        self.declaring = Some(Declaring {
            status,
            description: description.map(str::to_owned),
            body: Vec::new(),
            example: None,
        });
    }

    /// The example of the response being declared.
    pub fn response_example(&mut self, example: Result<Value, String>) {
        match (example, &mut self.declaring) {
            (Ok(value), Some(declaring)) => declaring.example = Some(value),
            (Err(e), _) => self
                .draft
                .problems
                .push(format!("a response example does not serialize: {e}")),
            (Ok(_), None) => {}
        }
    }

    /// Ends the response being declared: its content is what its body type
    /// describes (whatever statuses that names), its description the given
    /// one or else the body's or the status's.
    pub fn end_response(&mut self) {
        let Some(declaring) = self.declaring.take() else {
            return;
        };
        let mut response = declared(declaring.status, "");
        for part in declaring.body {
            if response.description.is_empty() {
                response.description = part.description;
            }
            for content in part.content {
                if !response
                    .content
                    .iter()
                    .any(|c| c.media_type == content.media_type)
                {
                    response.content.push(content);
                }
            }
            response.headers.extend(part.headers);
        }
        if let Some(example) = declaring.example {
            match response.content.first_mut() {
                Some(content) => content.example = Some(example),
                None => response.content.push(ContentDraft {
                    media_type: "application/json".into(),
                    schema: None,
                    example: Some(example),
                }),
            }
        }
        response.description = declaring
            .description
            .unwrap_or_else(|| declaring.status.reason());
        self.draft.declared.push(response);
    }
}

/// Serializes an example given on a route attribute.
pub fn example<T: Serialize + ?Sized>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// A handler argument's or return type's type, asked for its description:
/// `(&&Probe::<T>::new()).input(..)`. Method lookup takes the impl on
/// `&Probe<T>` when `T` is described, else the one on `Probe<T>`, which
/// records the type as undescribed; so the generated code compiles for any
/// type, and only a program that builds a document hears of the gap.
pub struct Probe<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// An argument described by [`DescribeInput`].
pub trait InputDescribed {
    /// Adds its description.
    fn input(&self, op: &mut Describing<'_>, what: &str);
}

impl<T: DescribeInput + ?Sized> InputDescribed for &Probe<T> {
    fn input(&self, op: &mut Describing<'_>, _what: &str) {
        T::describe(&mut op.operation());
    }
}

/// An argument with no description.
pub trait InputUndescribed {
    /// Records it.
    fn input(&self, op: &mut Describing<'_>, what: &str);
}

impl<T: ?Sized> InputUndescribed for Probe<T> {
    fn input(&self, op: &mut Describing<'_>, what: &str) {
        op.undescribed(
            &format!("its {what}"),
            &short_name::<T>(),
            "implement `harrow::openapi::DescribeInput` for it (the built-in extractors have it \
             when their type parameter derives `JsonSchema`)",
        );
    }
}

/// A return type described by [`DescribeOutput`].
pub trait OutputDescribed {
    /// Adds its responses.
    fn output(&self, op: &mut Describing<'_>, what: &str);
}

impl<T: DescribeOutput + ?Sized> OutputDescribed for &Probe<T> {
    fn output(&self, op: &mut Describing<'_>, _what: &str) {
        T::describe(&mut op.responses());
    }
}

/// A return type with no description.
pub trait OutputUndescribed {
    /// Records it.
    fn output(&self, op: &mut Describing<'_>, what: &str);
}

impl<T: ?Sized> OutputUndescribed for Probe<T> {
    fn output(&self, op: &mut Describing<'_>, what: &str) {
        op.undescribed(
            what,
            &short_name::<T>(),
            "implement `harrow::openapi::DescribeOutput` for it (`Json<T>` has it when `T` \
             derives `JsonSchema`), or declare the responses on the route attribute with \
             `responses(…)`",
        );
    }
}

/// A path parameter bound by name, whose type has a schema.
pub trait ParamDescribed {
    /// Adds the parameter.
    fn path_param(&self, op: &mut Describing<'_>, name: &str);
}

impl<T: JsonSchema> ParamDescribed for &Probe<T> {
    fn path_param(&self, op: &mut Describing<'_>, name: &str) {
        let mut operation = op.operation();
        operation.path_param_of::<T>(name);
        operation.rejection(
            http::StatusCode::BAD_REQUEST,
            "A path parameter does not parse as its type.",
        );
    }
}

/// A path parameter whose type has no schema.
pub trait ParamUndescribed {
    /// Records it.
    fn path_param(&self, op: &mut Describing<'_>, name: &str);
}

impl<T> ParamUndescribed for Probe<T> {
    fn path_param(&self, op: &mut Describing<'_>, name: &str) {
        op.undescribed(
            &format!("its path parameter `{name}`"),
            &short_name::<T>(),
            "derive or implement `JsonSchema` for it",
        );
    }
}
