//! `State<T>`: the worker's copy of application state, and the list of
//! state types a handler needs, checked when the app starts.

use std::any::TypeId;

use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::path::{short_type_name, shorten_type_name};
use crate::extract::rejection::MissingState;

/// A clone of the state value of type `T` given to
/// [`App::state`](crate::App::state).
///
/// The app factory runs once per worker, so each worker has its own value:
/// `Rc` and `RefCell` inside are fine and no lock is needed. Share one value
/// between workers by putting an `Arc` in it.
///
/// A handler taking a `State<T>` whose type was never given to `App::state`
/// stops the app at start, with an error naming the handler and the type
/// (see [`RequiredState`]). Should a request still get here without it (an
/// extractor of your own that reads state without saying so), it is a plain
/// 500, and the type is logged.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use harrow::{App, State};
///
/// async fn hit(State(hits): State<Rc<Cell<u64>>>) -> String {
///     hits.set(hits.get() + 1);
///     format!("{} hits on this worker", hits.get())
/// }
/// let app = App::new().state(Rc::new(Cell::new(0u64))).get("/", hit);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State<T>(pub T);

impl<T: Clone + 'static> FromRequestParts for State<T> {
    type Rejection = MissingState;

    fn required_state(required: &mut RequiredState) {
        required.add::<T>();
    }

    async fn from_request_parts(
        _parts: &mut Parts,
        cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        cx.state::<T>().map(State).ok_or_else(|| MissingState {
            type_name: short_type_name::<T>(),
        })
    }
}

/// The state types a handler's extractors take from
/// [`App::state`](crate::App::state), so that one never registered stops the
/// app at start, naming the handler and the type, rather than answering 500
/// at run time.
///
/// Handlers fill it from their arguments' types through
/// [`FromRequestParts::required_state`] (and [`FromRequest`](crate::FromRequest)'s):
/// [`State<T>`] adds `T`. An extractor of your own that reads state adds the
/// types it reads the same way.
///
/// ```
/// use harrow::extract::{FromRequestParts, RequiredState};
/// use harrow::http::request::Parts;
/// use harrow::RequestContext;
/// use std::rc::Rc;
///
/// /// The current user, looked up in the session store (a state value).
/// struct User(String);
/// struct Sessions;
///
/// impl FromRequestParts for User {
///     type Rejection = harrow::StatusCode;
///
///     fn required_state(required: &mut RequiredState) {
///         required.add::<Rc<Sessions>>();
///     }
///
///     async fn from_request_parts(parts: &mut Parts, cx: &RequestContext) -> Result<Self, Self::Rejection> {
///         let _sessions = cx
///             .state::<Rc<Sessions>>()
///             .ok_or(harrow::StatusCode::INTERNAL_SERVER_ERROR)?;
///         Ok(User("ann".into()))
///     }
/// }
///
/// let mut required = RequiredState::default();
/// User::required_state(&mut required);
/// assert!(required.contains::<Rc<Sessions>>());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequiredState {
    types: Vec<(TypeId, &'static str)>,
}

impl RequiredState {
    /// Records that state of type `T` is needed.
    pub fn add<T: 'static>(&mut self) {
        let id = TypeId::of::<T>();
        if !self.types.iter().any(|(t, _)| *t == id) {
            self.types.push((id, std::any::type_name::<T>()));
        }
    }

    /// Whether state of type `T` is needed.
    pub fn contains<T: 'static>(&self) -> bool {
        self.types.iter().any(|(t, _)| *t == TypeId::of::<T>())
    }

    /// Whether no state is needed.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The types needed for which `registered` is false, by short name.
    pub(crate) fn missing(&self, registered: impl Fn(TypeId) -> bool) -> Vec<String> {
        self.types
            .iter()
            .filter(|(id, _)| !registered(*id))
            .map(|(_, name)| shorten_type_name(name))
            .collect()
    }
}
