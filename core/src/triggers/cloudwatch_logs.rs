//! `#[lambda(cloudwatch_logs)]`: CloudWatch Logs subscription filters, one
//! handler call per log event.
//!
//! A delivery's `awslogs.data` is a gzip-compressed, base64-encoded
//! document of one log stream's events
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample>).
//! The handler's payload is one event's message decoded from JSON into `T`
//! (for JSON logs), or the message as `String` / `Vec<u8>`; or a
//! [`LogEvent<T>`] that also carries the event's id and timestamp, the log
//! group and stream, the owner account and the subscription filters that
//! matched.
//!
//! CloudWatch Logs sends a `CONTROL_MESSAGE` delivery to check that the
//! destination is reachable: it is acknowledged without calling the
//! handler.
//!
//! Subscription filters invoke Lambda asynchronously and have no partial
//! batch response: when any event fails to decode, returns `Err` or
//! panics, the invocation fails with an error naming every failed event id,
//! and Lambda retries the whole delivery (twice by default, then its
//! on-failure destination), so a handler must be idempotent. Events are
//! independent: up to `concurrency` run at once.
//!
//! Decompression is bounded: a delivery that would expand past
//! [`MAX_EXPANDED`] bytes (a gzip bomb) is refused as `InvalidEvent` after
//! reading at most that much, and one whose gzip trailer already says so is
//! refused without being expanded at all.

use std::io::Read;
use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::read::MultiGzDecoder;
use serde::Deserialize;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{Body, Decoder, epoch_millis};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody, answer_all_or_nothing};

crate::trigger::source!("cloudwatch_logs");

/// The most a delivery's `awslogs.data` may expand to: 32 MiB. A delivery
/// is at most 1 MB of compressed data (Lambda's asynchronous payload limit),
/// which logs do not compress past 32 times.
pub const MAX_EXPANDED: usize = 32 << 20;

#[derive(Deserialize)]
struct Envelope {
    awslogs: AwsLogs,
}

#[derive(Deserialize)]
struct AwsLogs {
    data: String,
}

/// The decoded document of a delivery.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    message_type: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    log_group: String,
    #[serde(default)]
    log_stream: String,
    #[serde(default)]
    subscription_filters: Vec<String>,
    #[serde(default)]
    log_events: Vec<RawEvent>,
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    id: String,
    timestamp: i64,
    message: String,
}

/// A delivery decoded: its log events, none for a control message.
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(try_from = "Envelope")]
pub struct Delivery {
    events: Vec<Entry>,
}

/// What a delivery's events share.
#[derive(Debug)]
struct Stream {
    owner: String,
    log_group: String,
    log_stream: String,
    subscription_filters: Vec<String>,
}

/// One log event with its stream.
#[doc(hidden)]
#[derive(Debug)]
pub struct Entry {
    stream: Arc<Stream>,
    event: RawEvent,
}

impl TryFrom<Envelope> for Delivery {
    type Error = String;

    fn try_from(envelope: Envelope) -> Result<Self, String> {
        let document =
            expand(&envelope.awslogs.data).map_err(|why| format!("awslogs.data: {why}"))?;
        let document: Document = serde_json::from_slice(&document).map_err(|err| {
            format!(
                "awslogs.data: the decompressed document is not a CloudWatch Logs delivery: {err}"
            )
        })?;
        if document.message_type == "CONTROL_MESSAGE" {
            return Ok(Delivery { events: Vec::new() });
        }
        let stream = Arc::new(Stream {
            owner: document.owner,
            log_group: document.log_group,
            log_stream: document.log_stream,
            subscription_filters: document.subscription_filters,
        });
        Ok(Delivery {
            events: document
                .log_events
                .into_iter()
                .map(|event| Entry {
                    stream: stream.clone(),
                    event,
                })
                .collect(),
        })
    }
}

/// Base64 and then gzip (every member of it), never expanding past
/// [`MAX_EXPANDED`].
pub(crate) fn expand(data: &str) -> Result<Vec<u8>, String> {
    let compressed = STANDARD
        .decode(data)
        .map_err(|err| format!("not base64: {err}"))?;
    // The gzip trailer ends with the expanded size modulo 2^32: a bomb
    // usually says what it is before anything is expanded.
    if let [.., a, b, c, d] = compressed[..]
        && compressed.len() >= 18
        && u32::from_le_bytes([a, b, c, d]) as usize > MAX_EXPANDED
    {
        return Err(format!(
            "refused: it says it expands to {} bytes, past the {MAX_EXPANDED} bytes a delivery may hold",
            u32::from_le_bytes([a, b, c, d])
        ));
    }
    let mut expanded = Vec::with_capacity(compressed.len().saturating_mul(8).min(MAX_EXPANDED));
    MultiGzDecoder::new(compressed.as_slice())
        .take(MAX_EXPANDED as u64 + 1)
        .read_to_end(&mut expanded)
        .map_err(|err| format!("not gzip: {err}"))?;
    if expanded.len() > MAX_EXPANDED {
        return Err(format!(
            "refused: it expands past the {MAX_EXPANDED} bytes a delivery may hold"
        ));
    }
    Ok(expanded)
}

impl Trigger for Source {
    type Event = Delivery;
    type Record = Entry;
    type Output = ();

    fn id(entry: &Entry) -> Option<String> {
        Some(entry.event.id.clone())
    }

    fn records(delivery: &Delivery) -> &[Entry] {
        &delivery.events
    }

    fn order(_: &Delivery, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(_: &Delivery, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        answer_all_or_nothing(outcome, deadline)
    }
}

/// One log event with its message decoded: take `LogEvent<T>` instead of
/// `T` to see the event's id and time and where it was logged.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LogEvent<T> {
    /// The event id (what a failure is named by).
    pub id: String,
    /// When it was logged.
    pub timestamp: SystemTime,
    /// The message, decoded with the handler's decoder.
    pub message: T,
    /// The log group.
    pub log_group: String,
    /// The log stream.
    pub log_stream: String,
    /// The AWS account that owns the log group.
    pub owner: String,
    /// The subscription filters whose pattern the event matched.
    pub subscription_filters: Vec<String>,
}

impl<T> LogEvent<T> {
    /// An event with this id and message and nothing else set (the
    /// timestamp is the Unix epoch), for calling a handler directly in a
    /// test. Set the public fields the handler reads.
    pub fn new(id: impl Into<String>, message: T) -> Self {
        Self {
            id: id.into(),
            timestamp: SystemTime::UNIX_EPOCH,
            message,
            log_group: String::new(),
            log_stream: String::new(),
            owner: String::new(),
            subscription_filters: Vec::new(),
        }
    }
}

impl WithBody for Source {
    type Wrapper<B> = LogEvent<B>;

    fn body<B>(entry: &Entry, decode: Decoder<B>) -> Result<B, Failure> {
        decode(Body::Bytes(entry.event.message.as_bytes())).map_err(|f| f.in_field("message"))
    }

    fn wrap<B>(entry: &Entry, decode: Decoder<B>) -> Result<LogEvent<B>, Failure> {
        let stream = &entry.stream;
        Ok(LogEvent {
            id: entry.event.id.clone(),
            timestamp: epoch_millis(entry.event.timestamp),
            message: Self::body(entry, decode)?,
            log_group: stream.log_group.clone(),
            log_stream: stream.log_stream.clone(),
            owner: stream.owner.clone(),
            subscription_filters: stream.subscription_filters.clone(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::decode::text;
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, assert_failure, serve_batch};
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use serde_json::json;
    use std::cell::RefCell;
    use std::io::Write;
    use std::time::{Duration, UNIX_EPOCH};

    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-cloudwatch_logs-event.json"
    ));

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// A delivery of `document`, compressed and encoded.
    pub(crate) fn delivery(document: &serde_json::Value) -> Vec<u8> {
        let data = STANDARD.encode(gzip(&serde_json::to_vec(document).unwrap()));
        serde_json::to_vec(&json!({"awslogs": {"data": data}})).unwrap()
    }

    fn messages(messages: &[&str]) -> Vec<u8> {
        let events: Vec<_> = messages
            .iter()
            .enumerate()
            .map(|(i, message)| json!({"id": format!("e{i}"), "timestamp": 1764230400250i64, "message": message}))
            .collect();
        delivery(&json!({
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": "/aws/lambda/orders",
            "logStream": "2026/12/03/[$LATEST]abc",
            "subscriptionFilters": ["errors"],
            "logEvents": events
        }))
    }

    async fn serve(event: &[u8]) -> (Answer, Vec<String>) {
        let seen = RefCell::new(Vec::new());
        let handler = async |message: String, _: &Invocation<'_, ()>| {
            if message.contains("panic") {
                panic!("boom");
            }
            if message.contains("fail") {
                return Err(crate::Error::msg("cannot").with_error_type("Cannot"));
            }
            seen.borrow_mut().push(message);
            Ok(())
        };
        let answer =
            serve_batch::<Source, _, _>(handler, |r| Source::body(r, text), 2, event).await;
        (answer, seen.into_inner())
    }

    #[test]
    fn the_fixture_expands_into_its_events() {
        let delivery: Delivery = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(delivery.events.len(), 2);
        let event = Source::record(&delivery.events[0], text).unwrap();
        assert_eq!(event.message, "[ERROR] First test message");
        assert_eq!(event.id, "eventId1");
        assert_eq!(
            event.timestamp,
            UNIX_EPOCH + Duration::from_millis(1_440_442_987_000)
        );
        assert_eq!(event.log_group, "testLogGroup");
        assert_eq!(event.log_stream, "testLogStream");
        assert_eq!(event.owner, "123456789123");
        assert_eq!(event.subscription_filters, ["testFilter"]);
    }

    #[tokio::test]
    async fn each_event_is_handled_and_failures_name_their_events() {
        let (answer, seen) = serve(&messages(&["a", "fail 1", "b", "panic", "c"])).await;
        assert_failure(
            &answer.unwrap_err(),
            "RecordsFailed",
            "2 of 5 records failed: e1: Cannot: cannot; e3: Panic: boom",
        );
        assert_eq!(seen, ["a", "b", "c"]);
        let (answer, seen) = serve(FIXTURE).await;
        assert_eq!(answer.unwrap(), b"null");
        assert_eq!(
            seen,
            ["[ERROR] First test message", "[ERROR] Second test message"]
        );
    }

    #[tokio::test]
    async fn a_control_message_is_acknowledged_without_the_handler() {
        let control = delivery(&json!({
            "messageType": "CONTROL_MESSAGE",
            "owner": "CloudwatchLogs",
            "logGroup": "",
            "logStream": "",
            "subscriptionFilters": [],
            "logEvents": [{"id": "", "timestamp": 1764230400250i64, "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda."}]
        }));
        let (answer, seen) = serve(&control).await;
        assert_eq!(answer.unwrap(), b"null");
        assert!(seen.is_empty());
    }

    #[tokio::test]
    async fn a_gzip_bomb_is_refused_without_expanding_it() {
        // 100 MiB of zeros compress to about 100 KB.
        let bomb = gzip(&vec![0; 100 << 20]);
        assert!(bomb.len() < 200_000, "{}", bomb.len());
        let event =
            serde_json::to_vec(&json!({"awslogs": {"data": STANDARD.encode(&bomb)}})).unwrap();
        let (answer, _) = serve(&event).await;
        let err = answer.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_contains(
            &err.error_message,
            "awslogs.data: refused: it says it expands to 104857600 bytes, past the 33554432 bytes a delivery may hold",
        );
        // A trailer that lies is caught while expanding, at the limit.
        let mut liar = bomb.clone();
        let at = liar.len() - 4;
        liar[at..].copy_from_slice(&1000u32.to_le_bytes());
        let err = expand(&STANDARD.encode(&liar)).unwrap_err();
        assert_eq!(
            err,
            "refused: it expands past the 33554432 bytes a delivery may hold"
        );
    }

    #[test]
    fn every_member_of_a_gzip_stream_is_expanded() {
        let two = [gzip(b"first "), gzip(b"second")].concat();
        assert_eq!(expand(&STANDARD.encode(two)).unwrap(), b"first second");
    }

    #[tokio::test]
    async fn data_that_is_not_gzip_or_base64_is_invalid() {
        for (data, why) in [("%%%", "not base64"), ("aGVsbG8=", "not gzip")] {
            let event = serde_json::to_vec(&json!({"awslogs": {"data": data}})).unwrap();
            let err = serve(&event).await.0.unwrap_err();
            assert_eq!(err.error_type, "InvalidEvent");
            crate::test_support::assert_contains(
                &err.error_message,
                &format!("awslogs.data: {why}"),
            );
        }
    }
}
