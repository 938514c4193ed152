//! What every trigger shares: the [`Trigger`] description each trigger
//! module implements, and the [`Adapter`] that serves any of them.
//!
//! A trigger module (`sqs.rs`, `kinesis.rs`, ...) says what the envelope is,
//! where its records are, how records are named and ordered, and how a
//! [`BatchOutcome`] is answered. Decoding, panics, concurrency, the deadline
//! guard and logging are [`crate::batch`]'s, the same for every trigger.

use serde::de::DeserializeOwned;

use crate::Deadline;
use crate::batch::{self, BatchOutcome, Order};
use crate::error::Diagnostic;
use crate::invoke::{Handler, Invocation, Outcome, decode_event};

/// A Lambda trigger whose events carry records.
pub trait Trigger {
    /// The event envelope, from `aws_lambda_events`.
    type Event: DeserializeOwned;
    /// One record of the envelope.
    type Record;

    /// The records of an event.
    fn records(event: &Self::Event) -> &[Self::Record];

    /// The id a record is reported and logged under.
    fn id(record: &Self::Record) -> Option<String>;

    /// How the records of `event` run, given the attribute's `concurrency`.
    fn order(event: &Self::Event, concurrency: usize) -> Order;

    /// The answer to the invocation, from the event and what happened to
    /// its records.
    fn answer(event: &Self::Event, outcome: BatchOutcome, deadline: &Deadline) -> Outcome;
}

/// Serves trigger `T` with a per-record handler returning `Result<(), E>`.
pub struct Adapter<T: Trigger, F, P, E> {
    handler: F,
    decode: fn(&T::Record) -> Result<P, Diagnostic>,
    report: fn(E) -> Diagnostic,
    concurrency: usize,
}

impl<T: Trigger, F, P, E> Adapter<T, F, P, E> {
    /// `decode` turns a record into the handler's payload, `report` the
    /// handler's error into a diagnostic; `concurrency` is the attribute's
    /// (1 when not given).
    pub fn new(
        handler: F,
        decode: fn(&T::Record) -> Result<P, Diagnostic>,
        report: fn(E) -> Diagnostic,
        concurrency: usize,
    ) -> Self {
        Self {
            handler,
            decode,
            report,
            concurrency,
        }
    }
}

impl<T, S, F, P, E> Handler<S> for Adapter<T, F, P, E>
where
    T: Trigger,
    F: AsyncFn(P, &Invocation<'_, S>) -> Result<(), E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        // An envelope of the wrong shape is not this trigger's event at all.
        let event: T::Event = decode_event(event)?;
        let outcome = batch::process(
            T::records(&event),
            T::id,
            self.decode,
            &self.handler,
            self.report,
            invocation,
            T::order(&event, self.concurrency),
        )
        .await;
        T::answer(&event, outcome, invocation.deadline)
    }
}

/// The answer of a trigger without a batch protocol (SNS, S3, EventBridge,
/// schedules): `null` when every record succeeded, otherwise the invocation
/// fails and its error names each failed record.
pub fn answer_all_or_nothing(outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
    outcome.into_invocation_result(deadline)?;
    Ok(b"null".to_vec())
}

/// Decoders for a record body given as bytes, picked by the macro from the
/// payload type as written: `String` is the raw text, `Vec<u8>` the raw
/// bytes, anything else is decoded from JSON.
pub mod body {
    use crate::error::{self, Diagnostic, diagnostic};

    /// Decodes the body as JSON into `T`, naming the path of a mismatch.
    pub fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Diagnostic> {
        crate::invoke::decode_event(body)
    }

    /// The body as text; it must be UTF-8.
    pub fn text(body: &[u8]) -> Result<String, Diagnostic> {
        String::from_utf8(body.to_vec()).map_err(|err| {
            diagnostic(
                error::INVALID_EVENT,
                format!("the body is not UTF-8 text: {err}"),
            )
        })
    }

    /// The body's bytes, as they are.
    pub fn bytes(body: &[u8]) -> Result<Vec<u8>, Diagnostic> {
        Ok(body.to_vec())
    }
}
