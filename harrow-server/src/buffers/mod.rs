//! A worker's memory for connections: the pool of read and write buffers,
//! and the arena request heads are copied into.

pub(crate) mod arena;
pub(crate) mod pool;
