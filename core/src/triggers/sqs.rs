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

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order, batch_item_failures};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody};

crate::trigger::source!("sqs");

impl Trigger for Source {
    type Event = SqsEvent;
    type Record = SqsMessage;
    type Output = ();

    fn id(record: &SqsMessage) -> Option<String> {
        record.message_id.clone()
    }

    fn records(event: &SqsEvent) -> &[SqsMessage] {
        &event.records
    }

    fn order(event: &SqsEvent, concurrency: usize) -> Order {
        if is_fifo(event) {
            Order::InOrder
        } else {
            Order::Unordered { concurrency }
        }
    }

    async fn answer(_: &SqsEvent, outcome: BatchOutcome, _: &Deadline) -> Outcome {
        batch_item_failures(&outcome, "messageId")
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

impl WithBody for Source {
    type Wrapper<B> = SqsRecord<B>;

    fn body<B>(message: &SqsMessage, decode: Decoder<B>) -> Result<B, Failure> {
        let text = message
            .body
            .as_deref()
            .ok_or_else(|| Failure::invalid_event("the message has no body"))?;
        decode(Body::Bytes(text.as_bytes()))
    }

    fn wrap<B>(message: &SqsMessage, decode: Decoder<B>) -> Result<SqsRecord<B>, Failure> {
        Ok(SqsRecord {
            message_id: message.message_id.clone().unwrap_or_default(),
            body: Self::body(message, decode)?,
            receipt_handle: message.receipt_handle.clone(),
            attributes: message.attributes.clone(),
            message_attributes: message.message_attributes.clone(),
            event_source_arn: message.event_source_arn.clone(),
            aws_region: message.aws_region.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{json, text};
    use crate::invocation::{Handler, Invocation};
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_starts_with, records_event};
    use crate::trigger::Batch;
    use crate::{Context, IntoDiagnostic};
    use serde::Deserialize;

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-sqs-event.json"
    ));

    fn event_with_bodies(bodies: &[&str], arn: &str) -> Vec<u8> {
        records_event(bodies, |i, body| {
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
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        amount: f64,
    }

    async fn serve(event: &[u8]) -> Answer {
        let handler = async |order: Order, _: &Invocation<'_, ()>| {
            if order.amount < 0.0 {
                return Err(crate::Error::msg("negative").with_error_type("NegativeAmount"));
            }
            if order.amount == 13.0 {
                panic!("unlucky");
            }
            Ok(())
        };
        serve_batch::<Source, _, _>(handler, |m| Source::body(m, json::<Order>), 4, event).await
    }

    fn failures(outcome: Answer) -> serde_json::Value {
        serde_json::from_slice(&outcome.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn fixture_decodes_and_is_answered() {
        let event: SqsEvent = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(event.records.len(), 1);
        assert!(!is_fifo(&event));
        let raw = |m: &SqsMessage| Source::payload(m, text);
        let body = raw(&event.records[0]).unwrap();
        assert_eq!(body, "Message Body");
        let wrapped = Source::record(&event.records[0], text).unwrap();
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
        let inv = Invocation::new(&ctx, &(), &deadline);
        let time = async |concurrency: usize| {
            let adapter: Batch<Source, _, _, (), crate::Error> = Batch::new(
                handler,
                |m| Source::body(m, text),
                IntoDiagnostic::into_diagnostic,
                concurrency,
            );
            let started = std::time::Instant::now();
            let answer = failures(
                adapter
                    .call(&event, &inv)
                    .await
                    .map(crate::invocation::Response::buffered)
                    .map_err(Failure::into_diagnostic),
            );
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
        assert_starts_with(&err.error_message, "Records[0].body");
    }
}
