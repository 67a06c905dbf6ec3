//! Harrow: a web framework on an io_uring, thread-per-core server core.
#![forbid(unsafe_code)]
