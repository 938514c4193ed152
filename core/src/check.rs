//! What a handler's types must be, as traits the generated code names at
//! the user's own types: `<Order as Event>::DECODE` fails on `Order` when it
//! is not `Deserialize`, `<Value as Output<_, _>>::into_result` on the return
//! type when it is not a `Result`, and `<_ as Response>::ENCODE` there when
//! the response is not `Serialize`.
//!
//! Not an API: public (and hidden) only because the compiler names these
//! traits, by this path, in the errors it reports about a handler.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::decode::{self, Decoder, Encoder};
use crate::failure::Failure;
use crate::invocation::Outcome;

// Defined with the layer they belong to, and named here so that the
// compiler names them by this path (not `__private`) in its errors.
pub use crate::invocation::Invocation;
pub use crate::shutdown::Shutdown;
pub use crate::state::IntoState;

/// An event type: decoded from the event's JSON.
#[diagnostic::on_unimplemented(
    message = "the event type `{Self}` cannot be decoded from JSON",
    label = "`{Self}` does not implement `serde::Deserialize`",
    note = "derive `serde::Deserialize` for `{Self}`, or take `serde_json::Value` for any JSON"
)]
pub trait Event: Sized {
    /// Decodes the event, reporting a mismatch as `InvalidEvent`.
    const DECODE: fn(&[u8]) -> Result<Self, Failure>;
    /// Decodes a record's body, reporting a mismatch as `InvalidEvent`.
    const BODY: Decoder<Self>;
}

impl<T: DeserializeOwned> Event for T {
    const DECODE: fn(&[u8]) -> Result<Self, Failure> = decode::from_slice::<T>;
    const BODY: Decoder<Self> = decode::json::<T>;
}

/// A handler's return type: `Result<Response, Error>`. Only its shape is
/// checked here; the response and the error are checked by [`Response`] and
/// [`IntoDiagnostic`](crate::IntoDiagnostic), each with its own message.
#[diagnostic::on_unimplemented(
    message = "a Lambda handler returns `Result<Response, Error>`, not `{Self}`",
    label = "not a `Result`",
    note = "return `Result<{Self}, lambda_fn::Error>` and answer with `Ok(...)`"
)]
pub trait Output<R, E> {
    /// The handler's answer as a `Result` (it is one).
    fn into_result(self) -> Result<R, E>;
}

// Parameters rather than associated types: when the return type is not a
// `Result`, `R` and `E` stay unknown and nothing is reported about them,
// where an associated type would be reported a second time. Not
// recommended, so that a return type of the wrong shape gets the trait's
// message and not a pointer to this impl.
#[diagnostic::do_not_recommend]
impl<R, E> Output<R, E> for Result<R, E> {
    fn into_result(self) -> Self {
        self
    }
}

/// A response type: encoded to the JSON the invoker receives.
#[diagnostic::on_unimplemented(
    message = "the response type `{Self}` cannot be encoded as JSON",
    label = "`{Self}` does not implement `serde::Serialize`",
    note = "derive `serde::Serialize` for `{Self}`, or answer with `serde_json::Value`"
)]
pub trait Response: Sized {
    /// Encodes the response, reporting a failure as `InvalidResponse`.
    const ENCODE: fn(Self) -> Outcome;
}

#[diagnostic::do_not_recommend]
impl<R: Serialize> Response for R {
    const ENCODE: fn(Self) -> Outcome = |response| decode::encode(&response).map(Into::into);
}

/// A streamed response is sent as it is produced. Not recommended in the
/// error about a response that does not serialize: that error is about
/// `Serialize`.
#[diagnostic::do_not_recommend]
impl Response for crate::stream::Streaming {
    const ENCODE: fn(Self) -> Outcome = |streaming| Ok(crate::stream::into_response(streaming));
}

/// What a record's handler answers, for a trigger whose answer carries it
/// (Firehose, S3 Batch Operations): encoded as JSON.
#[diagnostic::on_unimplemented(
    message = "the record's answer `{Self}` cannot be encoded as JSON",
    label = "`{Self}` does not implement `serde::Serialize`",
    note = "derive `serde::Serialize` for `{Self}`, or answer with `String` or `Vec<u8>`, which are passed on as they are"
)]
pub trait RecordAnswer: Sized {
    /// Encodes the answer, reporting a failure as `InvalidResponse`.
    const ENCODE: Encoder<Self>;
}

#[diagnostic::do_not_recommend]
impl<R: Serialize> RecordAnswer for R {
    const ENCODE: Encoder<Self> = decode::to_json::<R>;
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
    /// The handler's answer as a `Result` (it is one).
    fn into_result(self) -> Result<(), E>;
}

/// What a batch handler answers a record with on success: only `()`.
pub trait Unit {}

impl Unit for () {}

// Generic over `T` and not recommended: `Result<usize, E>` is reported with
// the trait's message at the user's return type, not as a near miss of an
// impl for `Result<(), E>` inside this crate.
#[diagnostic::do_not_recommend]
impl<T: Unit, E> BatchOutput<E> for Result<T, E> {
    fn into_result(self) -> Result<(), E> {
        self.map(|_| ())
    }
}

/// A batch handler's return type (`#[lambda(sqs, batch)]`): one
/// `Result<(), E>` per record it was given, in the order given, either as
/// it is (`Vec<Result<(), E>>`) or inside a `Result` whose `Err` fails
/// every record (`Result<Vec<Result<(), E>>, E>`, so that `?` works on
/// what the whole batch shares, like running a model).
#[diagnostic::on_unimplemented(
    message = "a batch handler returns one `Result<(), Error>` per record, not `{Self}`",
    label = "must be `Vec<Result<(), E>>` or `Result<Vec<Result<(), E>>, E>`, one outcome per record in the order given",
    note = "answer `Ok(vec![Ok(()); records.len()])` when every record succeeded; an `Err` of the whole call fails every record"
)]
pub trait BatchOutcomes<E> {
    /// The outcomes, or the error that fails the whole batch.
    fn into_outcomes(self) -> Result<Vec<Result<(), E>>, E>;
}

#[diagnostic::do_not_recommend]
impl<E> BatchOutcomes<E> for Vec<Result<(), E>> {
    fn into_outcomes(self) -> Result<Vec<Result<(), E>>, E> {
        Ok(self)
    }
}

#[diagnostic::do_not_recommend]
impl<E> BatchOutcomes<E> for Result<Vec<Result<(), E>>, E> {
    fn into_outcomes(self) -> Self {
        self
    }
}
