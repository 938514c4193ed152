//! `#[lambda(sqs)]`: one handler call per SQS message, with partial batch
//! failures.
//!
//! The handler's payload is the message body decoded from JSON into `T`
//! (or the raw body as `String` / `Vec<u8>`), or a [`SqsRecord<T>`] that
//! also carries the message id and attributes. The answer is an
//! `SqsBatchResponse` listing the `messageId` of every message that did not
//! succeed, so SQS deletes the others and redelivers only those; enable
//! `ReportBatchItemFailures` on the event source mapping
//! (<https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>).
//!
//! Standard queues run up to `concurrency` messages at once. FIFO queues
//! (source ARN ending in `.fifo`) run in order, one at a time, whatever the
//! `concurrency`: at the first failure, that message and every later one are
//! reported failed without being processed, so no message overtakes an
//! earlier one of its group.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{
    BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute,
};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::error::{self, Diagnostic, diagnostic};
use crate::invoke::{Outcome, encode_response};
use crate::trigger::Trigger;

pub use crate::trigger::body::{bytes, json, text};

/// The SQS trigger.
pub enum Sqs {}

impl Trigger for Sqs {
    type Event = SqsEvent;
    type Record = SqsMessage;

    fn records(event: &SqsEvent) -> &[SqsMessage] {
        &event.records
    }

    fn id(record: &SqsMessage) -> Option<String> {
        record.message_id.clone()
    }

    fn order(event: &SqsEvent, concurrency: usize) -> Order {
        if is_fifo(event) {
            Order::InOrder
        } else {
            Order::Unordered { concurrency }
        }
    }

    fn answer(_: &SqsEvent, outcome: BatchOutcome, _: &Deadline) -> Outcome {
        encode_response(&batch_response(&outcome)?)
    }
}

/// Whether the batch comes from a FIFO queue.
pub fn is_fifo(event: &SqsEvent) -> bool {
    event.records.iter().any(|record| {
        record
            .event_source_arn
            .as_deref()
            .is_some_and(|arn| arn.ends_with(".fifo"))
    })
}

/// The `SqsBatchResponse` for a batch. A failed message without a
/// `messageId` cannot be named, so the whole invocation fails instead and SQS
/// redelivers the batch: no message is reported processed when it was not.
pub fn batch_response(outcome: &BatchOutcome) -> Result<SqsBatchResponse, Diagnostic> {
    let mut response = SqsBatchResponse::default();
    for id in outcome.failed_ids("messageId")? {
        let mut item = BatchItemFailure::default();
        item.item_identifier = id;
        response.batch_item_failures.push(item);
    }
    Ok(response)
}

/// One SQS message with its body decoded: take `SqsRecord<T>` instead of `T`
/// to see the ids and attributes too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SqsRecord<T> {
    /// The message id (what a batch item failure names).
    pub message_id: String,
    /// The body, decoded.
    pub body: T,
    /// The receipt handle.
    pub receipt_handle: Option<String>,
    /// System attributes: `ApproximateReceiveCount`, `SentTimestamp`,
    /// `MessageGroupId`, ...
    pub attributes: HashMap<String, String>,
    /// The message attributes the sender set.
    pub message_attributes: HashMap<String, SqsMessageAttribute>,
    /// The queue's ARN.
    pub event_source_arn: Option<String>,
    /// The region.
    pub aws_region: Option<String>,
}

impl<T> SqsRecord<T> {
    /// A message with this id and body and nothing else, for the handler's
    /// own unit tests.
    pub fn new(message_id: impl Into<String>, body: T) -> Self {
        Self {
            message_id: message_id.into(),
            body,
            receipt_handle: None,
            attributes: HashMap::new(),
            message_attributes: HashMap::new(),
            event_source_arn: None,
            aws_region: None,
        }
    }

    /// How many times this message has been received, this time included.
    pub fn receive_count(&self) -> Option<u32> {
        self.attributes.get("ApproximateReceiveCount")?.parse().ok()
    }
}

/// The handler's payload when it takes the body: decoded with `body`.
pub fn payload<T>(
    message: &SqsMessage,
    body: fn(&[u8]) -> Result<T, Diagnostic>,
) -> Result<T, Diagnostic> {
    let text = message
        .body
        .as_deref()
        .ok_or_else(|| diagnostic(error::INVALID_EVENT, "the message has no body"))?;
    body(text.as_bytes())
}

/// The handler's payload when it takes a [`SqsRecord<T>`].
pub fn record<T>(
    message: &SqsMessage,
    body: fn(&[u8]) -> Result<T, Diagnostic>,
) -> Result<SqsRecord<T>, Diagnostic> {
    Ok(SqsRecord {
        message_id: message.message_id.clone().unwrap_or_default(),
        body: payload(message, body)?,
        receipt_handle: message.receipt_handle.clone(),
        attributes: message.attributes.clone(),
        message_attributes: message.message_attributes.clone(),
        event_source_arn: message.event_source_arn.clone(),
        aws_region: message.aws_region.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::{Handler, Invocation};
    use crate::trigger::Adapter;
    use crate::{Context, IntoDiagnostic};
    use serde::Deserialize;

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-sqs-event.json"
    ));

    fn event_with_bodies(bodies: &[&str], arn: &str) -> Vec<u8> {
        let records: Vec<serde_json::Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                serde_json::json!({
                    "messageId": format!("m{i}"),
                    "receiptHandle": "rh",
                    "body": body,
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": "us-east-1"
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap()
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        amount: f64,
    }

    async fn serve(event: &[u8]) -> Outcome {
        let handler = async |order: Order, _: &Invocation<'_, ()>| {
            if order.amount < 0.0 {
                return Err(crate::Error::msg("negative").with_error_type("NegativeAmount"));
            }
            if order.amount == 13.0 {
                panic!("unlucky");
            }
            Ok(())
        };
        let adapter: Adapter<Sqs, _, _, crate::Error> = Adapter::new(
            handler,
            |m| payload(m, json::<Order>),
            IntoDiagnostic::into_diagnostic,
            4,
        );
        crate::invoke::call_without_deadline(&adapter, event).await
    }

    fn failures(outcome: Outcome) -> serde_json::Value {
        serde_json::from_slice(&outcome.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn fixture_decodes_and_is_answered() {
        let event: SqsEvent = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(event.records.len(), 1);
        assert!(!is_fifo(&event));
        let raw = |m: &SqsMessage| payload(m, text);
        let body = raw(&event.records[0]).unwrap();
        assert_eq!(body, "Message Body");
        let wrapped = record(&event.records[0], text).unwrap();
        assert_eq!(wrapped.message_id, "MessageID_1");
        assert_eq!(wrapped.receive_count(), Some(2));
        // The fixture's body is not a JSON order: it fails to decode.
        let answer = failures(serve(FIXTURE).await);
        assert_eq!(
            answer,
            serde_json::json!({ "batchItemFailures": [
                { "itemIdentifier": "MessageID_1" }
            ]})
        );
    }

    #[tokio::test]
    async fn only_bad_messages_are_reported() {
        let event = event_with_bodies(
            &[
                r#"{"amount":1}"#,
                "not json",
                r#"{"amount":-5}"#,
                r#"{"amount":13}"#,
                r#"{"amount":2}"#,
            ],
            "arn:aws:sqs:us-east-1:123456789012:orders",
        );
        let answer = failures(serve(&event).await);
        assert_eq!(
            answer,
            serde_json::json!({ "batchItemFailures": [
                { "itemIdentifier": "m1" }, { "itemIdentifier": "m2" }, { "itemIdentifier": "m3" }
            ]})
        );
        let all_good = event_with_bodies(&[r#"{"amount":1}"#], "arn:aws:sqs:us-east-1:1:q");
        assert_eq!(
            failures(serve(&all_good).await),
            serde_json::json!({ "batchItemFailures": [] })
        );
    }

    #[tokio::test]
    async fn fifo_fails_the_first_failure_and_everything_after() {
        let mut bodies = vec![r#"{"amount":1}"#; 10];
        bodies[3] = r#"{"amount":-1}"#;
        let event = event_with_bodies(&bodies, "arn:aws:sqs:us-east-1:123456789012:orders.fifo");
        let answer = failures(serve(&event).await);
        let ids: Vec<&str> = answer["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["m3", "m4", "m5", "m6", "m7", "m8", "m9"]);
    }

    /// Ten messages that each await 50 ms of I/O: one at a time they take
    /// 500 ms, with `concurrency = 10` about 50 ms (real time, not paused).
    #[tokio::test]
    async fn concurrency_overlaps_the_messages_of_a_batch() {
        let handler = async |_: String, _: &Invocation<'_, ()>| {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok::<_, crate::Error>(())
        };
        let event = event_with_bodies(&["x"; 10], "arn:aws:sqs:us-east-1:1:q");
        let ctx = Context::default();
        let deadline = Deadline::unknown();
        let inv = Invocation {
            context: &ctx,
            state: &(),
            deadline: &deadline,
        };
        let time = async |concurrency: usize| {
            let adapter: Adapter<Sqs, _, _, crate::Error> = Adapter::new(
                handler,
                |m| payload(m, text),
                IntoDiagnostic::into_diagnostic,
                concurrency,
            );
            let started = std::time::Instant::now();
            let answer = failures(adapter.call(&event, &inv).await);
            assert_eq!(answer, serde_json::json!({ "batchItemFailures": [] }));
            started.elapsed()
        };
        let concurrent = time(10).await;
        assert!(
            concurrent < std::time::Duration::from_millis(150),
            "{concurrent:?}"
        );
        let sequential = time(1).await;
        assert!(
            sequential >= std::time::Duration::from_millis(500),
            "{sequential:?}"
        );
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let err = serve(br#"{"Records": [{"body": 5}]}"#).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(
            err.error_message.starts_with("Records[0].body"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn a_failure_without_id_fails_the_invocation() {
        let outcome = BatchOutcome {
            records: 1,
            failures: vec![crate::batch::RecordFailure {
                index: 0,
                id: None,
                diagnostic: diagnostic("X", "y"),
            }],
            timed_out: false,
        };
        assert!(batch_response(&outcome).is_err());
    }
}
