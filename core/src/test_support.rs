//! What the unit tests of every layer share.

use crate::Diagnostic;
use crate::decode::Decoder;
use crate::failure::Failure;
use crate::invocation::Invocation;
use crate::trigger::{Batch, Fixed, Trigger, WithBody};

/// Asserts that `message` starts with `prefix`, showing both when not.
#[track_caller]
pub(crate) fn assert_starts_with(message: &str, prefix: &str) {
    assert!(
        message.starts_with(prefix),
        "{message:?} does not start with {prefix:?}"
    );
}

/// Asserts that `message` contains `part`, showing both when not.
#[track_caller]
pub(crate) fn assert_contains(message: &str, part: &str) {
    assert!(
        message.contains(part),
        "{message:?} does not contain {part:?}"
    );
}

/// Asserts that a failure is reported as `error_type` with `message`.
#[track_caller]
pub(crate) fn assert_failure(err: &crate::Diagnostic, error_type: &str, message: &str) {
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        (error_type, message)
    );
}

/// An event `{"Records": [...]}` of one record per item, built by `record`
/// from the item's index and the item.
pub(crate) fn records_event<T>(
    items: &[T],
    record: impl Fn(usize, &T) -> serde_json::Value,
) -> Vec<u8> {
    let records: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(index, item)| record(index, item))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap()
}

/// What the trigger modules' unit tests call: a record's payload as the
/// handler would get it, with a failure as the diagnostic Lambda would see.
pub(crate) trait Tested: Trigger {
    /// [`WithBody::body`], reported.
    fn payload<B>(record: &Self::Record, decode: Decoder<B>) -> Result<B, Diagnostic>
    where
        Self: WithBody,
    {
        Self::body(record, decode).map_err(Failure::into_diagnostic)
    }

    /// [`WithBody::wrap`], reported.
    fn record<B>(record: &Self::Record, decode: Decoder<B>) -> Result<Self::Wrapper<B>, Diagnostic>
    where
        Self: WithBody,
    {
        Self::wrap(record, decode).map_err(Failure::into_diagnostic)
    }

    /// [`Fixed::payload`], reported.
    fn fixed(record: &Self::Record) -> Result<Self::Payload, Diagnostic>
    where
        Self: Fixed,
    {
        <Self as Fixed>::payload(record).map_err(Failure::into_diagnostic)
    }
}

impl<T: Trigger> Tested for T {}

/// What a trigger module's test of a whole invocation sees.
pub(crate) type Answer = Result<Vec<u8>, Diagnostic>;

/// Serves `event` with `handler` through [`Batch`], as the generated code
/// does, and reports the answer as Lambda would see it.
pub(crate) async fn serve_batch<T, P, F>(
    handler: F,
    decode: fn(&T::Record) -> Result<P, Failure>,
    concurrency: usize,
    event: &[u8],
) -> Answer
where
    T: Trigger<Output = ()>,
    F: AsyncFn(P, &Invocation<'_, ()>) -> Result<(), crate::Error>,
{
    let adapter: Batch<T, F, P, (), crate::Error> = Batch::new(
        handler,
        decode,
        crate::IntoDiagnostic::into_diagnostic,
        concurrency,
    );
    crate::invocation::call_without_deadline(&adapter, event).await
}

/// Calls `handler` with `event` as Lambda would with `budget` left before
/// the deadline guard fires (no deadline at all when `None`), and reports
/// the answer as Lambda would see it.
pub(crate) async fn call_within<H: crate::invocation::Handler<()>>(
    handler: &H,
    event: &[u8],
    budget: Option<std::time::Duration>,
) -> Answer {
    let Some(budget) = budget else {
        return crate::invocation::call_without_deadline(handler, event).await;
    };
    let context = crate::Context::default();
    let deadline = crate::Deadline::after(std::time::Instant::now(), budget);
    let invocation = Invocation::new(&context, &(), &deadline);
    handler
        .call(event, &invocation)
        .await
        .map(|outcome| outcome.buffered())
        .map_err(Failure::into_diagnostic)
}
