//! trybuild UI tests: every supported form of `#[lambda]` compiles and runs
//! (`ui/pass`), and every misuse fails with one error at the user's own token
//! (`ui/fail`).
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p lambda-fn-tests --test ui`, then read
//! every one: a message that points inside generated code, or a second,
//! cascading error, is a bug in the macro.

/// The event every pass case is run with. trybuild runs each pass case's
/// binary without a Runtime API, so the generated `main` serves one event in
/// local mode, read from `LAMBDA_FN_EVENT`; each pass case's event type
/// decodes from this JSON and its handler answers `Ok`, so the run exits 0.
const EVENT: &str = r#"{"name":"Ferris","id":7}"#;

#[test]
fn ui() {
    // SAFETY: set before trybuild spawns anything, and this is the only test
    // in this binary, so no other thread reads the environment concurrently.
    unsafe { std::env::set_var("LAMBDA_FN_EVENT", EVENT) };
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
