//! The application's state values, one per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// Typed state values, one per type: what `App::state` collects, kept by
/// the worker's service and read through each request's context.
#[derive(Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Box<dyn Any>>,
}

impl StateMap {
    /// Adds (or replaces) the value of type `T`.
    pub(crate) fn insert<T: 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// The value of type `T`, when there is one.
    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// Whether a value of the type with this id is held.
    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn one_value_per_type() {
        let mut states = StateMap::default();
        states.insert(Rc::new(5u32));
        states.insert(String::from("a"));
        states.insert(String::from("b"));
        assert_eq!(states.get::<Rc<u32>>().map(|v| **v), Some(5));
        assert_eq!(states.get::<String>().map(String::as_str), Some("b"));
        assert!(states.get::<u8>().is_none());
        assert!(states.contains(TypeId::of::<String>()));
    }
}
