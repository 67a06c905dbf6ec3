//! Per-worker IO helpers: buffer pools.

pub(crate) mod pool;
