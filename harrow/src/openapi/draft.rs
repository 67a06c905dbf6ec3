//! What is known of one operation while its route is being described:
//! filled by the generated describer, the extractors' and responses'
//! descriptions, then turned into the document's operation object.

use serde_json::Value;

use super::responses::Status;

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    Path,
    Query,
    Header,
    Cookie,
}

impl In {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
            In::Cookie => "cookie",
        }
    }
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamDraft {
    pub(crate) name: String,
    pub(crate) location: In,
    pub(crate) description: Option<String>,
    pub(crate) required: bool,
    pub(crate) deprecated: bool,
    pub(crate) schema: Value,
    /// A free-form object spread over the query (`style: form`,
    /// `explode: true`): its keys are the parameters.
    pub(crate) spread: bool,
}

/// One media type of a body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContentDraft {
    pub(crate) media_type: String,
    pub(crate) schema: Option<Value>,
    pub(crate) example: Option<Value>,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct BodyDraft {
    pub(crate) content: Vec<ContentDraft>,
    pub(crate) required: bool,
}

/// One response header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeaderDraft {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) schema: Value,
}

/// One response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResponseDraft {
    pub(crate) status: Status,
    pub(crate) description: String,
    pub(crate) content: Vec<ContentDraft>,
    pub(crate) headers: Vec<HeaderDraft>,
    /// Sent with a status the handler chooses at run time (`StatusCode`,
    /// `(StatusCode, T)`): the route attribute's declared responses, when
    /// it has some, name those statuses instead.
    pub(crate) chosen: bool,
}

impl ResponseDraft {
    /// Adds `other`'s description, content and headers to this one (the
    /// same status, from another source): both descriptions are kept, and
    /// two schemas for one media type become a `oneOf`.
    pub(crate) fn merge(&mut self, other: ResponseDraft) {
        self.chosen &= other.chosen;
        if !self.description.contains(&other.description) {
            if self.description.is_empty() {
                self.description = other.description;
            } else {
                self.description = format!("{} {}", self.description, other.description);
            }
        }
        for content in other.content {
            match self
                .content
                .iter_mut()
                .find(|c| c.media_type == content.media_type)
            {
                Some(mine) => {
                    mine.schema = match (mine.schema.take(), content.schema) {
                        (Some(a), Some(b)) if a == b => Some(a),
                        (Some(a), Some(b)) => Some(one_of(a, b)),
                        (a, b) => a.or(b),
                    };
                    mine.example = mine.example.take().or(content.example);
                }
                None => self.content.push(content),
            }
        }
        for header in other.headers {
            if !self.headers.iter().any(|h| h.name == header.name) {
                self.headers.push(header);
            }
        }
    }
}

fn one_of(a: Value, b: Value) -> Value {
    let mut alternatives = match a {
        Value::Object(mut o) if o.len() == 1 && o.contains_key("oneOf") => {
            match o.remove("oneOf") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        other => vec![other],
    };
    if !alternatives.contains(&b) {
        alternatives.push(b);
    }
    serde_json::json!({ "oneOf": alternatives })
}

/// Adds `response` to `list`, merging it into one of the same status.
pub(crate) fn add_response(list: &mut Vec<ResponseDraft>, response: ResponseDraft) {
    match list.iter_mut().find(|r| r.status == response.status) {
        Some(existing) => existing.merge(response),
        None => list.push(response),
    }
}

/// One operation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) operation_id: Option<String>,
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) deprecated: bool,
    pub(crate) hidden: bool,
    /// The attribute's `security = [...]`: replaces the document's default.
    pub(crate) security: Option<Vec<String>>,
    /// Schemes the extractors require, all of them together.
    pub(crate) required_schemes: Vec<String>,
    /// Whether the extractors that require them are optional.
    pub(crate) schemes_optional: bool,
    pub(crate) parameters: Vec<ParamDraft>,
    pub(crate) body: Option<BodyDraft>,
    pub(crate) body_example: Option<Value>,
    /// Described by the return type.
    pub(crate) outputs: Vec<ResponseDraft>,
    /// The rejections of the extractors.
    pub(crate) rejections: Vec<ResponseDraft>,
    /// Declared on the attribute, in its order.
    pub(crate) declared: Vec<ResponseDraft>,
    /// Return types the document cannot see into (`impl IntoResponse`,
    /// `Response`), by their text.
    pub(crate) opaque: Vec<String>,
    /// What could not be described, each a phrase for the error.
    pub(crate) problems: Vec<String>,
}

impl Draft {
    /// Adds a parameter, replacing one of the same name and place.
    pub(crate) fn add_parameter(&mut self, param: ParamDraft) {
        match self
            .parameters
            .iter_mut()
            .find(|p| p.name == param.name && p.location == param.location)
        {
            Some(existing) => *existing = param,
            None => self.parameters.push(param),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use serde_json::json;

    fn response(description: &str, schema: Value) -> ResponseDraft {
        ResponseDraft {
            status: Status::Code(StatusCode::BAD_REQUEST),
            description: description.into(),
            content: vec![ContentDraft {
                media_type: "text/plain".into(),
                schema: Some(schema),
                example: None,
            }],
            headers: Vec::new(),
            chosen: false,
        }
    }

    #[test]
    fn one_status_from_two_sources_keeps_both() {
        let mut list = Vec::new();
        add_response(&mut list, response("Bad query.", json!({"type": "string"})));
        add_response(&mut list, response("Bad JSON.", json!({"type": "string"})));
        add_response(&mut list, response("Bad JSON.", json!({"type": "integer"})));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].description, "Bad query. Bad JSON.");
        assert_eq!(
            list[0].content[0].schema,
            Some(json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}))
        );
    }
}
