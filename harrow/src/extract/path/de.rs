//! A serde deserializer over matched path parameters, for `Path<T>`:
//! one value, a tuple (in template order), or a struct (by name).

use std::str::FromStr;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::PathParams;
use crate::extract::rejection::PathRejection;

impl de::Error for PathRejection {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        PathRejection::Message {
            message: msg.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        PathRejection::Missing {
            name: field.to_owned(),
        }
    }
}

/// Deserializes all parameters of a route.
pub(crate) struct ParamsDeserializer<'de> {
    params: &'de PathParams,
}

impl<'de> ParamsDeserializer<'de> {
    pub(crate) fn new(params: &'de PathParams) -> Self {
        ParamsDeserializer { params }
    }

    fn single(&self) -> Result<ValueDeserializer<'de>, PathRejection> {
        match self.params.len() {
            1 => Ok(ValueDeserializer::at(self.params, 0)),
            got => Err(PathRejection::WrongCount { expected: 1, got }),
        }
    }
}

macro_rules! single_value {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
                self.single()?.$method(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = PathRejection;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        if self.params.len() == 1 {
            self.single()?.deserialize_any(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    single_value! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        visitor.visit_seq(Seq {
            params: self.params,
            next: 0,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        if len != self.params.len() {
            return Err(PathRejection::WrongCount {
                expected: len,
                got: self.params.len(),
            });
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        visitor.visit_map(Map {
            params: self.params,
            next: 0,
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        visitor.visit_unit()
    }
}

struct Seq<'de> {
    params: &'de PathParams,
    next: usize,
}

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = PathRejection;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, PathRejection> {
        if self.next == self.params.len() {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(ValueDeserializer::at(self.params, self.next - 1))
            .map(Some)
    }
}

struct Map<'de> {
    params: &'de PathParams,
    next: usize,
    value: Option<ValueDeserializer<'de>>,
}

impl<'de> de::MapAccess<'de> for Map<'de> {
    type Error = PathRejection;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathRejection> {
        if self.next == self.params.len() {
            return Ok(None);
        }
        let value = ValueDeserializer::at(self.params, self.next);
        self.next += 1;
        self.value = Some(value);
        let key: StrDeserializer<'de, PathRejection> = value.name.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, PathRejection> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(PathRejection::Message {
                message: "path parameter value asked for before its name".into(),
            }),
        }
    }
}

/// Deserializes one parameter's value.
#[derive(Clone, Copy)]
struct ValueDeserializer<'de> {
    name: &'de str,
    value: &'de str,
}

impl<'de> ValueDeserializer<'de> {
    /// The `i`-th parameter of `params`.
    fn at(params: &'de PathParams, i: usize) -> Self {
        let (name, value) = params.pair(i);
        ValueDeserializer { name, value }
    }

    fn parse<T: FromStr>(&self, expected: &'static str) -> Result<T, PathRejection> {
        self.value.parse().map_err(|_| PathRejection::InvalidParam {
            name: self.name.to_owned(),
            expected: expected.to_owned(),
            got: self.value.to_owned(),
        })
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident $ty:ident,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
                visitor.$visit(self.parse::<$ty>(stringify!($ty))?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = PathRejection;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        visitor.visit_borrowed_str(self.value)
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

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathRejection> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathRejection> {
        let value: StrDeserializer<'de, PathRejection> = self.value.into_deserializer();
        visitor.visit_enum(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, PathRejection> {
        Err(PathRejection::Unsupported {
            what: format!("a sequence for path parameter `{}`", self.name),
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, PathRejection> {
        Err(PathRejection::Unsupported {
            what: format!("a map for path parameter `{}`", self.name),
        })
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct tuple tuple_struct struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> PathParams {
        PathParams::decode(pairs.iter().copied()).expect("plain values")
    }

    fn de<'a, T: Deserialize<'a>>(p: &'a PathParams) -> Result<T, PathRejection> {
        T::deserialize(ParamsDeserializer::new(p))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Repo {
        owner: String,
        id: u32,
    }

    #[test]
    fn single_tuple_and_struct_shapes() {
        let one = params(&[("id", "42")]);
        assert_eq!(de::<u64>(&one).unwrap(), 42);
        assert_eq!(de::<String>(&one).unwrap(), "42");
        let two = params(&[("owner", "ann"), ("id", "7")]);
        assert_eq!(de::<(String, u32)>(&two).unwrap(), ("ann".to_string(), 7));
        assert_eq!(
            de::<Repo>(&two).unwrap(),
            Repo {
                owner: "ann".into(),
                id: 7
            }
        );
    }

    #[test]
    fn a_bad_value_names_the_parameter_type_and_value() {
        let two = params(&[("owner", "ann"), ("id", "x7")]);
        let err = de::<Repo>(&two).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid path parameter `id`: expected u32, got \"x7\""
        );
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn shape_mismatches_are_server_errors() {
        let two = params(&[("a", "1"), ("b", "2")]);
        assert_eq!(de::<u32>(&two).unwrap_err().status(), 500);
        assert_eq!(de::<(u32, u32, u32)>(&two).unwrap_err().status(), 500);
        let one = params(&[("owner", "ann")]);
        let err = de::<Repo>(&one).unwrap_err();
        assert_eq!(err.status(), 500);
        assert!(err.to_string().contains("`id`"), "{err}");
    }
}
