//! Serde attributes and the schemas the document gives their types: the
//! schema must say what the JSON really is, as serde reads it for a
//! request and writes it for a response.

use harrow::openapi::{JsonSchema, OpenApi};
use harrow::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// `rename`, `rename_all`, `skip`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Renamed {
    pub(crate) first_name: String,
    #[serde(rename = "YEAR")]
    pub(crate) year_of_birth: u16,
    #[serde(skip)]
    pub(crate) _cache: Option<String>,
}

/// `default` and `skip_serializing_if`: optional in a request, while a
/// response always carries the first and may leave out the second.
#[derive(Serialize, Deserialize, JsonSchema)]
pub(crate) struct Defaults {
    #[serde(default)]
    pub(crate) count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// `flatten`: the inner struct's fields are the outer's.
#[derive(Serialize, Deserialize, JsonSchema)]
pub(crate) struct Paging {
    pub(crate) page: u32,
    pub(crate) per_page: Option<u32>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub(crate) struct Filtered {
    pub(crate) q: String,
    #[serde(flatten)]
    pub(crate) paging: Paging,
}

/// The four enum representations.
#[derive(Serialize, Deserialize, JsonSchema)]
pub(crate) enum External {
    Circle { r: f64 },
    Dot,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub(crate) enum Internal {
    Circle { r: f64 },
    Dot,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(tag = "t", content = "c")]
pub(crate) enum Adjacent {
    Circle { r: f64 },
    Dot,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum Untagged {
    Number(i64),
    Text(String),
}

/// Every case, in one body.
#[derive(Serialize, Deserialize, JsonSchema)]
pub(crate) struct Shapes {
    pub(crate) renamed: Renamed,
    pub(crate) external: External,
    pub(crate) internal: Internal,
    pub(crate) adjacent: Adjacent,
    pub(crate) untagged: Untagged,
}

#[post("/shapes")]
pub(crate) async fn shapes(Json(s): Json<Shapes>) -> Json<Shapes> {
    Json(s)
}

#[post("/defaults")]
pub(crate) async fn defaults(Json(d): Json<Defaults>) -> Json<Defaults> {
    Json(d)
}

#[get("/filtered")]
pub(crate) async fn filtered(Query(f): Query<Filtered>) -> Json<Filtered> {
    Json(f)
}

#[get("/orders/{id}")]
pub(crate) async fn order(id: Uuid) -> String {
    id.to_string()
}

#[get("/numbers/{small}/{big}/{signed}")]
pub(crate) async fn numbers(small: u8, big: u64, signed: i32) -> String {
    format!("{small} {big} {signed}")
}

/// The document of the cases.
pub(crate) fn document() -> Value {
    let app = App::new().routes(harrow::routes![shapes, defaults, filtered, order, numbers]);
    OpenApi::new("Serde", "0")
        .document(&app)
        .expect("described")
        .to_value()
}

fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("no component `{name}` in {}", doc["components"]))
}

#[test]
fn renames_and_skips_are_the_json_names() {
    let doc = document();
    let renamed = component(&doc, "Renamed");
    let names: Vec<&String> = renamed["properties"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["YEAR", "firstName"]);
    assert_eq!(renamed["required"], json!(["firstName", "YEAR"]));
}

#[test]
fn defaults_are_optional_in_requests_only() {
    let doc = document();
    let op = &doc["paths"]["/defaults"]["post"];
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Defaults.Input"
    );
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Defaults"
    );
    let input = component(&doc, "Defaults.Input");
    assert_eq!(input.get("required"), None, "{input}");
    let output = component(&doc, "Defaults");
    assert_eq!(output["required"], json!(["count"]), "{output}");
    // A type whose two schemas agree is one component.
    assert!(doc["components"]["schemas"].get("Shapes.Input").is_none());
}

#[test]
fn flattened_fields_are_query_parameters() {
    let doc = document();
    let params = doc["paths"]["/filtered"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let found: Vec<(&str, bool)> = params
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["required"].as_bool().unwrap(),
            )
        })
        .collect();
    // schemars lists properties by name.
    assert_eq!(found, [("page", true), ("per_page", false), ("q", true)]);
    // An optional parameter's schema has no `null`: absence is its `None`.
    assert_eq!(params[1]["schema"]["type"], "integer");
}

#[test]
fn tagged_enums_show_their_representation() {
    let doc = document();
    let external = component(&doc, "External");
    assert_eq!(external["oneOf"][0]["enum"], json!(["Dot"]));
    assert_eq!(external["oneOf"][1]["required"], json!(["Circle"]));
    assert_eq!(external["oneOf"][1]["additionalProperties"], false);
    let internal = component(&doc, "Internal");
    assert_eq!(
        internal["oneOf"][0]["properties"]["type"]["const"],
        "Circle"
    );
    assert_eq!(internal["oneOf"][0]["required"], json!(["type", "r"]));
    let adjacent = component(&doc, "Adjacent");
    assert_eq!(adjacent["oneOf"][0]["properties"]["t"]["const"], "Circle");
    assert!(adjacent["oneOf"][0]["properties"]["c"].is_object());
    let untagged = component(&doc, "Untagged");
    assert_eq!(untagged["anyOf"][0]["type"], "integer");
    assert_eq!(untagged["anyOf"][1]["type"], "string");
}

#[test]
fn path_parameters_carry_their_types_and_formats() {
    let doc = document();
    let order = &doc["paths"]["/orders/{id}"]["get"]["parameters"][0];
    assert_eq!(order["schema"], json!({"type": "string", "format": "uuid"}));
    let numbers = &doc["paths"]["/numbers/{small}/{big}/{signed}"]["get"]["parameters"];
    assert_eq!(
        numbers[0]["schema"],
        json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 255})
    );
    assert_eq!(
        numbers[1]["schema"],
        json!({"type": "integer", "format": "int64", "minimum": 0})
    );
    assert_eq!(
        numbers[2]["schema"],
        json!({"type": "integer", "format": "int32"})
    );
}
