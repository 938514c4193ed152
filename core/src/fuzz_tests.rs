//! Property tests over every trigger's event decoding: whatever bytes
//! arrive, an invocation never panics and ends as a success (whose answer is
//! JSON of the trigger's shape) or as an `InvalidEvent` with a message.
//!
//! Each handler is built the way `#[lambda]` builds it (`macros/src/expand.rs`):
//! `Adapter::<Trigger, ..>::new(handler, decode, report, concurrency)` with the
//! decoder the macro picks for each payload type, `WholeEvent` without a
//! trigger and `HttpHandler` for `http`. The handlers themselves never fail,
//! so every failure is a decoding failure.
//!
//! Inputs: arbitrary bytes; arbitrary JSON; the sample events of
//! `examples/events/` and `tests/fixtures/` mutated (a node replaced by
//! arbitrary JSON or by raw JSON text, a key removed or added, the text cut
//! short or a byte changed); and well-formed envelopes with arbitrary record
//! bodies, for which the answer is checked exactly (which records a
//! `batchItemFailures` names, which keys S3 reports processed...).
//!
//! `PROPTEST_CASES=N` sets the number of cases of every property (a longer
//! run); by default each runs the few hundred cases noted at its config.
#![cfg(all(
    feature = "sqs",
    feature = "sns",
    feature = "s3",
    feature = "kinesis",
    feature = "dynamodb",
    feature = "eventbridge",
    feature = "schedule",
    feature = "http"
))]

use std::collections::HashMap;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use serde::Deserialize;
use serde_json::{Number, Value, json};

use crate::error::{self, Diagnostic, IntoDiagnostic};
use crate::invoke::{Invocation, Outcome, WholeEvent, call_without_deadline};
use crate::trigger::{Adapter, Trigger};
use crate::{dynamodb, eventbridge, http, kinesis, s3, schedule, sns, sqs};

// ---------------------------------------------------------------------------
// Configuration

/// `cases` cases, unless `PROPTEST_CASES` says otherwise (read by
/// `ProptestConfig::default()`, which `with_cases` would override). Failures
/// are not persisted to files: proptest prints the minimal failing input.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

// ---------------------------------------------------------------------------
// Seeds: the sample events of the examples and the AWS fixtures.

macro_rules! example {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/events/",
            $name
        ))
    };
}

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $name
        ))
    };
}

const SQS_SEEDS: &[&str] = &[
    example!("sqs-orders.json"),
    fixture!("example-sqs-event.json"),
];
const SNS_SEEDS: &[&str] = &[
    example!("sns-notify.json"),
    fixture!("example-sns-event.json"),
];
const S3_SEEDS: &[&str] = &[
    example!("s3-objects.json"),
    fixture!("example-s3-event.json"),
    fixture!("example-s3-event-with-decoded.json"),
];
const KINESIS_SEEDS: &[&str] = &[
    example!("kinesis-readings.json"),
    fixture!("example-kinesis-event.json"),
];
const DYNAMODB_SEEDS: &[&str] = &[
    example!("dynamodb-changes.json"),
    fixture!("example-dynamodb-event.json"),
];
const EVENTBRIDGE_SEEDS: &[&str] = &[
    example!("eventbridge-orders.json"),
    fixture!("example-eventbridge-event-obj.json"),
];
const SCHEDULE_SEEDS: &[&str] = &[
    example!("scheduled-report.json"),
    fixture!("example-eventbridge-schedule.json"),
];
const HTTP_SEEDS: &[&str] = &[
    example!("http-api.json"),
    example!("http-api-rest.json"),
    fixture!("http/apigw_proxy_request.json"),
    fixture!("http/apigw_v2_proxy_request.json"),
    fixture!("http/alb_request.json"),
    fixture!("http/lambda_function_url_request.json"),
];
const WHOLE_SEEDS: &[&str] = &[example!("hello.json"), example!("guarded.json")];

fn seed(text: &str) -> Value {
    serde_json::from_str(text).expect("a sample event is JSON")
}

/// The first record of a sample event, to build envelopes from.
fn template(text: &str) -> Value {
    seed(text)["Records"][0].clone()
}

// ---------------------------------------------------------------------------
// The handlers, built as `#[lambda]` builds them.

/// The typed payload of every trigger that decodes one.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    amount: f64,
}

fn order_decodes(body: &[u8]) -> bool {
    serde_json::from_slice::<Order>(body).is_ok()
}

/// A record handler that accepts every payload.
async fn accept<P>(_payload: P, _invocation: &Invocation<'_, ()>) -> Result<(), crate::Error> {
    Ok(())
}

fn report(err: crate::Error) -> Diagnostic {
    err.into_diagnostic()
}

/// Serves `event` with trigger `T`'s adapter and the payload decoder `decode`.
async fn serve<T: Trigger, P>(
    decode: fn(&T::Record) -> Result<P, Diagnostic>,
    concurrency: usize,
    event: &[u8],
) -> Outcome {
    let adapter = Adapter::<T, _, P, crate::Error>::new(accept::<P>, decode, report, concurrency);
    call_without_deadline(&adapter, event).await
}

/// Runs one invocation to completion on a runtime of its own (a panic in
/// one case cannot leave a runtime behind for the next).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

/// What a successful answer must look like.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `{"batchItemFailures": [{"itemIdentifier": "..."}]}` (SQS, Kinesis,
    /// DynamoDB Streams).
    Batch,
    /// `null` (SNS, EventBridge, schedules).
    Null,
    /// `{"processed": ["key", ...]}` (S3).
    Processed,
    /// A front door's response with a `statusCode` among these.
    Http(&'static [u16]),
    /// Any JSON.
    Json,
}

/// Checks one outcome: a success is JSON of `shape`, a failure an
/// `InvalidEvent` with a message. Returns the answer's JSON.
///
/// `InvalidEvent` is the only failure possible here: the handlers never
/// fail or panic and no deadline is set, so every failed record is an
/// `InvalidEvent` too. `batch.rs`'s other types cannot occur: `NotProcessed`
/// only names records inside a `batchItemFailures` answer, `Timeout` needs a
/// deadline, and `RecordsFailed` is the type of an all-or-nothing failure
/// only when its records failed with different types.
fn check(what: &str, outcome: &Outcome, shape: Shape) -> Result<Option<Value>, TestCaseError> {
    let body = match outcome {
        Err(failure) => {
            prop_assert_eq!(
                failure.error_type.as_str(),
                error::INVALID_EVENT,
                "{}: {:?}",
                what,
                failure
            );
            prop_assert!(
                !failure.error_message.trim().is_empty(),
                "{}: empty message",
                what
            );
            return Ok(None);
        }
        Ok(body) => body,
    };
    let answer: Value = match serde_json::from_slice(body) {
        Ok(answer) => answer,
        Err(err) => {
            return Err(TestCaseError::fail(format!(
                "{what}: the answer is not JSON ({err}): {}",
                String::from_utf8_lossy(body)
            )));
        }
    };
    match shape {
        Shape::Batch => {
            let failures = answer.get("batchItemFailures").and_then(Value::as_array);
            prop_assert!(failures.is_some(), "{}: {}", what, answer);
            for failure in failures.into_iter().flatten() {
                prop_assert!(
                    failure.get("itemIdentifier").is_some_and(Value::is_string),
                    "{}: {}",
                    what,
                    answer
                );
            }
        }
        Shape::Null => prop_assert_eq!(&answer, &Value::Null, "{}", what),
        Shape::Processed => {
            let processed = answer.get("processed").and_then(Value::as_array);
            prop_assert!(
                processed.is_some_and(|keys| keys.iter().all(Value::is_string)),
                "{}: {}",
                what,
                answer
            );
        }
        Shape::Http(statuses) => {
            let status = answer.get("statusCode").and_then(Value::as_u64);
            prop_assert!(
                status.is_some_and(|status| statuses.iter().any(|s| u64::from(*s) == status)),
                "{}: {}",
                what,
                answer
            );
        }
        Shape::Json => {}
    }
    Ok(Some(answer))
}

/// The ids a batch answer names, in order.
fn failed_ids(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|failure| failure["itemIdentifier"].as_str().map(str::to_owned))
        .collect()
}

/// Serves `$event` with one handler of trigger `$trigger` per payload form:
/// `name: Payload = decoder, concurrency;`.
macro_rules! forms {
    ($event:expr, $trigger:ty, $($name:literal: $payload:ty = $decode:expr, $concurrency:expr;)*) => {
        vec![$(($name, serve::<$trigger, $payload>($decode, $concurrency, $event).await)),*]
    };
}

/// The handlers of SQS, one per payload form the macro accepts.
async fn serve_sqs(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    use sqs::{SqsRecord, bytes, json, payload, record, text};
    forms!(event, sqs::Sqs,
        "sqs Order": Order = |m| payload(m, json::<Order>), 3;
        "sqs String": String = |m| payload(m, text), 3;
        "sqs Vec<u8>": Vec<u8> = |m| payload(m, bytes), 1;
        "sqs Value": Value = |m| payload(m, json::<Value>), 1;
        "sqs SqsRecord<Order>": SqsRecord<Order> = |m| record(m, json::<Order>), 8;
    )
}

async fn serve_sns(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    use sns::{SnsRecord, bytes, json, payload, record, text};
    forms!(event, sns::Sns,
        "sns Order": Order = |r| payload(r, json::<Order>), 4;
        "sns String": String = |r| payload(r, text), 1;
        "sns Vec<u8>": Vec<u8> = |r| payload(r, bytes), 1;
        "sns Value": Value = |r| payload(r, json::<Value>), 2;
        "sns SnsRecord<Order>": SnsRecord<Order> = |r| record(r, json::<Order>), 1;
    )
}

async fn serve_kinesis(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    use kinesis::{KinesisRecord, bytes, json, payload, record, text};
    forms!(event, kinesis::Kinesis,
        "kinesis Order": Order = |r| payload(r, json::<Order>), 1;
        "kinesis String": String = |r| payload(r, text), 1;
        "kinesis Vec<u8>": Vec<u8> = |r| payload(r, bytes), 1;
        "kinesis Value": Value = |r| payload(r, json::<Value>), 1;
        "kinesis KinesisRecord<Order>": KinesisRecord<Order> = |r| record(r, json::<Order>), 1;
    )
}

async fn serve_dynamodb(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    use dynamodb::{DynamoDbRecord, json, payload, record};
    forms!(event, dynamodb::DynamoDb,
        "dynamodb Order": Order = |r| payload(r, json::<Order>), 1;
        "dynamodb Value": Value = |r| payload(r, json::<Value>), 1;
        "dynamodb DynamoDbRecord<Order>": DynamoDbRecord<Order> = |r| record(r, json::<Order>), 1;
    )
}

async fn serve_eventbridge(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    use crate::trigger::body::json;
    use eventbridge::{EventBridgeRecord, payload, record};
    forms!(event, eventbridge::EventBridge,
        "eventbridge Order": Order = |e| payload(e, json::<Order>), 1;
        "eventbridge Value": Value = |e| payload(e, json::<Value>), 1;
        "eventbridge EventBridgeRecord<Order>": EventBridgeRecord<Order> = |e| record(e, json::<Order>), 1;
    )
}

async fn serve_schedule(event: &[u8]) -> Outcome {
    // A `ScheduledEvent` payload and no payload at all are the same adapter.
    serve::<schedule::Schedule, schedule::ScheduledEvent>(schedule::payload, 1, event).await
}

async fn serve_s3(event: &[u8]) -> Outcome {
    serve::<s3::S3, s3::S3Object>(s3::payload as fn(&_) -> _, 4, event).await
}

/// `#[lambda(http)]` handlers: one that ignores the request, one that
/// decodes its JSON body (400 when it does not decode), one that reads the
/// query and a path parameter.
async fn serve_http(event: &[u8]) -> Vec<(&'static str, Outcome, Shape)> {
    let constant = http::HttpHandler::new(async |_: http::Request, _: &Invocation<'_, ()>| {
        Ok::<_, crate::Error>("ok")
    });
    let body = http::HttpHandler::new(async |request: http::Request, _: &Invocation<'_, ()>| {
        let order: Order = http::json(&request)?;
        Ok::<_, crate::Error>(json!({ "id": order.id }))
    });
    let query = http::HttpHandler::new(async |request: http::Request, _: &Invocation<'_, ()>| {
        let query: HashMap<String, String> = http::query(&request)?;
        let id: u64 = http::path_param(&request, "id")?;
        Ok::<_, crate::Error>(format!("{id} {}", query.len()))
    });
    vec![
        (
            "http constant",
            call_without_deadline(&constant, event).await,
            Shape::Http(&[200]),
        ),
        (
            "http json body",
            call_without_deadline(&body, event).await,
            Shape::Http(&[200, 400]),
        ),
        (
            "http query and path",
            call_without_deadline(&query, event).await,
            Shape::Http(&[200, 400]),
        ),
    ]
}

/// `#[lambda]` without a trigger, echoing the event.
async fn serve_whole(event: &[u8]) -> Vec<(&'static str, Outcome)> {
    let echo =
        WholeEvent::new(async |event: Value, _: &Invocation<'_, ()>| Ok::<_, crate::Error>(event));
    let order = WholeEvent::new(async |order: Order, _: &Invocation<'_, ()>| {
        Ok::<_, crate::Error>(order.id)
    });
    let sqs_event = WholeEvent::new(
        async |event: aws_lambda_events::event::sqs::SqsEvent, _: &Invocation<'_, ()>| {
            Ok::<_, crate::Error>(event.records.len())
        },
    );
    vec![
        ("whole Value", call_without_deadline(&echo, event).await),
        ("whole Order", call_without_deadline(&order, event).await),
        (
            "whole SqsEvent",
            call_without_deadline(&sqs_event, event).await,
        ),
    ]
}

/// A trigger, or none (the whole event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Sqs,
    Sns,
    S3,
    Kinesis,
    DynamoDb,
    EventBridge,
    Schedule,
    Http,
    Whole,
}

const KINDS: [Kind; 9] = [
    Kind::Sqs,
    Kind::Sns,
    Kind::S3,
    Kind::Kinesis,
    Kind::DynamoDb,
    Kind::EventBridge,
    Kind::Schedule,
    Kind::Http,
    Kind::Whole,
];

impl Kind {
    fn seeds(self) -> &'static [&'static str] {
        match self {
            Kind::Sqs => SQS_SEEDS,
            Kind::Sns => SNS_SEEDS,
            Kind::S3 => S3_SEEDS,
            Kind::Kinesis => KINESIS_SEEDS,
            Kind::DynamoDb => DYNAMODB_SEEDS,
            Kind::EventBridge => EVENTBRIDGE_SEEDS,
            Kind::Schedule => SCHEDULE_SEEDS,
            Kind::Http => HTTP_SEEDS,
            Kind::Whole => WHOLE_SEEDS,
        }
    }
}

/// Serves `event` with every handler of `kind` and checks each outcome.
async fn serve_kind(kind: Kind, event: &[u8]) -> Result<(), TestCaseError> {
    match kind {
        Kind::Sqs => each(serve_sqs(event).await, Shape::Batch),
        Kind::Kinesis => each(serve_kinesis(event).await, Shape::Batch),
        Kind::DynamoDb => each(serve_dynamodb(event).await, Shape::Batch),
        Kind::Sns => each(serve_sns(event).await, Shape::Null),
        Kind::EventBridge => each(serve_eventbridge(event).await, Shape::Null),
        Kind::Schedule => check("schedule", &serve_schedule(event).await, Shape::Null).map(drop),
        Kind::S3 => check("s3", &serve_s3(event).await, Shape::Processed).map(drop),
        Kind::Http => {
            for (what, outcome, shape) in serve_http(event).await {
                check(what, &outcome, shape)?;
            }
            Ok(())
        }
        Kind::Whole => {
            let whole = serve_whole(event).await;
            for (what, outcome) in &whole {
                check(what, outcome, Shape::Json)?;
            }
            // The echo answers exactly the event, whenever it is JSON at
            // all. (Compared once serialized: serde_json's float parsing is
            // not correctly rounded, so a float may not survive a round
            // trip.)
            let echoed = whole[0].1.as_ref().ok().cloned();
            let expected = serde_json::from_slice::<Value>(event)
                .ok()
                .map(|event| serde_json::to_vec(&event).expect("a Value serializes"));
            prop_assert_eq!(
                echoed.as_deref().map(String::from_utf8_lossy),
                expected.as_deref().map(String::from_utf8_lossy)
            );
            Ok(())
        }
    }
}

fn each(outcomes: Vec<(&'static str, Outcome)>, shape: Shape) -> Result<(), TestCaseError> {
    for (what, outcome) in &outcomes {
        check(what, outcome, shape)?;
    }
    Ok(())
}

/// Serves `event` with every handler of every trigger: an event of one
/// trigger reaching another must fail cleanly too.
fn serve_everywhere(event: &[u8]) -> Result<(), TestCaseError> {
    block_on(async {
        for kind in KINDS {
            serve_kind(kind, event).await?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Strategies

/// The field names of the envelopes, and a few more.
const KEYS: &[&str] = &[
    "Records",
    "body",
    "messageId",
    "receiptHandle",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
    "Sns",
    "Message",
    "MessageId",
    "MessageAttributes",
    "Subject",
    "Timestamp",
    "TopicArn",
    "Type",
    "Value",
    "EventSubscriptionArn",
    "EventSource",
    "EventVersion",
    "s3",
    "bucket",
    "object",
    "key",
    "size",
    "name",
    "eTag",
    "sequencer",
    "versionId",
    "eventName",
    "eventTime",
    "kinesis",
    "data",
    "sequenceNumber",
    "partitionKey",
    "approximateArrivalTimestamp",
    "eventID",
    "dynamodb",
    "NewImage",
    "OldImage",
    "Keys",
    "SequenceNumber",
    "StreamViewType",
    "ApproximateCreationDateTime",
    "userIdentity",
    "N",
    "S",
    "B",
    "BOOL",
    "NULL",
    "M",
    "L",
    "SS",
    "NS",
    "BS",
    "detail",
    "detail-type",
    "source",
    "time",
    "id",
    "version",
    "account",
    "region",
    "resources",
    "requestContext",
    "rawPath",
    "rawQueryString",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "isBase64Encoded",
    "cookies",
    "routeKey",
    "http",
    "method",
    "stage",
    "domainName",
    "elb",
    "host",
    "x-forwarded-proto",
    "amount",
    "",
];

/// Strings the decoders treat specially.
const WORDS: &[&str] = &[
    "aws:sqs",
    "aws:sns",
    "aws:s3",
    "aws:kinesis",
    "aws:dynamodb",
    "Scheduled Event",
    "Notification",
    "2025-11-27T08:00:00Z",
    "2025-11-27T08:00:00.000Z",
    "27/Nov/2026:08:00:00 +0000",
    "arn:aws:sqs:us-east-1:123456789012:orders.fifo",
    "SGVsbG8gV29ybGQ=",
    "eyJpZCI6MSwiYW1vdW50IjoyLjV9",
    "not base64!",
    "{\"id\": 1, \"amount\": 2.5}",
    "{\"id\": -1, \"amount\": \"x\"}",
    "GET",
    "POST",
    "NOT A METHOD",
    "/orders/7",
    "/a b",
    "https",
    "a b",
    "a:b@c",
    "[::1]",
    "x\r\ny",
    "%zz",
    "%",
    "a+b%C3%A9",
    "%FF",
    "INSERT",
    "REMOVE",
    "NEW_IMAGE",
    "KEYS_ONLY",
    "1.5",
    "-1",
    "1e400",
    "NaN",
    "\u{0}",
    "\"\\",
    "é😀",
    "\u{feff}",
    "",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => select(WORDS).prop_map(str::to_owned),
        1 => "[ -~]{0,24}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KEYS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-5_i64..300).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        select(&[i64::MIN, i64::MAX, 0, 1_764_230_400, 1_764_230_400_000][..])
            .prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        finite().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(
            &[
                0.1,
                -0.0,
                1e-7,
                1.5e300,
                1_764_230_400.125,
                1_480_641_523.477
            ][..]
        )
        .prop_map(|f: f64| Value::Number(Number::from_f64(f).expect("finite"))),
    ]
}

/// Arbitrary JSON: every kind of value, nested up to 5 levels, with the
/// envelopes' field names as keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// JSON text no `serde_json::Value` serializes to: out-of-range and
/// over-precise numbers, lone surrogates, duplicate keys, deep nesting.
fn raw_tokens() -> Vec<String> {
    let mut tokens: Vec<String> = [
        "1e400",
        "-1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "0.1234567890123456789",
        "1764230400.1234567890123456",
        "1.2345678901234567e-5",
        "12345678901234567890.5",
        "1E2",
        "-0",
        "-0.0",
        "\"\\ud800\"",
        "\"\\udc00x\"",
        "\"\\u0000\"",
        "\"\\ud83d\\ude00\"",
        "{\"a\": 1, \"a\": 2}",
        "{\"Records\": [], \"Records\": []}",
        "[]",
        "{}",
        "\"\"",
        "true",
    ]
    .iter()
    .map(|token| (*token).to_owned())
    .collect();
    tokens.push(format!("{}{}", "[".repeat(200), "]".repeat(200)));
    tokens.push(format!("{}1{}", "{\"a\":".repeat(130), "}".repeat(130)));
    tokens
}

/// One change to a JSON document, at a node picked by index (modulo the
/// number of candidates).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Raw(usize, String),
}

/// One change to the serialized text.
#[derive(Clone, Debug)]
enum ByteEdit {
    Truncate(usize),
    Xor(usize, u8),
    Insert(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), json_value()).prop_map(|(at, value)| Edit::Replace(at, value)),
        2 => any::<usize>().prop_map(Edit::Remove),
        2 => (any::<usize>(), key(), json_value()).prop_map(|(at, key, value)| Edit::Insert(at, key, value)),
        2 => (any::<usize>(), select(raw_tokens())).prop_map(|(at, token)| Edit::Raw(at, token)),
    ]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        any::<usize>().prop_map(ByteEdit::Truncate),
        (any::<usize>(), 1..=255_u8).prop_map(|(at, mask)| ByteEdit::Xor(at, mask)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| ByteEdit::Insert(at, byte)),
    ]
}

/// A sample event with one to four edits, its text then changed in a
/// quarter of the cases.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let byte_edits = prop_oneof![
        3 => Just(Vec::new()),
        1 => vec(byte_edit(), 1..3),
    ];
    (select(seeds), vec(edit(), 1..5), byte_edits)
        .prop_map(|(text, edits, byte_edits)| apply(seed(text), &edits, &byte_edits))
}

/// Stands for a raw token until the document is serialized.
const RAW_MARK: &str = "__lambda_fn_fuzz_raw_token__";

/// JSON pointers to every node, in document order.
fn pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: &mut String, out: &mut Vec<String>) {
        out.push(at.clone());
        let mut visit = |segment: &str, child: &Value| {
            let len = at.len();
            at.push('/');
            at.push_str(&segment.replace('~', "~0").replace('/', "~1"));
            walk(child, at, out);
            at.truncate(len);
        };
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    visit(&index.to_string(), item);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    visit(key, member);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

fn apply(mut document: Value, edits: &[Edit], byte_edits: &[ByteEdit]) -> Vec<u8> {
    let mut raw = Vec::new();
    for edit in edits {
        let all = pointers(&document);
        match edit {
            Edit::Replace(at, value) => {
                let pointer = &all[at % all.len()];
                *document.pointer_mut(pointer).expect("a node") = value.clone();
            }
            Edit::Raw(at, token) => {
                let pointer = &all[at % all.len()];
                *document.pointer_mut(pointer).expect("a node") =
                    Value::String(format!("{RAW_MARK}{}", raw.len()));
                raw.push(token.clone());
            }
            Edit::Remove(at) => {
                // Any node but the root.
                if all.len() < 2 {
                    continue;
                }
                let pointer = &all[1 + at % (all.len() - 1)];
                let (parent, last) = pointer.rsplit_once('/').expect("not the root");
                let last = last.replace("~1", "/").replace("~0", "~");
                match document.pointer_mut(parent).expect("a node") {
                    Value::Object(members) => {
                        members.remove(&last);
                    }
                    Value::Array(items) => {
                        items.remove(last.parse::<usize>().expect("an index"));
                    }
                    _ => unreachable!("a parent is a container"),
                }
            }
            Edit::Insert(at, key, value) => {
                let containers: Vec<&String> = all
                    .iter()
                    .filter(|pointer| {
                        document
                            .pointer(pointer)
                            .is_some_and(|node| node.is_object() || node.is_array())
                    })
                    .collect();
                if containers.is_empty() {
                    continue;
                }
                let pointer = containers[at % containers.len()].clone();
                match document.pointer_mut(&pointer).expect("a node") {
                    Value::Object(members) => {
                        members.insert(key.clone(), value.clone());
                    }
                    Value::Array(items) => items.push(value.clone()),
                    _ => unreachable!("filtered to containers"),
                }
            }
        }
    }
    let mut text = serde_json::to_string(&document).expect("a Value serializes");
    for (index, token) in raw.iter().enumerate() {
        text = text.replace(&format!("\"{RAW_MARK}{index}\""), token);
    }
    let mut bytes = text.into_bytes();
    for edit in byte_edits {
        match edit {
            ByteEdit::Truncate(at) => {
                let len = at % (bytes.len() + 1);
                bytes.truncate(len);
            }
            ByteEdit::Xor(at, mask) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
            ByteEdit::Insert(at, byte) => {
                let at = at % (bytes.len() + 1);
                bytes.insert(at, *byte);
            }
            ByteEdit::Xor(..) => {}
        }
    }
    bytes
}

/// Standard base64 with padding, as Kinesis sends data.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, byte)| n | u32::from(*byte) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Any input: never a panic, always a success or an `InvalidEvent`.

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes(event in vec(any::<u8>(), 0..2048)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn arbitrary_json(event in json_value()) {
        serve_everywhere(&serde_json::to_vec(&event).expect("a Value serializes"))?;
    }

    #[test]
    fn arbitrary_json_inside_envelope(records in vec(json_value(), 0..4), wrap in 0..3_u8) {
        // Arbitrary JSON where each envelope expects its records.
        let event = match wrap {
            0 => json!({ "Records": records }),
            1 => json!({ "Records": records, "detail-type": "Scheduled Event", "detail": records.first() }),
            _ => json!({ "requestContext": records.first(), "headers": records.get(1), "body": records.get(2) }),
        };
        serve_everywhere(&serde_json::to_vec(&event).expect("a Value serializes"))?;
    }
}

// ---------------------------------------------------------------------------
// The sample events, mutated: every handler of every trigger is served each
// one, so an event reaching the wrong trigger is covered too.

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_sqs_events(event in mutated(SQS_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_sns_events(event in mutated(SNS_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_s3_events(event in mutated(S3_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_kinesis_events(event in mutated(KINESIS_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_dynamodb_events(event in mutated(DYNAMODB_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_eventbridge_events(event in mutated(EVENTBRIDGE_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_schedule_events(event in mutated(SCHEDULE_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_http_events(event in mutated(HTTP_SEEDS)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn mutated_whole_events(event in mutated(WHOLE_SEEDS)) {
        serve_everywhere(&event)?;
    }
}

/// Odd JSON to put in place of a node: a value of each type a field may
/// not expect, and JSON text that no `Value` serializes to.
const ODD_VALUES: &[&str] = &[
    "null",
    "false",
    "-1",
    "1.5",
    "[1]",
    "{}",
    "1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "0.1234567890123456",
    "{\"a\": 1, \"a\": 2}",
    "\"\"",
    "\"\\ud800\"",
    "\"a b\"",
    "\"%zz\"",
    "\"?#\"",
    "\"x\\r\\ny\"",
    "\"not a date\"",
    "\"é😀\"",
    "\"====\"",
    "\"0.1234567890123456\"",
];

/// Each node of each sample event of `kind`, in turn, replaced by each odd
/// value or removed, and served by the handlers of `kind`. Every problem
/// is listed, panics included, not only the first.
fn every_node(kind: Kind) {
    let problems = block_on(async {
        let mut problems: Vec<String> = Vec::new();
        for text in kind.seeds() {
            let document = seed(text);
            for at in 0..pointers(&document).len() {
                let mut edits: Vec<Edit> = ODD_VALUES
                    .iter()
                    .map(|token| Edit::Raw(at, (*token).to_owned()))
                    .collect();
                if at > 0 {
                    edits.push(Edit::Remove(at - 1));
                }
                for edit in edits {
                    let event = apply(document.clone(), std::slice::from_ref(&edit), &[]);
                    let problem = match crate::invoke::catch_unwind(serve_kind(kind, &event)).await
                    {
                        Ok(Ok(())) => continue,
                        Ok(Err(failure)) => failure.to_string(),
                        Err(panic) => format!(
                            "panic: {}",
                            crate::invoke::panic_diagnostic(&*panic).error_message
                        ),
                    };
                    if !problems.iter().any(|known| known.starts_with(&problem)) {
                        problems.push(format!(
                            "{problem}\n    event: {}",
                            String::from_utf8_lossy(&event)
                        ));
                    }
                }
            }
        }
        problems
    });
    assert!(
        problems.is_empty(),
        "{} distinct problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_node_of_the_sqs_samples() {
    every_node(Kind::Sqs);
}

#[test]
fn every_node_of_the_sns_samples() {
    every_node(Kind::Sns);
}

#[test]
fn every_node_of_the_s3_samples() {
    every_node(Kind::S3);
}

#[test]
fn every_node_of_the_kinesis_samples() {
    every_node(Kind::Kinesis);
}

#[test]
fn every_node_of_the_dynamodb_samples() {
    every_node(Kind::DynamoDb);
}

#[test]
fn every_node_of_the_eventbridge_samples() {
    every_node(Kind::EventBridge);
}

#[test]
fn every_node_of_the_schedule_samples() {
    every_node(Kind::Schedule);
}

#[test]
fn every_node_of_the_http_samples() {
    every_node(Kind::Http);
}

#[test]
fn every_node_of_the_whole_event_samples() {
    every_node(Kind::Whole);
}

/// Each sample event, unchanged, through every handler of every trigger.
#[test]
fn every_sample_event_everywhere() {
    for kind in KINDS {
        for text in kind.seeds() {
            serve_everywhere(text.as_bytes()).unwrap_or_else(|err| panic!("{err}: {text}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Well-formed envelopes with arbitrary record bodies: the exact answer.

/// A record body: an order, other JSON, any text, or none at all.
#[derive(Clone, Debug)]
enum Body {
    Order(u64, f64),
    Json(Value),
    Text(String),
    Bytes(Vec<u8>),
    Missing,
}

impl Body {
    fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Body::Order(id, amount) => Some(
                json!({ "id": id, "amount": amount, "note": "extra fields are ignored" })
                    .to_string()
                    .into_bytes(),
            ),
            Body::Json(value) => Some(value.to_string().into_bytes()),
            Body::Text(text) => Some(text.clone().into_bytes()),
            Body::Bytes(bytes) => Some(bytes.clone()),
            Body::Missing => None,
        }
    }

    /// As text, for the triggers whose bodies are JSON strings.
    fn text(&self) -> Option<String> {
        self.bytes()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn body(binary: bool, missing: bool) -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => (any::<u64>(), finite()).prop_map(|(id, amount)| Body::Order(id, amount)),
        2 => json_value().prop_map(Body::Json),
        2 => text().prop_map(Body::Text),
        u32::from(binary) => vec(any::<u8>(), 0..64).prop_map(Body::Bytes),
        u32::from(missing) => Just(Body::Missing),
    ]
}

/// Whether each record decodes, and its id: the expected answer of a batch
/// trigger. Unordered, exactly the records that do not decode fail; in
/// order, the first of them and every later record. A failed record
/// without an id fails the whole invocation.
fn expected_batch(
    decodes: &[bool],
    ids: &[Option<String>],
    in_order: bool,
) -> Result<Vec<String>, ()> {
    let first = decodes.iter().position(|ok| !ok);
    let failed = (0..decodes.len()).filter(|&i| match (in_order, first) {
        (true, Some(first)) => i >= first,
        (true, None) => false,
        (false, _) => !decodes[i],
    });
    failed.map(|i| ids[i].clone().ok_or(())).collect()
}

fn check_batch(
    what: &str,
    outcome: &Outcome,
    decodes: &[bool],
    ids: &[Option<String>],
    in_order: bool,
) -> Result<(), TestCaseError> {
    let answer = check(what, outcome, Shape::Batch)?;
    match (expected_batch(decodes, ids, in_order), answer) {
        (Ok(expected), Some(answer)) => prop_assert_eq!(failed_ids(&answer), expected, "{}", what),
        (Err(()), None) => {
            let message = &outcome.as_ref().expect_err("checked").error_message;
            prop_assert!(
                message.contains("failed and has no"),
                "{}: {}",
                what,
                message
            );
        }
        (expected, _) => {
            return Err(TestCaseError::fail(format!(
                "{what}: expected {expected:?}, got {outcome:?}"
            )));
        }
    }
    Ok(())
}

fn utf8(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

fn json_value_decodes(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok()
}

proptest! {
    #![proptest_config(config(256))]

    /// SQS: `batchItemFailures` names exactly the messages whose body does
    /// not decode (from the first of them on, for a FIFO queue).
    #[test]
    fn sqs_reports_exactly_the_undecodable_messages(
        records in vec((body(false, true), prop::bool::weighted(0.1)), 0..12),
        fifo in any::<bool>(),
    ) {
        let template = template(SQS_SEEDS[0]);
        let arn = if fifo { "arn:aws:sqs:us-east-1:1:orders.fifo" } else { "arn:aws:sqs:us-east-1:1:orders" };
        let ids: Vec<Option<String>> = records
            .iter()
            .enumerate()
            .map(|(i, (_, no_id))| (!no_id).then(|| format!("m{i}")))
            .collect();
        let messages: Vec<Value> = records
            .iter()
            .zip(&ids)
            .map(|((body, _), id)| {
                let mut message = template.clone();
                message["messageId"] = json!(id);
                message["body"] = json!(body.text());
                message["eventSourceARN"] = json!(arn);
                message
            })
            .collect();
        let event = serde_json::to_vec(&json!({ "Records": messages })).expect("JSON");
        let bodies: Vec<Option<Vec<u8>>> = records.iter().map(|(body, _)| body.text().map(String::into_bytes)).collect();
        let decodes = |decoder: fn(&[u8]) -> bool| -> Vec<bool> {
            bodies.iter().map(|body| body.as_deref().is_some_and(decoder)).collect()
        };
        let outcomes = block_on(serve_sqs(&event));
        let expected = [
            decodes(order_decodes),
            decodes(|_| true),
            decodes(|_| true),
            decodes(json_value_decodes),
            decodes(order_decodes),
        ];
        for ((what, outcome), decodes) in outcomes.iter().zip(&expected) {
            check_batch(what, outcome, decodes, &ids, fifo)?;
        }
    }

    /// Kinesis: in order, from the first record whose data does not decode.
    #[test]
    fn kinesis_reports_from_the_first_undecodable_record(
        records in vec((body(true, false), prop::bool::weighted(0.1)), 0..10),
    ) {
        let template = template(KINESIS_SEEDS[0]);
        let ids: Vec<Option<String>> = records
            .iter()
            .enumerate()
            .map(|(i, (_, no_id))| (!no_id).then(|| format!("4959{i:04}")))
            .collect();
        let data: Vec<Vec<u8>> = records.iter().map(|(body, _)| body.bytes().unwrap_or_default()).collect();
        let event: Vec<Value> = data
            .iter()
            .zip(&ids)
            .map(|(data, id)| {
                let mut record = template.clone();
                record["kinesis"]["data"] = json!(base64(data));
                record["kinesis"]["sequenceNumber"] = json!(id.clone().unwrap_or_default());
                record
            })
            .collect();
        let event = serde_json::to_vec(&json!({ "Records": event })).expect("JSON");
        let decodes = |decoder: fn(&[u8]) -> bool| -> Vec<bool> { data.iter().map(|d| decoder(d)).collect() };
        let outcomes = block_on(serve_kinesis(&event));
        let expected = [
            decodes(order_decodes),
            decodes(utf8),
            decodes(|_| true),
            decodes(json_value_decodes),
            decodes(order_decodes),
        ];
        for ((what, outcome), decodes) in outcomes.iter().zip(&expected) {
            check_batch(what, outcome, decodes, &ids, true)?;
        }
    }

    /// DynamoDB Streams: the payload is the new image, else the old one;
    /// a `DynamoDbRecord` decodes every image there is.
    #[test]
    fn dynamodb_reports_from_the_first_undecodable_record(
        records in vec((image(), image(), prop::bool::weighted(0.1)), 0..8),
    ) {
        let template = template(DYNAMODB_SEEDS[0]);
        let ids: Vec<Option<String>> = records
            .iter()
            .enumerate()
            .map(|(i, (_, _, no_id))| (!no_id).then(|| format!("3000{i:04}")))
            .collect();
        let event: Vec<Value> = records
            .iter()
            .zip(&ids)
            .map(|((new, old, _), id)| {
                let mut record = template.clone();
                let change = record["dynamodb"].as_object_mut().expect("an object");
                change.remove("NewImage");
                change.remove("OldImage");
                if let Some(new) = new {
                    change.insert("NewImage".to_owned(), new.json());
                }
                if let Some(old) = old {
                    change.insert("OldImage".to_owned(), old.json());
                }
                match id {
                    Some(id) => change.insert("SequenceNumber".to_owned(), json!(id)),
                    None => change.remove("SequenceNumber"),
                };
                record
            })
            .collect();
        let event = serde_json::to_vec(&json!({ "Records": event })).expect("JSON");
        fn present(image: &Option<Image>) -> Option<&Image> {
            image.as_ref().filter(|image| !image.is_empty())
        }
        // The payload: the new image, else the old one; neither fails.
        let payload: Vec<Option<&Image>> = records.iter().map(|(new, old, _)| present(new).or(present(old))).collect();
        let order = payload.iter().map(|image| image.is_some_and(Image::is_order)).collect::<Vec<_>>();
        // Any image is JSON, unless a number is out of JSON's range.
        let value = payload.iter().map(|image| image.is_some_and(|image| !matches!(image, Image::Huge))).collect::<Vec<_>>();
        // The record: every image present decodes.
        let record = records
            .iter()
            .map(|(new, old, _)| [new, old].iter().all(|image| present(image).is_none_or(Image::is_order)))
            .collect::<Vec<_>>();
        let outcomes = block_on(serve_dynamodb(&event));
        for ((what, outcome), decodes) in outcomes.iter().zip([&order, &value, &record]) {
            check_batch(what, outcome, decodes, &ids, true)?;
        }
    }

    /// SNS: `null` when every message decodes, else `InvalidEvent` naming
    /// each message that did not.
    #[test]
    fn sns_fails_naming_every_undecodable_message(records in vec(body(false, false), 0..8)) {
        let template = template(SNS_SEEDS[0]);
        let event: Vec<Value> = records
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut record = template.clone();
                record["Sns"]["MessageId"] = json!(format!("m{i}"));
                record["Sns"]["Message"] = json!(body.text());
                record
            })
            .collect();
        let event = serde_json::to_vec(&json!({ "Records": event })).expect("JSON");
        let bodies: Vec<Vec<u8>> = records.iter().map(|body| body.text().unwrap_or_default().into_bytes()).collect();
        let decodes = |decoder: fn(&[u8]) -> bool| -> Vec<bool> { bodies.iter().map(|b| decoder(b)).collect() };
        let outcomes = block_on(serve_sns(&event));
        let expected = [
            decodes(order_decodes),
            decodes(|_| true),
            decodes(|_| true),
            decodes(json_value_decodes),
            decodes(order_decodes),
        ];
        for ((what, outcome), decodes) in outcomes.iter().zip(&expected) {
            check(what, outcome, Shape::Null)?;
            let failed: Vec<usize> = (0..decodes.len()).filter(|&i| !decodes[i]).collect();
            match outcome {
                Ok(_) => prop_assert!(failed.is_empty(), "{}: {:?} did not decode", what, failed),
                Err(failure) => {
                    prop_assert!(!failed.is_empty(), "{}: {:?}", what, failure);
                    let message = &failure.error_message;
                    if decodes.len() > 1 {
                        let count = format!("{} of {} records failed: ", failed.len(), decodes.len());
                        prop_assert!(message.starts_with(&count), "{}: {}", what, message);
                    }
                    for i in failed {
                        prop_assert!(message.contains(&format!("m{i}: ")), "{}: m{} in {}", what, i, message);
                    }
                }
            }
        }
    }

    /// S3: every key URL-decodes back to the key that was encoded, and the
    /// answer lists them in order; a key that does not decode, or a negative
    /// size, fails the invocation naming the object.
    #[test]
    fn s3_decodes_every_key_or_fails(objects in vec((s3_key(), prop::option::of(-2_i64..1_000_000)), 0..6)) {
        let template = template(S3_SEEDS[0]);
        let event: Vec<Value> = objects
            .iter()
            .map(|(key, size)| {
                let mut record = template.clone();
                record["s3"]["object"]["key"] = json!(key.encoded());
                record["s3"]["object"]["size"] = json!(size);
                record
            })
            .collect();
        let event = serde_json::to_vec(&json!({ "Records": event })).expect("JSON");
        let outcome = block_on(serve_s3(&event));
        let answer = check("s3", &outcome, Shape::Processed)?;
        let ok = objects.iter().all(|(key, size)| key.decoded().is_some() && size.is_none_or(|size| size >= 0));
        match answer {
            Some(answer) => {
                prop_assert!(ok, "{:?} answered {}", objects, answer);
                let keys: Vec<String> = objects.iter().filter_map(|(key, _)| key.decoded()).collect();
                prop_assert_eq!(answer, json!({ "processed": keys }));
            }
            None => {
                prop_assert!(!ok, "{:?}", outcome);
                let message = &outcome.as_ref().expect_err("checked").error_message;
                prop_assert!(message.contains("s3://acme-reports/"), "{}", message);
            }
        }
    }

    /// EventBridge: `null` when the detail decodes, else `InvalidEvent` at
    /// `<id>: detail...`.
    #[test]
    fn eventbridge_answers_by_the_detail(detail in prop_oneof![
        (any::<u64>(), finite()).prop_map(|(id, amount)| json!({ "id": id, "amount": amount })),
        json_value(),
    ]) {
        let mut event = seed(EVENTBRIDGE_SEEDS[0]);
        event["detail"] = detail.clone();
        let id = event["id"].as_str().expect("an id").to_owned();
        let event = serde_json::to_vec(&event).expect("JSON");
        let decodes = serde_json::from_value::<Order>(detail).is_ok();
        let outcomes = block_on(serve_eventbridge(&event));
        for ((what, outcome), decodes) in outcomes.iter().zip([decodes, true, decodes]) {
            check(what, outcome, Shape::Null)?;
            match outcome {
                Ok(_) => prop_assert!(decodes, "{}", what),
                Err(failure) => {
                    prop_assert!(!decodes, "{}: {:?}", what, failure);
                    let prefix = format!("{id}: detail");
                    prop_assert!(failure.error_message.starts_with(&prefix), "{}: {}", what, failure.error_message);
                }
            }
        }
    }

    /// Schedules: only a `Scheduled Event` with a time runs the handler.
    #[test]
    fn schedule_runs_only_scheduled_events(
        detail_type in prop_oneof![Just(schedule::DETAIL_TYPE.to_owned()), any::<String>()],
        time in prop_oneof![
            Just(Some(json!("2025-11-27T08:00:00Z"))),
            Just(None),
            Just(Some(Value::Null)),
            "[a-z ]{0,12}".prop_map(|garbage| Some(json!(garbage))),
            number().prop_map(Some),
        ],
    ) {
        let mut event = seed(SCHEDULE_SEEDS[0]);
        event["detail-type"] = json!(detail_type);
        let envelope = event.as_object_mut().expect("an object");
        match &time {
            Some(time) => envelope.insert("time".to_owned(), time.clone()),
            None => envelope.remove("time"),
        };
        let event = serde_json::to_vec(&event).expect("JSON");
        let scheduled = detail_type == schedule::DETAIL_TYPE
            && time.as_ref().is_some_and(|time| time == "2025-11-27T08:00:00Z");
        let outcome = block_on(serve_schedule(&event));
        check("schedule", &outcome, Shape::Null)?;
        prop_assert_eq!(outcome.is_ok(), scheduled, "{:?}", outcome);
    }

    /// HTTP: a JSON body that decodes answers 200, any other body 400,
    /// whether it came as text or base64.
    #[test]
    fn http_answers_400_for_a_body_that_does_not_decode(
        body in body(false, false),
        door in select(&[0_usize, 1, 2, 3, 4, 5][..]),
        encoded in any::<bool>(),
    ) {
        let mut event = seed(HTTP_SEEDS[door]);
        let text = body.text().unwrap_or_default();
        if encoded {
            event["body"] = json!(base64(text.as_bytes()));
            event["isBase64Encoded"] = json!(true);
        } else {
            event["body"] = json!(text);
            event["isBase64Encoded"] = json!(false);
        }
        let event = serde_json::to_vec(&event).expect("JSON");
        let status = if order_decodes(text.as_bytes()) { 200 } else { 400 };
        let outcomes = block_on(serve_http(&event));
        let (what, outcome, _) = &outcomes[1];
        let answer = check(what, outcome, Shape::Http(&[200, 400]))?.expect("a sample event decodes");
        prop_assert_eq!(&answer["statusCode"], &json!(status), "{}", answer);
    }
}

/// A DynamoDB image, in attribute-value JSON.
#[derive(Clone, Debug)]
enum Image {
    /// `{"id": {"N": ..}, "amount": {"N": ..}}`: decodes into `Order`.
    Order(u64, i32, u8),
    /// The id as a string.
    TextId(String),
    /// A negative id.
    NegativeId(i64),
    /// No amount.
    NoAmount(u64),
    /// A number out of the range of a JSON number.
    Huge,
    /// `{}`: no image at all.
    Empty,
}

impl Image {
    fn json(&self) -> Value {
        match self {
            Image::Order(id, whole, cents) => json!({
                "id": { "N": id.to_string() },
                "amount": { "N": format!("{whole}.{cents:02}") },
                "status": { "S": "new" },
            }),
            Image::TextId(id) => json!({ "id": { "S": id }, "amount": { "N": "1" } }),
            Image::NegativeId(id) => {
                json!({ "id": { "N": id.to_string() }, "amount": { "N": "1" } })
            }
            Image::NoAmount(id) => json!({ "id": { "N": id.to_string() } }),
            Image::Huge => json!({ "id": { "N": "1" }, "amount": { "N": "1e400" } }),
            Image::Empty => json!({}),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Image::Empty)
    }

    fn is_order(&self) -> bool {
        matches!(self, Image::Order(..))
    }
}

fn image() -> impl Strategy<Value = Option<Image>> {
    prop::option::weighted(
        0.8,
        prop_oneof![
            4 => (any::<u64>(), any::<i32>(), 0..100_u8).prop_map(|(id, whole, cents)| Image::Order(id, whole, cents)),
            1 => text().prop_map(Image::TextId),
            1 => (i64::MIN..0).prop_map(Image::NegativeId),
            1 => any::<u64>().prop_map(Image::NoAmount),
            1 => Just(Image::Huge),
            1 => Just(Image::Empty),
        ],
    )
}

/// An S3 object key as S3 writes it in a notification.
#[derive(Clone, Debug)]
enum S3Key {
    /// `key` form-encoded, each character written literally or escaped as
    /// `choices` says.
    Encoded { key: String, choices: u64 },
    /// `key` followed by a `%` that is not an escape.
    Malformed(String),
    /// An escape of bytes that are not UTF-8.
    NotUtf8(String),
}

impl S3Key {
    fn encoded(&self) -> String {
        match self {
            S3Key::Encoded { key, choices } => {
                let mut out = String::new();
                for (i, c) in key.chars().enumerate() {
                    let escape = choices >> (i % 64) & 1 == 1;
                    let lower = choices >> ((i + 7) % 64) & 1 == 1;
                    if c == ' ' && !escape {
                        out.push('+');
                    } else if !escape && c != '+' && c != '%' {
                        out.push(c);
                    } else {
                        let mut buffer = [0; 4];
                        for byte in c.encode_utf8(&mut buffer).bytes() {
                            if lower {
                                out.push_str(&format!("%{byte:02x}"));
                            } else {
                                out.push_str(&format!("%{byte:02X}"));
                            }
                        }
                    }
                }
                out
            }
            S3Key::Malformed(key) => format!("{key}%g"),
            S3Key::NotUtf8(key) => format!("{key}%FF"),
        }
    }

    fn decoded(&self) -> Option<String> {
        match self {
            S3Key::Encoded { key, .. } => Some(key.clone()),
            _ => None,
        }
    }
}

fn s3_key() -> impl Strategy<Value = S3Key> {
    prop_oneof![
        6 => (text(), any::<u64>()).prop_map(|(key, choices)| S3Key::Encoded { key, choices }),
        1 => "[a-z/%+]{0,8}".prop_map(S3Key::Malformed),
        1 => "[a-z/]{0,8}".prop_map(S3Key::NotUtf8),
    ]
}

#[test]
fn mutations_cover_every_kind_of_edit() {
    // The mutator itself: a replaced node, a removed key, a raw token, a
    // cut and a changed byte each change the text as intended.
    let document = json!({ "a": [1, 2], "b": "x" });
    let all = pointers(&document);
    assert_eq!(all, ["", "/a", "/a/0", "/a/1", "/b"]);
    let at = |i: usize| i;
    let out = apply(document.clone(), &[Edit::Remove(at(2))], &[]);
    assert_eq!(out, br#"{"a":[1],"b":"x"}"#);
    let out = apply(
        document.clone(),
        &[Edit::Raw(at(4), "1e400".to_owned())],
        &[],
    );
    assert_eq!(out, br#"{"a":[1,2],"b":1e400}"#);
    let out = apply(
        document.clone(),
        &[Edit::Replace(at(2), json!(null))],
        &[ByteEdit::Truncate(at(0))],
    );
    assert!(out.is_empty());
    let out = apply(
        document,
        &[Edit::Insert(at(0), "c".to_owned(), json!(true))],
        &[],
    );
    assert_eq!(out, br#"{"a":[1,2],"b":"x","c":true}"#);
}

/// Events that made a decoder panic (found by the properties above), each
/// to be answered like any other: minimal reproducers.
#[test]
fn events_that_panicked_a_decoder() {
    let cases = [
        // aws_lambda_events' `SecondTimestamp`: `frac * 1_000_000` overflows
        // for a float with 14 to 19 decimals (debug builds).
        (
            Kind::Kinesis,
            r#"{"Records":[{"kinesis":{"approximateArrivalTimestamp":0.12345678901234568,"data":"","partitionKey":"p","sequenceNumber":"1"}}]}"#,
        ),
        // lambda_http's `build_request_uri`: `Url::parse(..).unwrap()` on a
        // `Host` that is not a host...
        (
            Kind::Http,
            r#"{"version":"2.0","rawPath":"/","headers":{"host":"a b"},"requestContext":{"http":{"method":"GET"}},"isBase64Encoded":false}"#,
        ),
        // ... or an empty `X-Forwarded-Proto`;
        (
            Kind::Http,
            r#"{"httpMethod":"GET","path":"/","headers":{"host":"h","x-forwarded-proto":""},"requestContext":{"elb":{"targetGroupArn":"a"}},"isBase64Encoded":false}"#,
        ),
        // `Body::from_maybe_encoded`: a body marked base64 that is not;
        (
            Kind::Http,
            r#"{"version":"2.0","rawPath":"/","headers":{},"requestContext":{"http":{"method":"GET"}},"body":"{","isBase64Encoded":true}"#,
        ),
        // an empty list of query values;
        (
            Kind::Http,
            r#"{"resource":"/","path":"/","httpMethod":"GET","headers":{},"multiValueQueryStringParameters":{"a":[]},"requestContext":{"httpMethod":"GET","stage":"prod"},"isBase64Encoded":false}"#,
        ),
        // `.expect("failed to build request")`: a URI that is not one.
        (
            Kind::Http,
            r#"{"version":"2.0","rawPath":"/","rawQueryString":"a b","headers":{},"requestContext":{"http":{"method":"GET"}},"isBase64Encoded":false}"#,
        ),
    ];
    let problems: Vec<String> = block_on(async {
        let mut problems = Vec::new();
        for (kind, event) in cases {
            let problem =
                match crate::invoke::catch_unwind(serve_kind(kind, event.as_bytes())).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(failure)) => failure.to_string(),
                    Err(panic) => format!(
                        "panic: {}",
                        crate::invoke::panic_diagnostic(&*panic).error_message
                    ),
                };
            problems.push(format!("{kind:?} {event}\n    {problem}"));
        }
        problems
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
