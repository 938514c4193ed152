//! What a handler's types must be, as traits the generated code names at
//! the user's own types: `<Order as Event>::DECODE` fails on `Order` when it
//! is not `Deserialize`, `<Result<Receipt, E> as Output<_, _>>::ENCODE` on the
//! return type when `Receipt` is not `Serialize`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Diagnostic, IntoDiagnostic};
use crate::invoke::{Outcome, decode_event, encode_response};

/// An event type: decoded from the event's JSON.
#[diagnostic::on_unimplemented(
    message = "the event type `{Self}` cannot be decoded from JSON",
    label = "`{Self}` does not implement `serde::Deserialize`",
    note = "derive `serde::Deserialize` for `{Self}`, or take `serde_json::Value` for any JSON"
)]
pub trait Event: Sized {
    /// Decodes the event, reporting a mismatch as `InvalidEvent`.
    const DECODE: fn(&[u8]) -> Result<Self, Diagnostic>;
}

impl<T: DeserializeOwned> Event for T {
    const DECODE: fn(&[u8]) -> Result<Self, Diagnostic> = decode_event::<T>;
}

/// A handler's return type: `Result<Response, Error>`, with a response that
/// serializes to JSON and an error Lambda can report.
#[diagnostic::on_unimplemented(
    message = "a Lambda handler returns `Result<Response, Error>`, not `{Self}`",
    label = "not a `Result`",
    note = "return `Result<{Self}, lambda_fn::Error>` and answer with `Ok(...)`"
)]
pub trait Output<R, E> {
    /// Encodes the response.
    const ENCODE: fn(&R) -> Outcome;
    /// Reports the error.
    const REPORT: fn(E) -> Diagnostic;
    /// The handler's answer as a `Result` (it is one).
    fn into_result(self) -> Result<R, E>;
}

// Parameters rather than associated types: when the return type is not a
// `Result`, `R` and `E` stay unknown and nothing is reported about them,
// where an associated type would be reported a second time.
impl<R: Serialize, E: IntoDiagnostic> Output<R, E> for Result<R, E> {
    const ENCODE: fn(&R) -> Outcome = encode_response::<R>;
    const REPORT: fn(E) -> Diagnostic = E::into_diagnostic;
    fn into_result(self) -> Self {
        self
    }
}

/// A batch trigger handler's return type: `Result<(), Error>`. The answer to
/// the invocation is built from which records failed, so a record's handler
/// returns nothing on success.
#[diagnostic::on_unimplemented(
    message = "a handler of a batch trigger returns `Result<(), Error>`, not `{Self}`",
    label = "the answer is built from which records failed, so this must be `Result<(), E>`",
    note = "return `Result<(), lambda_fn::Error>` and answer each record with `Ok(())`"
)]
pub trait BatchOutput<E> {
    /// Reports the error.
    const REPORT: fn(E) -> Diagnostic;
    /// The handler's answer as a `Result` (it is one).
    fn into_result(self) -> Result<(), E>;
}

impl<E: IntoDiagnostic> BatchOutput<E> for Result<(), E> {
    const REPORT: fn(E) -> Diagnostic = E::into_diagnostic;
    fn into_result(self) -> Self {
        self
    }
}
