//! The `#[lambda]` attribute of [lambda-fn](https://docs.rs/lambda-fn).
//!
//! Depend on `lambda-fn`, which re-exports this macro and holds everything
//! the generated code calls; this crate only parses, checks and expands.

mod attr;
// The duration grammar, shared with the runtime (`--timeout` in local mode):
// one file, so that the attribute and the command line cannot drift.
#[path = "../../core/src/duration.rs"]
mod duration;
mod errors;
mod expand;
mod fallback;
#[cfg(test)]
mod fuzz_tests;
mod handler;
mod trigger;

use proc_macro::TokenStream;

/// Turns an `async fn` into an AWS Lambda function; see the `lambda-fn`
/// crate documentation.
#[proc_macro_attribute]
pub fn lambda(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}
