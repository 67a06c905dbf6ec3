//! Compile-fail and compile-pass tests for the macros' messages.
//!
//! One mistake per file, named for the mistake; the expected compiler output
//! sits beside it in a `.stderr` file. After an intended change of message,
//! re-bless with `TRYBUILD=overwrite cargo test -p harrow-web-macros --test ui`
//! and review the diff. The `.stderr` files were blessed with rustc 1.95;
//! another rustc may word type errors differently, so CI runs them on one
//! pinned toolchain.

#[test]
fn route() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/route/pass/*.rs");
    t.compile_fail("tests/ui/route/fail/*.rs");
}

#[test]
fn main_attr() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/main/pass/*.rs");
    t.compile_fail("tests/ui/main/fail/*.rs");
}
