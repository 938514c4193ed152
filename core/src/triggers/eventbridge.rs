//! `#[lambda(eventbridge)]`: one handler call per EventBridge event, with
//! the event's `detail` as the payload.
//!
//! EventBridge invokes a function with one event at a time
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html>).
//! The handler's payload is the event's `detail` decoded from JSON into `T`,
//! or an [`EventBridgeRecord<T>`] that also carries the `detail-type`, the
//! `source`, the time and the other fields of the envelope.
//!
//! EventBridge has no partial-failure protocol: when the handler returns
//! `Err`, panics, or the detail does not decode, the invocation fails with
//! that error's `errorType`, and EventBridge retries the asynchronous
//! invocation (then sends it to the rule's dead-letter queue, if any). A
//! success answers `null`.
//!
//! A mismatch in the detail is reported as `InvalidEvent` with its path from
//! the root of the event, `detail.total: invalid type: ...`, so it can be
//! found in the event as EventBridge delivered it.

use std::time::SystemTime;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde_json::Value;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody, answer_all_or_nothing};

crate::trigger::source!("eventbridge");

impl Trigger for Source {
    type Event = EventBridgeEvent<Value>;
    type Record = EventBridgeEvent<Value>;
    type Output = ();

    fn id(event: &Self::Record) -> Option<String> {
        event.id.clone()
    }

    /// An invocation carries exactly one event: it is the only record.
    fn records(event: &Self::Event) -> &[Self::Record] {
        std::slice::from_ref(event)
    }

    // One record: there is nothing to order or overlap.
    fn order(_: &Self::Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(_: &Self::Event, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        answer_all_or_nothing(outcome, deadline)
    }
}

/// One EventBridge event with its detail decoded: take
/// `EventBridgeRecord<T>` instead of `T` to see the envelope too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EventBridgeRecord<T> {
    /// The event id (what a failure is reported and logged under).
    pub id: String,
    /// The `detail-type`, what kind of event this is: `"Order Placed"`.
    pub detail_type: String,
    /// The `source`, who sent it: `"com.example.orders"`, `"aws.ec2"`.
    pub source: String,
    /// When the event happened, as its sender says (second precision).
    /// `chrono::DateTime::<chrono::Utc>::from(time)` converts it.
    pub time: Option<SystemTime>,
    /// The ARNs of the resources the event is about (may be empty).
    pub resources: Vec<String>,
    /// The account the event came from.
    pub account: Option<String>,
    /// The region the event came from.
    pub region: Option<String>,
    /// The detail, decoded.
    pub detail: T,
}

impl<T> EventBridgeRecord<T> {
    /// An event of this `detail-type` and `source` with this detail and
    /// nothing else set (an empty id, no time, resources, account or
    /// region), for calling a handler directly in a test. Set the public
    /// fields the handler reads.
    pub fn new(detail_type: impl Into<String>, source: impl Into<String>, detail: T) -> Self {
        Self {
            id: String::new(),
            detail_type: detail_type.into(),
            source: source.into(),
            time: None,
            resources: Vec::new(),
            account: None,
            region: None,
            detail,
        }
    }
}

/// The detail is decoded from the value the envelope already holds, and a
/// mismatch is reported with its path from the root of the event
/// (`detail.items[0].sku: ...`), not from the root of the detail.
impl WithBody for Source {
    type Wrapper<B> = EventBridgeRecord<B>;

    fn body<B>(event: &EventBridgeEvent<Value>, decode: Decoder<B>) -> Result<B, Failure> {
        decode(Body::Value(&event.detail)).map_err(|failure| failure.in_field("detail"))
    }

    fn wrap<B>(
        event: &EventBridgeEvent<Value>,
        decode: Decoder<B>,
    ) -> Result<EventBridgeRecord<B>, Failure> {
        Ok(EventBridgeRecord {
            id: event.id.clone().unwrap_or_default(),
            detail_type: event.detail_type.clone(),
            source: event.source.clone(),
            time: event.time.map(SystemTime::from),
            resources: event.resources.clone().unwrap_or_default(),
            account: event.account.clone(),
            region: event.region.clone(),
            detail: Self::body(event, decode)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;

    use crate::decode::json;
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_contains, assert_failure, assert_starts_with};
    use serde::Deserialize;
    use std::time::{Duration, UNIX_EPOCH};

    /// The sample event shipped in aws_lambda_events' fixtures (an EC2
    /// state change).
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-eventbridge-event-obj.json"
    ));

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct StateChange {
        instance_id: String,
        state: String,
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        total: f64,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    struct Item {
        #[allow(dead_code)]
        sku: String,
    }

    fn event(detail: serde_json::Value) -> EventBridgeEvent<Value> {
        serde_json::from_value(serde_json::json!({
            "version": "0",
            "id": "ev-1",
            "detail-type": "Order Placed",
            "source": "com.example.orders",
            "account": "123456789012",
            "time": "2025-11-27T08:00:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": detail
        }))
        .unwrap()
    }

    fn decode_error(detail: serde_json::Value) -> Diagnostic {
        Source::payload(&event(detail), json::<Order>).unwrap_err()
    }

    #[test]
    fn fixture_decodes_into_a_record() {
        let event: EventBridgeEvent<Value> = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(Source::records(&event).len(), 1);
        assert_eq!(
            Source::id(&event).as_deref(),
            Some("7bf73129-1428-4cd3-a780-95db273d1602")
        );
        let record = Source::record(&event, json::<StateChange>).unwrap();
        assert_eq!(
            record.detail,
            StateChange {
                instance_id: "i-abcd1111".to_owned(),
                state: "pending".to_owned()
            }
        );
        assert_eq!(record.id, "7bf73129-1428-4cd3-a780-95db273d1602");
        assert_eq!(record.detail_type, "EC2 Instance State-change Notification");
        assert_eq!(record.source, "aws.ec2");
        assert_eq!(
            record.time,
            Some(UNIX_EPOCH + Duration::from_secs(1_636_666_194))
        );
        assert_eq!(
            record.resources,
            ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]
        );
        assert_eq!(record.account.as_deref(), Some("123456789012"));
        assert_eq!(record.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn a_mismatch_names_its_path_from_the_event_root() {
        let err = decode_error(serde_json::json!({"total": "ten", "items": []}));
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(
            &err.error_message,
            "detail.total: invalid type: string \"ten\", expected f64",
        );
        let err = decode_error(serde_json::json!({"total": 1.0, "items": [{"sku": 5}]}));
        assert_starts_with(&err.error_message, "detail.items[0].sku: ");
        let err = decode_error(serde_json::json!({"items": []}));
        assert_eq!(err.error_message, "detail: missing field `total`");
        let err = decode_error(serde_json::json!("an order"));
        assert_starts_with(&err.error_message, "detail: invalid type: string");
        let err =
            Source::payload(&event(serde_json::json!({"x": 1})), json::<Vec<u8>>).unwrap_err();
        assert_starts_with(&err.error_message, "detail: invalid type: map");
        let err =
            Source::payload(&event(serde_json::json!([1, "two"])), json::<Vec<u8>>).unwrap_err();
        assert_starts_with(&err.error_message, "detail[1]: invalid type");
    }

    async fn serve(event: &[u8]) -> Answer {
        let handler = async |order: Order, _: &Invocation<'_, ()>| {
            if order.items.is_empty() {
                return Err(
                    crate::Error::msg("the order has no items").with_error_type("EmptyOrder")
                );
            }
            if order.total == 13.0 {
                panic!("unlucky");
            }
            Ok(())
        };
        serve_batch::<Source, _, _>(
            handler,
            |event| Source::body(event, json::<Order>),
            1,
            event,
        )
        .await
    }

    fn raw(detail: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&event(detail)).unwrap()
    }

    #[tokio::test]
    async fn success_answers_null() {
        let answer = serve(&raw(
            serde_json::json!({"total": 2.5, "items": [{"sku": "a"}]}),
        ))
        .await;
        assert_eq!(answer.unwrap(), b"null");
    }

    #[tokio::test]
    async fn a_failure_fails_the_invocation_with_its_type_and_the_event_id() {
        let err = serve(&raw(serde_json::json!({"total": 2.5, "items": []})))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, "EmptyOrder");
        assert_contains(&err.error_message, "ev-1");
        assert_contains(&err.error_message, "the order has no items");
        let err = serve(&raw(
            serde_json::json!({"total": 13.0, "items": [{"sku": "a"}]}),
        ))
        .await
        .unwrap_err();
        assert_eq!(err.error_type, "Panic");
        let err = serve(&raw(serde_json::json!({"total": "x", "items": []})))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_contains(&err.error_message, "detail.total: invalid type");
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let err = serve(br#"{"id": "x", "detail": {}}"#).await.unwrap_err();
        assert_failure(&err, "InvalidEvent", "missing field `detail-type`");
    }
}
