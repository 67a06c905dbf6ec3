//! `Node`: a JSON value whose objects keep the order their fields were
//! written in, so the document reads `openapi`, `info`, `paths`, … as the
//! specification lists them, in JSON and in YAML alike.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// A JSON value with ordered objects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// An empty object, to fill with [`Node::field`].
    pub(crate) fn object() -> Self {
        Node::Object(Vec::new())
    }

    /// Adds a field to an object (does nothing to other values).
    pub(crate) fn field(mut self, key: impl Into<String>, value: impl Into<Node>) -> Self {
        if let Node::Object(fields) = &mut self {
            fields.push((key.into(), value.into()));
        }
        self
    }

    /// Adds a field when there is a value.
    pub(crate) fn field_opt(self, key: &str, value: Option<impl Into<Node>>) -> Self {
        match value {
            Some(v) => self.field(key, v),
            None => self,
        }
    }

    /// Whether this is an object or array with nothing in it.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Node::Object(fields) => fields.is_empty(),
            Node::Array(items) => items.is_empty(),
            _ => false,
        }
    }

    /// The same value as a `serde_json::Value` (whose objects sort their keys).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::String(s) => Value::String(s.clone()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

impl From<Value> for Node {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::String(s),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from).collect()),
            Value::Object(map) => {
                Node::Object(map.into_iter().map(|(k, v)| (k, Node::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::String(s.to_owned())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::String(s)
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Node::Bool(b)
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Self {
        Node::Array(items)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Number(n) => n.serialize(serializer),
            Node::String(s) => serializer.serialize_str(s),
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_order_in_json() {
        let node = Node::object()
            .field("openapi", "3.1.0")
            .field("info", Node::object().field("title", "T"))
            .field_opt("servers", None::<Node>)
            .field("a", Node::Array(vec![Node::Null, true.into()]));
        assert_eq!(
            serde_json::to_string(&node).unwrap(),
            r#"{"openapi":"3.1.0","info":{"title":"T"},"a":[null,true]}"#
        );
        let back = Node::from(node.to_value());
        assert_eq!(back.to_value(), node.to_value());
    }
}
