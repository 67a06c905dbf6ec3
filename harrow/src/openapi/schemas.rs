//! Schemas from the types, with schemars: one generator for what the API
//! reads (request bodies, query and path parameters, described as serde
//! *deserializes* them) and one for what it writes (responses, as serde
//! *serializes* them).
//!
//! The two differ where serde attributes make them differ: a
//! `#[serde(default)]` field may be left out of a request but is always in
//! a response, a `skip_serializing_if` field the other way round. A type
//! whose two schemas are the same is one component; one whose schemas
//! differ is two, the response's under the type's name and the request's
//! under the name with `.Input` added.
//!
//! While the document is built, request-side references point into a
//! scratch location (`#/components/x-harrow-input/…`); [`Finished::fix`]
//! rewrites every reference to its final component once all names are
//! known. It also writes integer formats as OpenAPI's format registry names
//! them (`u64` → `int64`, keeping `minimum: 0`).

use std::collections::{BTreeMap, HashMap};

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

/// Where request-side schemas point while the document is being built.
const INPUT_PATH: &str = "#/components/x-harrow-input/";
/// Where the document's schemas live.
const OUTPUT_PATH: &str = "#/components/schemas/";

/// Which way a schema describes its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// As the API reads it (serde's `Deserialize`).
    Input,
    /// As the API writes it (serde's `Serialize`).
    Output,
}

/// The two generators.
pub(crate) struct Schemas {
    input: SchemaGenerator,
    output: SchemaGenerator,
}

impl Schemas {
    pub(crate) fn new() -> Self {
        let settings = |path: &str| {
            SchemaSettings::draft2020_12().with(|s| {
                s.definitions_path = path.trim_start_matches('#').to_owned().into();
                s.meta_schema = None;
            })
        };
        Schemas {
            input: settings(INPUT_PATH).for_deserialize().into_generator(),
            output: settings(OUTPUT_PATH).for_serialize().into_generator(),
        }
    }

    fn generator(&mut self, side: Side) -> &mut SchemaGenerator {
        match side {
            Side::Input => &mut self.input,
            Side::Output => &mut self.output,
        }
    }

    /// `T`'s schema: a reference to its component for a named type, the
    /// schema itself for a primitive.
    pub(crate) fn schema_for<T: JsonSchema + ?Sized>(&mut self, side: Side) -> Schema {
        self.generator(side).subschema_for::<T>()
    }

    /// `T`'s own schema, never a reference to it (its fields may be), for
    /// types spread into parameters: a query's fields, a path's values.
    pub(crate) fn inline_for<T: JsonSchema + ?Sized>(&mut self, side: Side) -> Schema {
        T::json_schema(self.generator(side))
    }

    /// The schema a reference points to, followed through references, or
    /// the schema itself.
    pub(crate) fn resolve<'a>(&'a self, side: Side, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        for _ in 0..16 {
            let Some(name) = current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| ref_name(r, side))
            else {
                break;
            };
            let generator = match side {
                Side::Input => &self.input,
                Side::Output => &self.output,
            };
            match generator.definitions().get(&name) {
                Some(target) => current = target,
                None => break,
            }
        }
        current
    }

    /// Settles the components' names.
    pub(crate) fn finish(mut self) -> Finished {
        let input = self.input.take_definitions(true);
        let output = self.output.take_definitions(true);
        // A name shared by both sides names one component while the two
        // schemas, references followed the same way, are equal. Renaming one
        // may make another differ (one holding it), so repeat until nothing
        // changes.
        let mut split: BTreeMap<String, bool> = input
            .keys()
            .filter(|k| output.contains_key(*k))
            .map(|k| (k.clone(), false))
            .collect();
        loop {
            let mut changed = false;
            let shared: Vec<String> = split
                .iter()
                .filter(|(_, s)| !**s)
                .map(|(k, _)| k.clone())
                .collect();
            for name in shared {
                let mut mine = input[&name].clone();
                rewrite_refs(&mut mine, &|r| {
                    let n = ref_name(r, Side::Input)?;
                    let renamed = split.get(&n).copied().unwrap_or(false);
                    Some(format!(
                        "{OUTPUT_PATH}{}",
                        encode(&if renamed { format!("{n}.Input") } else { n })
                    ))
                });
                if mine != output[&name] {
                    split.insert(name, true);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut input_names = HashMap::new();
        let mut output_names = HashMap::new();
        let mut used: Vec<String> = Vec::new();
        let mut claim = |wanted: String| {
            let base = sanitize(&wanted);
            let mut name = base.clone();
            let mut n = 2;
            while used.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            used.push(name.clone());
            name
        };
        for name in output.keys() {
            output_names.insert(name.clone(), claim(name.clone()));
        }
        for name in input.keys() {
            let final_name = match split.get(name) {
                Some(false) => output_names[name].clone(),
                Some(true) => claim(format!("{name}.Input")),
                None => claim(name.clone()),
            };
            input_names.insert(name.clone(), final_name);
        }
        let mut finished = Finished {
            input_names,
            output_names,
            components: BTreeMap::new(),
        };
        let mut components = BTreeMap::new();
        for (name, mut schema) in output {
            finished.fix(&mut schema);
            components.insert(finished.output_names[&name].clone(), schema);
        }
        for (name, mut schema) in input {
            let final_name = finished.input_names[&name].clone();
            if components.contains_key(&final_name) {
                continue;
            }
            finished.fix(&mut schema);
            components.insert(final_name, schema);
        }
        finished.components = components;
        finished
    }
}

/// The components, named, and how to point at them.
pub(crate) struct Finished {
    input_names: HashMap<String, String>,
    output_names: HashMap<String, String>,
    /// Every component schema, by its final name.
    pub(crate) components: BTreeMap<String, Value>,
}

impl Finished {
    /// Rewrites a schema for the document: references to final component
    /// names, integer formats to the registry's.
    pub(crate) fn fix(&self, schema: &mut Value) {
        rewrite_refs(schema, &|r| {
            let (side, names) = if r.starts_with(INPUT_PATH) {
                (Side::Input, &self.input_names)
            } else {
                (Side::Output, &self.output_names)
            };
            let name = ref_name(r, side)?;
            let target = names.get(&name)?;
            Some(format!("{OUTPUT_PATH}{}", encode(target)))
        });
        integer_formats(schema);
    }
}

/// The component name in a reference of `side`, decoded.
fn ref_name(reference: &str, side: Side) -> Option<String> {
    let prefix = match side {
        Side::Input => INPUT_PATH,
        Side::Output => OUTPUT_PATH,
    };
    let encoded = reference.strip_prefix(prefix)?;
    Some(encoded.replace("~1", "/").replace("~0", "~"))
}

/// A name as a JSON pointer segment.
fn encode(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A component name made of the characters OpenAPI allows in one
/// (`[A-Za-z0-9._-]`).
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Calls `f` on `schema` and on every schema inside it, following the
/// keywords of JSON Schema 2020-12 that hold schemas, so that data (an
/// `enum`, a `default`, `examples`) and property names are never taken for
/// schemas.
fn each_schema(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Value::Object(object) = schema else {
        return;
    };
    f(object);
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => each_schema(value, f),
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(items) = value {
                    items.iter_mut().for_each(|s| each_schema(s, f));
                }
            }
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(map) = value {
                    map.values_mut().for_each(|s| each_schema(s, f));
                }
            }
            _ => {}
        }
    }
}

/// Replaces every `$ref` that `map` has a new value for.
fn rewrite_refs(schema: &mut Value, map: &dyn Fn(&str) -> Option<String>) {
    each_schema(schema, &mut |object| {
        if let Some(Value::String(r)) = object.get_mut("$ref")
            && let Some(new) = map(r)
        {
            *r = new;
        }
    });
}

/// schemars names Rust's integer widths (`uint64`, `uint8`, `int`); OpenAPI's
/// format registry has `int32` and `int64`. Unsigned and small types keep
/// their `minimum`/`maximum`, so nothing is lost.
fn integer_formats(schema: &mut Value) {
    each_schema(schema, &mut rewrite_format);
}

fn rewrite_format(object: &mut Map<String, Value>) {
    let Some(Value::String(format)) = object.get("format") else {
        return;
    };
    let new = match format.as_str() {
        "int8" | "uint8" | "int16" | "uint16" => Some("int32"),
        "uint32" | "uint64" | "uint" | "int" => Some("int64"),
        "int128" | "uint128" => None,
        _ => return,
    };
    match new {
        Some(f) => {
            object.insert("format".into(), f.into());
        }
        None => {
            object.remove("format");
        }
    }
}

/// A parameter's schema without the `null` an `Option` field adds: an
/// absent parameter is how the option is `None`, and a parameter's value is
/// never JSON's `null`.
pub(crate) fn without_null(mut schema: Value) -> Value {
    let Value::Object(object) = &mut schema else {
        return schema;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alternatives)) = object.get_mut(key) {
            alternatives.retain(|a| a.get("type").and_then(Value::as_str) != Some("null"));
            if alternatives.len() == 1 && object.len() == 1 {
                return object
                    .remove(key)
                    .and_then(|mut a| a.as_array_mut().and_then(|a| a.pop()))
                    .unwrap_or_default();
            }
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Same {
        a: u64,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Differs {
        #[serde(default)]
        n: u8,
        same: Same,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Holder {
        inner: Differs,
    }

    #[test]
    fn types_whose_two_schemas_differ_are_two_components() {
        let mut schemas = Schemas::new();
        let mut inp = schemas.schema_for::<Holder>(Side::Input).to_value();
        let mut out = schemas.schema_for::<Holder>(Side::Output).to_value();
        let finished = schemas.finish();
        finished.fix(&mut inp);
        finished.fix(&mut out);
        assert_eq!(inp, json!({"$ref": "#/components/schemas/Holder.Input"}));
        assert_eq!(out, json!({"$ref": "#/components/schemas/Holder"}));
        let names: Vec<&str> = finished.components.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["Differs", "Differs.Input", "Holder", "Holder.Input", "Same"]
        );
        let input = &finished.components["Differs.Input"];
        assert_eq!(input["required"], json!(["same"]));
        assert_eq!(
            input["properties"]["same"],
            json!({"$ref": "#/components/schemas/Same"})
        );
        assert_eq!(
            input["properties"]["n"]["format"],
            json!("int32"),
            "{input}"
        );
        assert_eq!(
            finished.components["Same"]["properties"]["a"]["format"],
            "int64"
        );
    }

    #[test]
    fn options_lose_their_null_as_parameters() {
        assert_eq!(
            without_null(json!({"type": ["integer", "null"], "format": "int32"})),
            json!({"type": "integer", "format": "int32"})
        );
        assert_eq!(
            without_null(json!({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]})),
            json!({"$ref": "#/x"})
        );
    }

    #[test]
    fn names_outside_openapis_alphabet_are_replaced() {
        assert_eq!(sanitize("Page<Book>"), "Page_Book_");
        assert_eq!(sanitize("Book.Input"), "Book.Input");
    }
}
