//! A worker's memory for connections: the pool of read and write buffers,
//! the arena request heads are copied into, and buffers gathered for one
//! vectored write.

pub(crate) mod arena;
pub(crate) mod iovecs;
pub(crate) mod pool;
