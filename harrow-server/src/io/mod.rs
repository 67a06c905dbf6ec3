//! Per-worker IO helpers: buffer pools and the arena request heads are
//! copied into.

pub(crate) mod arena;
pub(crate) mod pool;
