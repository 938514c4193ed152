//! End to end: `kinesis-readings` processes a shard's records in order and
//! answers partial batch failures by sequence number.

use std::ops::Range;

use lambda_fn::testing::Function;
use lambda_fn_tests::{
    assert_invalid_event,
    batch::{self, base64, failed_ids},
    logged, serve, stop, three_seconds,
};
use serde_json::{Value, json};

/// The sequence number of record `i` of a batch.
fn sequence_number(i: usize) -> String {
    format!("4959016737333333333333333333333333333333333333333333{i:04}")
}

/// The sequence numbers of records `range`.
fn sequence_numbers(range: Range<usize>) -> Vec<String> {
    batch::sequence_numbers(range, sequence_number)
}

/// A Kinesis event whose records carry `data`, in order.
fn batch(data: &[String]) -> String {
    let records: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, data)| {
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "greenhouse",
                    "sequenceNumber": sequence_number(i),
                    "data": base64(data.as_bytes()),
                    "approximateArrivalTimestamp": 1764230400.5
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("shardId-000000000000:{}", sequence_number(i)),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/kinesis-readings",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/readings"
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn reading(sensor: &str, celsius: f64) -> String {
    json!({ "sensor": sensor, "celsius": celsius }).to_string()
}

fn readings(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| reading(&format!("sensor-{i}"), 20.0 + i as f64))
        .collect()
}

/// The sequence numbers the function logged as stored, in the order it
/// stored them.
async fn stored(mut function: Function) -> Vec<String> {
    let stderr = stop(&mut function).await;
    logged(&stderr, "stored record ", " ")
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_failure_at_record_k_reports_exactly_k_to_n_and_stops_there() {
    let (api, function) = serve("kinesis-readings").await;
    let mut data = readings(10);
    data[4] = reading("sensor-4", -300.0); // BelowAbsoluteZero
    let answer = api.invoke(batch(&data), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(4..10));
    // In order: records 0..4 were stored, one after the other, and nothing
    // after the failure was processed.
    assert_eq!(stored(function).await, sequence_numbers(0..4));
}

#[tokio::test]
async fn undecodable_data_fails_from_that_record_on() {
    let (api, function) = serve("kinesis-readings").await;
    let mut data = readings(5);
    data[2] = r#"{"sensor": "sensor-2", "celsius": "warm"}"#.to_owned();
    let answer = api.invoke(batch(&data), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(2..5));
    let mut data = readings(3);
    data[0] = "21.5 °C".to_owned(); // not JSON at all
    let answer = api.invoke(batch(&data), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(0..3));
    assert_eq!(stored(function).await, sequence_numbers(0..2));
}

#[tokio::test]
async fn a_panicking_record_does_not_kill_the_process() {
    let (api, mut function) = serve("kinesis-readings").await;
    let mut data = readings(4);
    data[1] = reading("", 18.0); // panics
    let answer = api.invoke(batch(&data), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(1..4));
    assert!(function.is_running());
    // The same process serves the next batch.
    let answer = api.invoke(batch(&readings(3)), three_seconds()).await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));
    let stderr = function.stderr();
    let stored = stored(function).await;
    assert_eq!(
        stored,
        [sequence_numbers(0..1), sequence_numbers(0..3)].concat()
    );
    assert!(stderr.contains("Panic"), "{stderr}");
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("kinesis-readings").await;
    let answer = api.invoke(r#"{"Records": "nope"}"#, three_seconds()).await;
    assert_invalid_event(&answer, "Records: invalid type");
    // An SQS event is not a Kinesis event either.
    let sqs = json!({ "Records": [{ "messageId": "m1", "body": "{}" }] }).to_string();
    let answer = api.invoke(sqs, three_seconds()).await;
    assert_invalid_event(&answer, "Records[0]");
    function.kill().await;
}
