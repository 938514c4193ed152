//! Warm state: what `init = path` builds once per execution environment.
//!
//! The `init` function may be sync or async, and may return the state or a
//! `Result` of it. [`IntoState`] accepts the four shapes; the marker type
//! parameter keeps the implementations apart, and the compiler picks the one
//! that fits the state type the handler asks for.

use std::future::Future;

use crate::error::{self, Diagnostic, IntoDiagnostic};

/// Marker: `init` returns the state.
pub enum Value {}
/// Marker: `init` returns `Result<State, E>`.
pub enum Fallible {}
/// Marker: `init` is async and returns the state.
pub enum Async {}
/// Marker: `init` is async and returns `Result<State, E>`.
pub enum AsyncFallible {}

/// What an `init` function may return for a handler whose warm state is `S`:
/// `S`, `Result<S, E>`, or a future of either.
#[diagnostic::on_unimplemented(
    message = "`init` returns `{Self}`, which does not build the warm state `{S}`",
    label = "this `init` function does not build `{S}`",
    note = "an `init` function returns `{S}` or `Result<{S}, E>` where `E` converts into `lambda_fn::Error` (any `std::error::Error + Send + Sync`), and may be `async`"
)]
pub trait IntoState<S, Marker> {
    /// Builds the state, reporting a failure as `InitError`.
    fn into_state(self) -> impl Future<Output = Result<S, Diagnostic>>;
}

// The four impls are not recommended: a wrong shape is reported by the
// trait's own message at the user's `init` path, not as a list of these.
#[diagnostic::do_not_recommend]
impl<S> IntoState<S, Value> for S {
    async fn into_state(self) -> Result<S, Diagnostic> {
        Ok(self)
    }
}

#[diagnostic::do_not_recommend]
impl<S, E: IntoDiagnostic> IntoState<S, Fallible> for Result<S, E> {
    async fn into_state(self) -> Result<S, Diagnostic> {
        self.map_err(init_failed)
    }
}

#[diagnostic::do_not_recommend]
impl<S, F: Future<Output = S>> IntoState<S, Async> for F {
    async fn into_state(self) -> Result<S, Diagnostic> {
        Ok(self.await)
    }
}

#[diagnostic::do_not_recommend]
impl<S, E: IntoDiagnostic, F: Future<Output = Result<S, E>>> IntoState<S, AsyncFallible> for F {
    async fn into_state(self) -> Result<S, Diagnostic> {
        self.await.map_err(init_failed)
    }
}

/// Every init failure is reported as `InitError`; the message names the
/// error's own type so that nothing is lost.
fn init_failed<E: IntoDiagnostic>(err: E) -> Diagnostic {
    let inner = err.into_diagnostic();
    let message = if inner.error_type == error::HANDLER_ERROR {
        inner.error_message
    } else {
        format!("{}: {}", inner.error_type, inner.error_message)
    };
    error::diagnostic(error::INIT_ERROR, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::assert_failure;

    fn build<S, M, R: IntoState<S, M>>(r: R) -> Result<S, Diagnostic> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(r.into_state())
    }

    #[derive(Debug, PartialEq)]
    struct Clients(u8);

    #[test]
    fn all_four_shapes_build_the_state() {
        assert_eq!(build::<Clients, _, _>(Clients(1)).unwrap(), Clients(1));
        assert_eq!(
            build::<Clients, _, _>(Ok::<_, std::io::Error>(Clients(2))).unwrap(),
            Clients(2)
        );
        assert_eq!(
            build::<Clients, _, _>(async { Clients(3) }).unwrap(),
            Clients(3)
        );
        assert_eq!(
            build::<Clients, _, _>(async { Ok::<_, crate::Error>(Clients(4)) }).unwrap(),
            Clients(4)
        );
    }

    #[test]
    fn failures_are_init_errors_naming_their_type() {
        let err =
            build::<Clients, _, _>(Err::<Clients, _>(std::io::Error::other("no db"))).unwrap_err();
        assert_failure(&err, "InitError", "io::Error: no db");
        let err = build::<Clients, _, _>(async { Err::<Clients, _>(crate::Error::msg("down")) })
            .unwrap_err();
        assert_eq!(err.error_message, "down");
    }
}
