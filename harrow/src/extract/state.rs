//! `State<T>`: the worker's copy of application state.

use http::request::Parts;

use crate::app::context::AppContext;
use crate::extract::FromRequestParts;
use crate::extract::path::short_type_name;
use crate::extract::rejection::MissingState;

/// A clone of the state value of type `T` given to
/// [`App::state`](crate::App::state).
///
/// The app factory runs once per worker, so each worker has its own value:
/// `Rc` and `RefCell` inside are fine and no lock is needed. Share one value
/// between workers by putting an `Arc` in it. Asking for a type that was
/// never registered is a 500 (a bug in the program), logged with its type.
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

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AppContext>()
            .and_then(|ctx| ctx.state::<T>())
            .map(State)
            .ok_or_else(|| MissingState {
                type_name: short_type_name::<T>(),
            })
    }
}
