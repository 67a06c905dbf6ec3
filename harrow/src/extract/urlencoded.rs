//! A serde deserializer over `application/x-www-form-urlencoded` text (a
//! query string or a form body), for `Query<T>` and `Form<T>`: like
//! `serde_urlencoded`, but a value that does not parse names its field, as
//! in ``field `limit`: invalid digit found in string``.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode;
use serde::de::value::{MapDeserializer, StrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// Why the text did not fit the target type: serde's message, naming the
/// field when a value was at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Deserializes `T` from url-encoded `text`: `a=1&b=two+words&c=%2F`.
pub(crate) fn from_bytes<T: DeserializeOwned>(text: &[u8]) -> Result<T, Error> {
    let pairs = parse(text).map(|(name, value)| {
        let key: StringDeserializer<Error> = name.clone().into_deserializer();
        (key, Value { name, value })
    });
    T::deserialize(Pairs(MapDeserializer::new(pairs)))
}

/// Every pair: a map (or struct) by name, or a sequence of `(name, value)`
/// tuples; `()` takes none of them.
struct Pairs<'de, I: Iterator<Item = (StringDeserializer<Error>, Value)>>(
    MapDeserializer<'de, I, Error>,
);

impl<'de, I> de::Deserializer<'de> for Pairs<'de, I>
where
    I: Iterator<Item = (StringDeserializer<Error>, Value)>,
{
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_seq(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The name and value of each `name=value` pair, decoded (`+` is a space,
/// `%XX` a byte, invalid UTF-8 replaced); empty pairs are skipped.
fn parse(text: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    text.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            (decode(name), decode(value))
        })
}

fn decode(part: &[u8]) -> String {
    let spaced: Cow<'_, [u8]> = if part.contains(&b'+') {
        Cow::Owned(
            part.iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect(),
        )
    } else {
        Cow::Borrowed(part)
    };
    percent_decode(&spaced).decode_utf8_lossy().into_owned()
}

/// One value, which knows its field's name for its errors.
struct Value {
    name: String,
    value: String,
}

impl Value {
    fn parse<T: FromStr>(&self) -> Result<T, Error>
    where
        T::Err: fmt::Display,
    {
        self.value
            .parse()
            .map_err(|e| Error(format!("field `{}`: {e}", self.name)))
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident $ty:ident,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                visitor.$visit(self.parse::<$ty>()?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.value)
    }

    parse_value! {
        deserialize_bool => visit_bool bool,
        deserialize_i8 => visit_i8 i8,
        deserialize_i16 => visit_i16 i16,
        deserialize_i32 => visit_i32 i32,
        deserialize_i64 => visit_i64 i64,
        deserialize_i128 => visit_i128 i128,
        deserialize_u8 => visit_u8 u8,
        deserialize_u16 => visit_u16 u16,
        deserialize_u32 => visit_u32 u32,
        deserialize_u64 => visit_u64 u64,
        deserialize_u128 => visit_u128 u128,
        deserialize_f32 => visit_f32 f32,
        deserialize_f64 => visit_f64 f64,
        deserialize_char => visit_char char,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let variant: StrDeserializer<'_, Error> = self.value.as_str().into_deserializer();
        visitor
            .visit_enum(variant)
            .map_err(|e| Error(format!("field `{}`: {e}", self.name)))
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Page {
        q: String,
        limit: Option<u32>,
        order: Option<Order>,
        exact: Option<bool>,
    }

    fn page(text: &str) -> Result<Page, String> {
        from_bytes(text.as_bytes()).map_err(|e: Error| e.to_string())
    }

    #[test]
    fn fields_read_as_serde_urlencoded_reads_them() {
        assert_eq!(
            page("q=two+words%21&limit=5&order=desc&exact=true&other=x").unwrap(),
            Page {
                q: "two words!".into(),
                limit: Some(5),
                order: Some(Order::Desc),
                exact: Some(true),
            }
        );
        assert_eq!(page("q=&&").unwrap().q, "");
        let map: HashMap<String, String> = from_bytes(b"a=1&b=%2F").unwrap();
        assert_eq!(map["b"], "/");
        let pairs: Vec<(String, u8)> = from_bytes(b"a=1&a=2").unwrap();
        assert_eq!(pairs, [("a".into(), 1), ("a".into(), 2)]);
        assert_eq!(from_bytes::<()>(b"").unwrap(), ());
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let cases = [
            (
                "q=x&limit=many",
                "field `limit`: invalid digit found in string",
            ),
            (
                "q=x&limit=",
                "field `limit`: cannot parse integer from empty string",
            ),
            (
                "q=x&exact=yes",
                "field `exact`: provided string was not `true` or `false`",
            ),
            (
                "q=x&order=up",
                "field `order`: unknown variant `up`, expected `asc` or `desc`",
            ),
            ("limit=5", "missing field `q`"),
            ("q=a&q=b", "duplicate field `q`"),
        ];
        for (text, message) in cases {
            assert_eq!(page(text).unwrap_err(), message, "{text}");
        }
    }
}
