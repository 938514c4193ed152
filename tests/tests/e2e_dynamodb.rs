//! End to end: `dynamodb-changes` audits a stream's records in order and
//! answers partial batch failures by sequence number.

use std::ops::Range;

use lambda_fn::testing::Function;
use lambda_fn_tests::{
    assert_invalid_event,
    batch::{self, failed_ids},
    logged, serve, stop, three_seconds,
};
use serde_json::{Value, json};

/// The sequence number of record `i` of a batch.
fn sequence_number(i: usize) -> String {
    format!("3000000000000000000{i:05}")
}

/// The sequence numbers of records `range`.
fn sequence_numbers(range: Range<usize>) -> Vec<String> {
    batch::sequence_numbers(range, sequence_number)
}

/// An item of the `orders` table.
fn order(id: u64, status: &str) -> Value {
    json!({ "id": { "N": id.to_string() }, "status": { "S": status }, "amount": { "N": "19.99" } })
}

/// One stream record: `new` and `old` are the images it carries.
fn change(event_name: &str, id: u64, new: Option<Value>, old: Option<Value>) -> Value {
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": 1764230400,
        "Keys": { "id": { "N": id.to_string() } },
        "SizeBytes": 60,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    if let Some(new) = new {
        dynamodb["NewImage"] = new;
    }
    if let Some(old) = old {
        dynamodb["OldImage"] = old;
    }
    json!({
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": dynamodb,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2025-11-27T00:00:00.000"
    })
}

/// An order of id `id` moving from `from` to `to`.
fn modify(id: u64, from: &str, to: &str) -> Value {
    change("MODIFY", id, Some(order(id, to)), Some(order(id, from)))
}

/// A DynamoDB Streams event of `changes`, numbered in order.
fn batch(changes: Vec<Value>) -> String {
    let records: Vec<Value> = changes
        .into_iter()
        .enumerate()
        .map(|(i, mut record)| {
            record["eventID"] = format!("event-{i}").into();
            record["dynamodb"]["SequenceNumber"] = sequence_number(i).into();
            record
        })
        .collect();
    json!({ "Records": records }).to_string()
}

/// `n` valid payments of orders 1..=n.
fn payments(n: u64) -> Vec<Value> {
    (1..=n).map(|id| modify(id, "new", "paid")).collect()
}

/// The sequence numbers the function logged as audited, in the order it
/// audited them.
async fn audited(mut function: Function) -> Vec<String> {
    let stderr = stop(&mut function).await;
    logged(&stderr, "audited record ", " ")
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_failure_at_record_k_reports_exactly_k_to_n_and_stops_there() {
    let (api, function) = serve("dynamodb-changes").await;
    let mut changes = payments(8);
    changes[5] = modify(6, "delivered", "new"); // InvalidTransition
    let answer = api.invoke(batch(changes), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(5..8));
    // In order: records 0..5 were audited, one after the other, and nothing
    // after the failure was processed.
    assert_eq!(audited(function).await, sequence_numbers(0..5));
}

#[tokio::test]
async fn inserts_modifications_and_removals_decode_their_images() {
    let (api, mut function) = serve("dynamodb-changes").await;
    let changes = vec![
        change("INSERT", 1, Some(order(1, "new")), None),
        modify(1, "new", "paid"),
        change("REMOVE", 1, None, Some(order(1, "paid"))),
    ];
    let answer = api.invoke(batch(changes), three_seconds()).await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));
    let stderr = stop(&mut function).await;
    for line in [
        "(INSERT) of order 1: created New, 19.99",
        "(MODIFY) of order 1: New -> Paid",
        "(REMOVE) of order 1: deleted",
    ] {
        assert!(stderr.contains(line), "{line:?} not in {stderr}");
    }
}

#[tokio::test]
async fn an_undecodable_image_fails_from_that_record_on() {
    let (api, function) = serve("dynamodb-changes").await;
    let mut changes = payments(5);
    let mut lots = order(3, "paid");
    lots["amount"] = json!({ "S": "lots" });
    changes[2] = change("MODIFY", 3, Some(lots), Some(order(3, "new")));
    let answer = api.invoke(batch(changes), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(2..5));
    // A status the table does not know.
    let mut changes = payments(2);
    changes[0] = modify(1, "new", "teleported");
    let answer = api.invoke(batch(changes), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(0..2));
    assert_eq!(audited(function).await, sequence_numbers(0..2));
}

#[tokio::test]
async fn a_panicking_record_does_not_kill_the_process() {
    let (api, mut function) = serve("dynamodb-changes").await;
    let mut changes = payments(4);
    changes[1] = modify(0, "new", "paid"); // order 0 panics
    let answer = api.invoke(batch(changes), three_seconds()).await;
    assert_eq!(failed_ids(&answer.json()), sequence_numbers(1..4));
    assert!(function.is_running());
    // The same process serves the next batch.
    let answer = api.invoke(batch(payments(3)), three_seconds()).await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));
    let stderr = function.stderr();
    assert_eq!(
        audited(function).await,
        [sequence_numbers(0..1), sequence_numbers(0..3)].concat()
    );
    assert!(stderr.contains("Panic"), "{stderr}");
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("dynamodb-changes").await;
    let answer = api.invoke(r#"{"Records": "nope"}"#, three_seconds()).await;
    assert_invalid_event(&answer, "Records: invalid type");
    // An image that is not in DynamoDB's attribute-value JSON is not a
    // stream record.
    let mut plain = change("INSERT", 1, None, None);
    plain["dynamodb"]["NewImage"] = json!({ "id": 1 });
    let answer = api.invoke(batch(vec![plain]), three_seconds()).await;
    assert_invalid_event(&answer, "Records[0].dynamodb.NewImage");
    function.kill().await;
}
