//! End to end: `sns-notify` succeeds only when every notification of an
//! event is delivered, and otherwise fails naming the failed message ids.

use std::collections::BTreeSet;
use std::time::Duration;

use lambda_fn_tests::{assert_invalid_event, logged, sample_event, serve, stop, three_seconds};
use serde_json::{Value, json};

/// An SNS event of one notification per message, with ids `msg-0`, `msg-1`...
fn event(messages: &[String]) -> String {
    let records: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, message)| {
            json!({
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:notifications:sub",
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("msg-{i}"),
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:notifications",
                    "Subject": null,
                    "Message": message,
                    "Timestamp": "2025-11-27T08:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {}
                }
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn notification(user_id: u64, channel: &str, text: &str) -> String {
    json!({ "user_id": user_id, "channel": channel, "text": text }).to_string()
}

/// The message ids the function logged as sent.
fn sent(stderr: &str) -> BTreeSet<String> {
    logged(stderr, "sent message ", " ")
        .map(str::to_owned)
        .collect()
}

/// An event of two notifications that fail in different ways: one that
/// cannot be delivered and one that does not decode, whose payload holds a
/// secret that must stay out of the logs.
fn mixed_failures() -> String {
    event(&[
        notification(5, "fax", "hello"),
        json!({ "user_id": "secret-4711", "channel": "sms", "text": "x" }).to_string(),
    ])
}

#[tokio::test]
async fn delivered_notifications_answer_null() {
    let (api, mut function) = serve("sns-notify").await;
    let sample = std::fs::read(sample_event("sns-notify.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    let answer = api
        .invoke(
            event(&[
                notification(1, "email", "welcome"),
                notification(2, "sms", "your code is 1234"),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.json(), Value::Null);
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    let sent = sent(&function.stderr());
    assert_eq!(
        sent,
        BTreeSet::from(
            [
                "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "0b5a0d62-6f2b-5c59-a1c4-9c1f2e3d4a5b",
                "msg-0",
                "msg-1"
            ]
            .map(str::to_owned)
        )
    );
}

#[tokio::test]
async fn a_failed_notification_fails_the_invocation_naming_its_message_id() {
    let (api, mut function) = serve("sns-notify").await;
    let answer = api
        .invoke(
            event(&[
                notification(1, "email", "hello"),
                notification(2, "pigeon", "hello"),
                notification(3, "sms", "  "),
                notification(4, "sms", "hello"),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("Undeliverable"));
    assert_eq!(
        answer.error_message(),
        Some(
            "2 of 4 records failed: \
             msg-1: Undeliverable: notification for user 2: unknown channel `pigeon` (expected `email` or `sms`); \
             msg-2: Undeliverable: notification for user 3 has no text"
        )
    );
    // SNS delivers one notification per event in practice.
    let answer = api
        .invoke(event(&[notification(6, "email", "")]), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("Undeliverable"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("msg-0: ") && message.ends_with("notification for user 6 has no text"),
        "{message}"
    );
    // Failures of different kinds: each named with its own errorType.
    let answer = api.invoke(mixed_failures(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("RecordsFailed"));
    let message = answer.error_message().unwrap();
    assert!(
        message.starts_with("2 of 2 records failed: msg-0: Undeliverable: ")
            && message.contains("; msg-1: InvalidEvent: user_id: invalid type"),
        "{message}"
    );
    let stderr = stop(&mut function).await;
    // Records are independent: the good ones were delivered all the same.
    assert_eq!(
        sent(&stderr),
        BTreeSet::from(["msg-0", "msg-3"].map(str::to_owned))
    );
}

#[tokio::test]
async fn mixed_failures_keep_the_payload_out_of_error_logs() {
    let (api, mut function) = serve("sns-notify").await;
    let answer = api.invoke(mixed_failures(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("RecordsFailed"));
    let stderr = stop(&mut function).await;
    assert!(!stderr.contains("secret-4711"), "{stderr}");
}

#[tokio::test]
async fn a_panicking_notification_fails_only_its_invocation() {
    let (api, mut function) = serve("sns-notify").await;
    let answer = api
        .invoke(
            event(&[
                notification(0, "email", "hello"),
                notification(8, "email", "hello"),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("Panic"));
    let message = answer.error_message().unwrap();
    assert!(
        message.starts_with("1 of 2 records failed: msg-0: Panic: ")
            && message.contains("user 0 is the system account"),
        "{message}"
    );
    // The process survived the panic and serves the next event.
    let answer = api
        .invoke(event(&[notification(9, "sms", "hi")]), three_seconds())
        .await;
    assert_eq!(answer.json(), Value::Null);
    assert!(function.is_running());
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    assert_eq!(
        sent(&function.stderr()),
        BTreeSet::from(["msg-0", "msg-1"].map(str::to_owned)),
        "msg-1 of the first event and msg-0 of the second"
    );
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("sns-notify").await;
    let answer = api
        .invoke(r#"{"Records": [{"Sns": "nope"}]}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "Records[0]");
    function.kill().await;
}
