//! `#[lambda(sns)]`: one handler call per SNS notification.
//!
//! The handler's payload is the notification's `Message` decoded from JSON
//! into `T` (or the raw message as `String` / `Vec<u8>`), or a
//! [`SnsRecord<T>`] that also carries the message id, topic, subject,
//! timestamp and message attributes.
//!
//! SNS invokes a function asynchronously and has no partial-failure
//! protocol: the invocation succeeds (answering `null`) only when every
//! record succeeded. Any record that fails to decode, returns `Err` or
//! panics fails the invocation, and the error names the `MessageId` of each
//! failed record; Lambda then retries the whole event (twice by default)
//! before sending it to the function's on-failure destination or dead-letter
//! queue
//! (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>).
//! A retry runs every record of the event again, so handlers should be
//! idempotent. SNS delivers one record per event in practice; when an event
//! carries several, they are independent and up to `concurrency` run at once.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_lambda_events::event::sns::{self as events, MessageAttribute, SnsEvent};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody, answer_all_or_nothing};

crate::trigger::source!("sns");

impl Trigger for Source {
    type Event = SnsEvent;
    type Record = events::SnsRecord;
    type Output = ();

    fn id(record: &events::SnsRecord) -> Option<String> {
        // An empty id names nothing: the failure is then reported by its
        // position in the event instead.
        Some(record.sns.message_id.clone()).filter(|id| !id.is_empty())
    }

    fn records(event: &SnsEvent) -> &[events::SnsRecord] {
        &event.records
    }

    fn order(_: &SnsEvent, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(_: &SnsEvent, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        answer_all_or_nothing(outcome, deadline)
    }
}

/// One SNS notification with its message decoded: take `SnsRecord<T>`
/// instead of `T` to see the ids, subject and attributes too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SnsRecord<T> {
    /// The message id SNS assigned (what a failed invocation names).
    pub message_id: String,
    /// The ARN of the topic the message was published to.
    pub topic_arn: String,
    /// The subject the publisher set, if any.
    pub subject: Option<String>,
    /// When SNS accepted the message.
    pub timestamp: SystemTime,
    /// The message attributes the publisher set, by name.
    pub message_attributes: HashMap<String, MessageAttribute>,
    /// The ARN of the subscription that delivered the message.
    pub event_subscription_arn: String,
    /// The message, decoded.
    pub message: T,
}

impl<T> SnsRecord<T> {
    /// A record of `message` with id `message_id` and nothing else set (no
    /// topic, subject or attributes; the timestamp is the Unix epoch), for
    /// calling a handler directly in a test. Set the public fields the
    /// handler reads.
    pub fn new(message_id: impl Into<String>, message: T) -> Self {
        Self {
            message_id: message_id.into(),
            topic_arn: String::new(),
            subject: None,
            timestamp: SystemTime::UNIX_EPOCH,
            message_attributes: HashMap::new(),
            event_subscription_arn: String::new(),
            message,
        }
    }

    /// The value of message attribute `name`, whatever its data type
    /// (`String`, `Number`, or `Binary` as base64).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes
            .get(name)
            .map(|attribute| attribute.value.as_str())
    }
}

impl WithBody for Source {
    type Wrapper<B> = SnsRecord<B>;

    fn body<B>(record: &events::SnsRecord, decode: Decoder<B>) -> Result<B, Failure> {
        decode(Body::Bytes(record.sns.message.as_bytes()))
    }

    fn wrap<B>(record: &events::SnsRecord, decode: Decoder<B>) -> Result<SnsRecord<B>, Failure> {
        let sns = &record.sns;
        Ok(SnsRecord {
            message_id: sns.message_id.clone(),
            topic_arn: sns.topic_arn.clone(),
            subject: sns.subject.clone(),
            timestamp: sns.timestamp.into(),
            message_attributes: sns.message_attributes.clone(),
            event_subscription_arn: record.event_subscription_arn.clone(),
            message: Self::body(record, decode)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{bytes, json, text};
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_contains, assert_failure, assert_starts_with, records_event};
    use serde::Deserialize;
    use std::time::Duration;

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-sns-event.json"
    ));

    /// An event of one notification per message, with ids `m0`, `m1`, ...
    fn event_with_messages(messages: &[&str]) -> Vec<u8> {
        records_event(messages, |i, message| {
            serde_json::json!({
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:alerts:sub",
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("m{i}"),
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
                    "Subject": null,
                    "Message": message,
                    "Timestamp": "2025-11-27T08:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {
                        "priority": {"Type": "Number", "Value": "2"}
                    }
                }
            })
        })
    }

    #[derive(Debug, Deserialize)]
    struct Alert {
        level: u8,
    }

    async fn serve(event: &[u8]) -> Answer {
        let handler = async |alert: Alert, _: &Invocation<'_, ()>| {
            if alert.level > 5 {
                return Err(crate::Error::msg("level out of range").with_error_type("BadLevel"));
            }
            if alert.level == 0 {
                panic!("level zero");
            }
            Ok(())
        };
        serve_batch::<Source, _, _>(handler, |r| Source::body(r, json::<Alert>), 4, event).await
    }

    #[test]
    fn fixture_decodes_into_a_record() {
        let event: SnsEvent = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(event.records.len(), 1);
        let raw = &event.records[0];
        assert_eq!(Source::payload(raw, text).unwrap(), "Hello\r\nworld!");
        assert_eq!(Source::payload(raw, bytes).unwrap(), b"Hello\r\nworld!");
        let wrapped = Source::record(raw, text).unwrap();
        assert_eq!(wrapped.message_id, "82833b5c-8d5d-56d0-b0e1-7511f8253eb8");
        assert_eq!(
            wrapped.topic_arn,
            "arn:aws:sns:us-east-1:246796806071:snsNetTest"
        );
        assert_eq!(wrapped.subject.as_deref(), Some("Greetings"));
        assert_eq!(wrapped.event_subscription_arn, "arn:aws:sns:EXAMPLE");
        // 2015-08-18T18:02:32.111Z
        assert_eq!(
            wrapped.timestamp,
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_439_920_952_111)
        );
        assert!(wrapped.message_attributes.is_empty());
        assert_eq!(wrapped.message, "Hello\r\nworld!");
        assert_eq!(
            Source::id(raw).as_deref(),
            Some(wrapped.message_id.as_str())
        );
    }

    #[test]
    fn messages_decode_from_json_with_their_path() {
        let event: SnsEvent = serde_json::from_slice(&event_with_messages(&[
            r#"{"level": 3}"#,
            r#"{"level": "high"}"#,
        ]))
        .unwrap();
        let alert = Source::record(&event.records[0], json::<Alert>).unwrap();
        assert_eq!(alert.message.level, 3);
        assert_eq!(alert.attribute("priority"), Some("2"));
        assert_eq!(alert.attribute("missing"), None);
        assert_eq!(alert.subject, None);
        let err = Source::payload(&event.records[1], json::<Alert>).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "level: invalid type");
        // The fixture's message is text, not JSON.
        let fixture: SnsEvent = serde_json::from_slice(FIXTURE).unwrap();
        let err = Source::payload(&fixture.records[0], json::<Alert>).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
    }

    #[tokio::test]
    async fn success_answers_null() {
        let answer = serve(&event_with_messages(&[
            r#"{"level": 1}"#,
            r#"{"level": 5}"#,
        ]))
        .await;
        assert_eq!(answer.unwrap(), b"null");
    }

    #[tokio::test]
    async fn a_failed_record_fails_the_invocation_and_is_named() {
        let err = serve(&event_with_messages(&[
            r#"{"level": 1}"#,
            r#"{"level": 9}"#,
            r#"{"level": 2}"#,
        ]))
        .await
        .unwrap_err();
        assert_failure(
            &err,
            "BadLevel",
            "1 of 3 records failed: m1: BadLevel: level out of range",
        );
        // Different kinds of failure: each record named with its own type.
        let err = serve(&event_with_messages(&[
            r#"{"level": 0}"#,
            "not json",
            r#"{"level": 1}"#,
        ]))
        .await
        .unwrap_err();
        assert_eq!(err.error_type, "RecordsFailed");
        assert_starts_with(
            &err.error_message,
            "2 of 3 records failed: m0: Panic: level zero; m1: InvalidEvent: ",
        );
        // The fixture's text message does not decode as an alert.
        let err = serve(FIXTURE).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_contains(&err.error_message, "82833b5c-8d5d-56d0-b0e1-7511f8253eb8: ");
    }

    #[tokio::test]
    async fn a_record_without_message_id_is_named_by_position() {
        let mut event: serde_json::Value = serde_json::from_slice(&event_with_messages(&[
            r#"{"level": 1}"#,
            r#"{"level": 7}"#,
        ]))
        .unwrap();
        event["Records"][1]["Sns"]["MessageId"] = "".into();
        let err = serve(&serde_json::to_vec(&event).unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            err.error_message,
            "1 of 2 records failed: record 1: BadLevel: level out of range"
        );
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let err = serve(br#"{"Records": [{"Sns": 5}]}"#).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "Records[0]");
    }

    #[test]
    fn a_record_can_be_built_for_a_test() {
        let mut record = SnsRecord::new("id-1", Alert { level: 2 });
        record.subject = Some("disk".to_owned());
        assert_eq!(record.message_id, "id-1");
        assert_eq!(record.message.level, 2);
        assert_eq!(record.timestamp, SystemTime::UNIX_EPOCH);
    }
}
