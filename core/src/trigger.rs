//! The trigger contract: what a trigger module in `triggers/` implements,
//! and the adapters that serve any trigger with the user's function.
//!
//! A trigger says what its envelope is, where its records are, how records
//! are named and ordered, how each becomes the handler's payload, and how
//! the outcome is answered ([`Trigger`], plus [`WithBody`] or [`Fixed`]).
//! Everything else — decoding the envelope, running each record under the
//! panic catcher and the batch under the deadline guard, concurrency,
//! ordering, logging — is [`Batch`]'s, the same for every trigger. See
//! `CONTRIBUTING.md`, "Adding a trigger".
//!
//! [`WholeEvent`] serves `#[lambda]` without a trigger; HTTP has its own
//! adapters in `triggers/http`, since its answer is an HTTP response.

use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::batch::{self, BatchOutcome, Order};
use crate::deadline::Deadline;
use crate::decode::{self, Decoder, Encoder};
use crate::error::Diagnostic;
use crate::failure::Failure;
use crate::guard::{caught, guarded};
use crate::invocation::{Handler, Invocation, Outcome};

/// Declares a trigger module's `Source`: the type that implements the
/// contract for `#[lambda(<keyword>)]` (hidden: users never name it).
/// Unused (and allowed to be) when only `http`, which has its own adapter,
/// is enabled.
#[allow(unused_macros)]
macro_rules! source {
    ($keyword:literal) => {
        #[doc = concat!("`#[lambda(", $keyword, ")]`: implements the trigger contract (`crate::trigger`).")]
        #[doc(hidden)]
        pub enum Source {}
    };
}
#[allow(unused_imports)]
pub(crate) use source;

/// A Lambda trigger whose events carry records.
pub trait Trigger {
    /// The event envelope, from `aws_lambda_events`.
    type Event: DeserializeOwned;
    /// One record of the envelope.
    type Record;
    /// What the answer keeps of a record that succeeded: `()`, except for a
    /// trigger whose answer carries one result per record ([`WithOutput`]).
    type Output;

    /// The records of an event (an event that is one record returns itself:
    /// `std::slice::from_ref(event)`).
    fn records(event: &Self::Event) -> &[Self::Record];

    /// The id a record is reported and logged under.
    fn id(record: &Self::Record) -> Option<String>;

    /// How the records of `event` run, given the attribute's `concurrency`.
    fn order(event: &Self::Event, concurrency: usize) -> Order;

    /// The time the answer needs once the handler is done, kept from the
    /// handler's budget: zero, except for a trigger whose answer is sent
    /// somewhere first (a custom resource's PUT to CloudFormation). The
    /// guard then fires that much earlier, and `answer` gets the rest.
    const RESERVE: Duration = Duration::ZERO;

    /// The answer to the invocation, from the event and what happened to
    /// its records. `deadline` is the invocation's, without the
    /// [`RESERVE`](Trigger::RESERVE) taken off.
    fn answer(
        event: &Self::Event,
        outcome: BatchOutcome<Self::Output>,
        deadline: &Deadline,
    ) -> impl Future<Output = Outcome>;
}

/// A trigger whose records carry a body of the handler's choosing: `T`
/// decoded from JSON, `String` or `Vec<u8>` where raw bodies make sense, or
/// the trigger's record wrapper around any of them.
pub trait WithBody: Trigger {
    /// The record wrapper (`SqsRecord<B>`): the body and the record's
    /// metadata.
    type Wrapper<B>;

    /// The handler's payload when it takes the body: `decode` applied to it.
    fn body<B>(record: &Self::Record, decode: Decoder<B>) -> Result<B, Failure>;

    /// The handler's payload when it takes the record wrapper.
    fn wrap<B>(record: &Self::Record, decode: Decoder<B>) -> Result<Self::Wrapper<B>, Failure>;
}

/// A trigger whose answer carries what each record's handler answered
/// (Firehose's transformed record, an S3 Batch Operations result string):
/// the handler returns `Result<R, E>`, where `R` is encoded like a body is
/// decoded — any `T: Serialize` as JSON, `String`/`Vec<u8>` as they are —
/// or is the trigger's wrapper around one (`Transformed<T>`), which says
/// more (drop the record, partition keys).
pub trait WithOutput: Trigger {
    /// The answer wrapper (`Transformed<R>`).
    type Wrapper<R>;

    /// What the answer keeps of a record whose handler answered `encoded`.
    fn output(encoded: Vec<u8>) -> Result<Self::Output, Failure>;

    /// What the answer keeps of a record whose handler answered the wrapper.
    fn unwrap<R>(answer: Self::Wrapper<R>, encode: Encoder<R>) -> Result<Self::Output, Failure>;
}

/// A trigger whose handler answers one fixed type (an authorizer's
/// `Decision`), which the answer is built from.
pub trait Answers: Trigger {
    /// What the handler answers.
    type Answer;

    /// What the answer keeps of it.
    fn keep(answer: Self::Answer) -> Result<Self::Output, Failure>;
}

/// A trigger whose handler takes one fixed type per record (S3's
/// `S3Object`, a schedule's `ScheduledEvent`).
pub trait Fixed: Trigger {
    /// What the handler takes.
    type Payload;

    /// The payload of a record.
    fn payload(record: &Self::Record) -> Result<Self::Payload, Failure>;
}

/// The answer of a trigger without a batch protocol (SNS, S3, EventBridge,
/// schedules): `null` when every record succeeded, otherwise the invocation
/// fails and its error names each failed record.
#[cfg_attr(
    not(any(
        feature = "sns",
        feature = "eventbridge",
        feature = "schedule",
        feature = "mq",
        feature = "cloudwatch_logs"
    )),
    allow(dead_code)
)]
pub(crate) fn answer_all_or_nothing(outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
    outcome.into_invocation_result(deadline)?;
    Ok(b"null".to_vec().into())
}

/// Serves trigger `T` with a per-record handler returning `Result<R, E>`:
/// `R` is `()` for most triggers, or what [`WithOutput`] keeps.
pub struct Batch<T: Trigger, F, P, R, E> {
    handler: F,
    decode: fn(&T::Record) -> Result<P, Failure>,
    keep: fn(R) -> Result<T::Output, Failure>,
    report: fn(E) -> Diagnostic,
    concurrency: usize,
}

impl<T: Trigger<Output = ()>, F, P, E> Batch<T, F, P, (), E> {
    /// `decode` turns a record into the handler's payload (one of
    /// [`WithBody::body`], [`WithBody::wrap`] or [`Fixed::payload`]),
    /// `report` the handler's error into a diagnostic; `concurrency` is the
    /// attribute's (1 when not given).
    pub fn new(
        handler: F,
        decode: fn(&T::Record) -> Result<P, Failure>,
        report: fn(E) -> Diagnostic,
        concurrency: usize,
    ) -> Self {
        Self::answering(handler, decode, batch::nothing, report, concurrency)
    }
}

impl<T: Trigger, F, P, R, E> Batch<T, F, P, R, E> {
    /// As [`Batch::new`], for a trigger whose answer keeps what each
    /// record's handler answered: `keep` is [`WithOutput::output`] applied
    /// to the encoded answer, or [`WithOutput::unwrap`].
    pub fn answering(
        handler: F,
        decode: fn(&T::Record) -> Result<P, Failure>,
        keep: fn(R) -> Result<T::Output, Failure>,
        report: fn(E) -> Diagnostic,
        concurrency: usize,
    ) -> Self {
        Self {
            handler,
            decode,
            keep,
            report,
            concurrency,
        }
    }
}

impl<T, S, F, P, R, E> Handler<S> for Batch<T, F, P, R, E>
where
    T: Trigger,
    F: AsyncFn(P, &Invocation<'_, S>) -> Result<R, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        // An envelope of the wrong shape is not this trigger's event at all.
        let event: T::Event = decode::from_slice(event)?;
        let budget = invocation.deadline.reserving(T::RESERVE);
        let outcome = batch::process(
            T::records(&event),
            T::id,
            self.decode,
            &self.handler,
            self.keep,
            self.report,
            &invocation.with_deadline(&budget),
            T::order(&event, self.concurrency),
        )
        .await;
        T::answer(&event, outcome, invocation.deadline).await
    }
}

/// Serves trigger `T` with a batch handler (`#[lambda(sqs, batch)]`): one
/// call with the payloads of every record that decodes, answering one
/// `Result` per record (see `batch::process_together`).
pub struct WholeBatch<T: Trigger, F, P, E> {
    handler: F,
    decode: fn(&T::Record) -> Result<P, Failure>,
    report: fn(E) -> Diagnostic,
}

impl<T: Trigger, F, P, E> WholeBatch<T, F, P, E> {
    /// `decode` turns a record into one payload of the handler's batch, as
    /// for [`Batch::new`]; `report` the handler's error into a diagnostic.
    pub fn new(
        handler: F,
        decode: fn(&T::Record) -> Result<P, Failure>,
        report: fn(E) -> Diagnostic,
    ) -> Self {
        Self {
            handler,
            decode,
            report,
        }
    }
}

impl<T, S, F, P, E> Handler<S> for WholeBatch<T, F, P, E>
where
    T: Trigger<Output = ()>,
    F: AsyncFn(Vec<P>, &Invocation<'_, S>) -> Result<Vec<Result<(), E>>, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let event: T::Event = decode::from_slice(event)?;
        let budget = invocation.deadline.reserving(T::RESERVE);
        let outcome = batch::process_together(
            T::records(&event),
            T::id,
            self.decode,
            &self.handler,
            self.report,
            &invocation.with_deadline(&budget),
            // The records run in one call: `concurrency` does not apply.
            T::order(&event, 1),
        )
        .await;
        T::answer(&event, outcome, invocation.deadline).await
    }
}

/// The adapter for `#[lambda]` without a trigger: the whole event is the
/// handler's first parameter and its `Ok` value is the response.
///
/// The decoder, encoder and error reporter are plain function pointers, so
/// that `Handler` asks nothing of `T`, `R` and `E`: the generated code gets
/// them from [`crate::check`], at the user's own types, and an unmet
/// requirement is reported there once instead of again at `start`.
pub struct WholeEvent<F, T, R, E> {
    handler: F,
    decode: fn(&[u8]) -> Result<T, Failure>,
    encode: fn(R) -> Outcome,
    report: fn(E) -> Diagnostic,
}

impl<F, T, R, E> WholeEvent<F, T, R, E> {
    /// Wraps `handler` with the functions that decode its event, encode its
    /// response and report its error (what the generated code uses).
    pub fn new(
        handler: F,
        decode: fn(&[u8]) -> Result<T, Failure>,
        encode: fn(R) -> Outcome,
        report: fn(E) -> Diagnostic,
    ) -> Self {
        Self {
            handler,
            decode,
            encode,
            report,
        }
    }
}

impl<S, F, T, R, E> Handler<S> for WholeEvent<F, T, R, E>
where
    F: AsyncFn(T, &Invocation<'_, S>) -> Result<R, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let event: T = (self.decode)(event)?;
        match guarded(
            invocation.deadline,
            caught((self.handler)(event, invocation)),
        )
        .await??
        {
            Ok(response) => (self.encode)(response),
            Err(err) => Err(Failure::Handler((self.report)(err))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;
    use crate::error::IntoDiagnostic;
    use crate::test_support::{assert_failure, assert_starts_with};
    use serde::Deserialize;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    fn whole<F, T: DeserializeOwned, R: serde::Serialize, E: IntoDiagnostic>(
        handler: F,
    ) -> WholeEvent<F, T, R, E> {
        WholeEvent::new(
            handler,
            decode::from_slice::<T>,
            <R as crate::check::Response>::ENCODE,
            E::into_diagnostic,
        )
    }

    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_past_its_budget_is_dropped_and_answered_timeout() {
        let dropped = Arc::new(AtomicBool::new(false));
        let witness = dropped.clone();
        let handler = whole(async move |_: serde_json::Value, _: &Invocation<'_, ()>| {
            let _witness = SetOnDrop(witness.clone());
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, crate::Error>(())
        });
        let ctx = Context::default();
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(2750));
        let inv = Invocation::new(&ctx, &(), &deadline);
        let err = handler
            .call(b"{}", &inv)
            .await
            .unwrap_err()
            .into_diagnostic();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the handler was not dropped"
        );
        assert_failure(
            &err,
            "Timeout",
            "the handler did not finish within its budget of 2.75s (Lambda's deadline minus the timeout margin)",
        );
    }

    #[tokio::test]
    async fn whole_event_answers() {
        #[derive(Deserialize)]
        struct Ev {
            n: u32,
        }
        #[derive(Debug)]
        struct Odd;
        impl std::fmt::Display for Odd {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("odd")
            }
        }
        impl std::error::Error for Odd {}
        let handler = whole(async |ev: Ev, inv: &Invocation<'_, u32>| {
            if ev.n % 2 == 1 {
                return Err(Odd);
            }
            Ok(ev.n + *inv.state)
        });
        let ctx = Context::default();
        let deadline = Deadline::unknown();
        let inv = Invocation::new(&ctx, &10, &deadline);
        assert_eq!(
            handler.call(br#"{"n":2}"#, &inv).await.unwrap().buffered(),
            b"12"
        );
        let err = handler
            .call(br#"{"n":3}"#, &inv)
            .await
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(
            (err.error_type.as_str(), err.error_message.as_str()),
            ("Odd", "odd")
        );
        let err = handler
            .call(br#"{"n":"x"}"#, &inv)
            .await
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "n: invalid type");
    }
}
