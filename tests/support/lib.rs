//! Shared helpers for the end-to-end tests.

#[cfg(doctest)]
mod book;
