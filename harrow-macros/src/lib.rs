//! Procedural macros for Harrow: route attributes and `#[harrow::main]`.
#![forbid(unsafe_code)]
