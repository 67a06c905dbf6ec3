//! The per-request link to the worker's application: its state and settings.
//!
//! `http::Extensions` only holds `Send + Sync` values, but state may hold
//! `Rc`/`RefCell` (each worker has its own copy). So each running
//! application registers its state in a thread-local table under a numeric
//! key, and its requests carry that key (an [`AppContext`], which is
//! `Copy + Send + Sync`) in its extensions. Requests are served on the thread
//! that built the application, so the lookup finds the state there.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Typed state values, one per type.
#[derive(Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Box<dyn Any>>,
}

impl StateMap {
    pub(crate) fn insert<T: 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// Whether a value of the type with this id is held.
    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }

    fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

thread_local! {
    static REGISTRY: RefCell<HashMap<u64, Rc<StateMap>>> = RefCell::new(HashMap::new());
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// What the requests of an application with state carry in their extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AppContext {
    key: u64,
}

impl AppContext {
    /// Clones the state value of type `T`, when this thread has it.
    pub(crate) fn state<T: Clone + 'static>(&self) -> Option<T> {
        REGISTRY.with(|r| r.borrow().get(&self.key)?.get::<T>().cloned())
    }
}

/// Keeps an application's state registered on this thread while it lives.
pub(crate) struct Registration {
    context: AppContext,
    /// Whether requests need the context: an app with no state skips
    /// inserting it (one allocation less per request).
    needed: bool,
}

impl Registration {
    pub(crate) fn new(states: StateMap) -> Self {
        let needed = !states.is_empty();
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        REGISTRY.with(|r| r.borrow_mut().insert(key, Rc::new(states)));
        Registration {
            context: AppContext { key },
            needed,
        }
    }

    /// The context to put in each request, when the app needs one.
    pub(crate) fn context(&self) -> Option<AppContext> {
        self.needed.then_some(self.context)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // The table may already be gone when the thread is exiting.
        let _ = REGISTRY.try_with(|r| r.borrow_mut().remove(&self.context.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_found_while_registered_and_gone_after() {
        let mut states = StateMap::default();
        states.insert(Rc::new(5u32));
        let reg = Registration::new(states);
        let ctx = reg.context().expect("an app with state needs its context");
        assert_eq!(ctx.state::<Rc<u32>>().as_deref(), Some(&5));
        assert_eq!(ctx.state::<String>(), None);
        drop(reg);
        assert_eq!(ctx.state::<Rc<u32>>(), None);
    }

    #[test]
    fn an_app_without_state_needs_no_context() {
        let reg = Registration::new(StateMap::default());
        assert!(reg.context().is_none());
    }
}
