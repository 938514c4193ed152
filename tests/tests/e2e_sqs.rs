//! End to end: `sqs-orders` answers partial batch failures.

use std::collections::BTreeSet;
use std::time::Duration;

use lambda_fn::testing::DeadlineHeader;
use lambda_fn_tests::{
    accepted_orders, assert_invalid_event, batch::failed_ids, serve, three_seconds,
};
use serde_json::{Value, json};

const STANDARD: &str = "arn:aws:sqs:us-east-1:123456789012:orders";
const FIFO: &str = "arn:aws:sqs:us-east-1:123456789012:orders.fifo";

fn batch(bodies: &[String], arn: &str) -> String {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("msg-{i}"),
                "receiptHandle": "AQEB",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn order(id: u64, amount: f64) -> String {
    json!({ "id": id, "amount": amount, "customer": format!("customer {id}") }).to_string()
}

#[tokio::test]
async fn a_batch_answers_exactly_its_failed_messages() {
    let (api, mut function) = serve("sqs-orders").await;
    let mut bodies: Vec<String> = (1..=10).map(|id| order(id, 10.0)).collect();
    bodies[2] = "{\"id\": 3, \"amount\": ".to_owned(); // undecodable
    bodies[5] = order(6, -1.0); // NegativeAmount
    bodies[8] = order(0, 5.0); // panics
    let answer = api.invoke(batch(&bodies, STANDARD), three_seconds()).await;
    let mut failed = failed_ids(&answer.json());
    failed.sort();
    assert_eq!(failed, ["msg-2", "msg-5", "msg-8"]);
    // The process survived the panic and serves the next batch.
    let answer = api
        .invoke(batch(&[order(11, 1.0)], STANDARD), three_seconds())
        .await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    let accepted = accepted_orders(&function.stderr());
    assert_eq!(accepted, BTreeSet::from([1, 2, 4, 5, 7, 8, 10, 11]));
}

#[tokio::test]
async fn concurrency_overlaps_the_records_of_a_standard_queue() {
    let (api, mut function) = serve("sqs-orders").await;
    let bodies: Vec<String> = (1..=10).map(|id| order(id, 1.0)).collect();
    // Warm up once, so the timing below is of a warm invocation.
    api.invoke(batch(&bodies, STANDARD), three_seconds()).await;
    let answer = api.invoke(batch(&bodies, STANDARD), three_seconds()).await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));
    // Ten records of 20 ms each: 200 ms one at a time, ~20 ms ten at a time.
    let latency = answer.latency().unwrap();
    assert!(latency < Duration::from_millis(150), "{latency:?}");
    function.kill().await;
}

#[tokio::test]
async fn fifo_reports_the_first_failure_and_everything_after_it() {
    let (api, mut function) = serve("sqs-orders").await;
    let mut bodies: Vec<String> = (1..=10).map(|id| order(id, 2.0)).collect();
    bodies[3] = order(4, -2.0);
    let answer = api.invoke(batch(&bodies, FIFO), three_seconds()).await;
    let failed = failed_ids(&answer.json());
    assert_eq!(
        failed,
        (3..10).map(|i| format!("msg-{i}")).collect::<Vec<_>>()
    );
    // FIFO runs in order, one at a time: ten records of 20 ms would take
    // 200 ms, but it stopped at the fourth.
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    assert_eq!(
        accepted_orders(&function.stderr()),
        BTreeSet::from([1, 2, 3])
    );
}

#[tokio::test]
async fn when_the_guard_fires_every_unfinished_message_is_reported() {
    let (api, mut function) = serve("sqs-orders").await;
    // In order, 20 ms each: 200 ms for the batch, but the budget is
    // 250 ms − 100 ms (the default margin) = 150 ms.
    let bodies: Vec<String> = (1..=10).map(|id| order(id, 3.0)).collect();
    let answer = api
        .invoke(
            batch(&bodies, FIFO),
            DeadlineHeader::In(Duration::from_millis(250)),
        )
        .await;
    assert!(
        answer.answered_at < answer.deadline.unwrap(),
        "answered after the deadline"
    );
    let failed = failed_ids(&answer.json());
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    let accepted = accepted_orders(&function.stderr());
    assert!(
        !failed.is_empty() && !accepted.is_empty(),
        "failed {failed:?}, accepted {accepted:?}"
    );
    // Exactly the messages not processed are reported: none lost, none twice.
    let expected: Vec<String> = (1..=10_u64)
        .filter(|id| !accepted.contains(id))
        .map(|id| format!("msg-{}", id - 1))
        .collect();
    assert_eq!(failed, expected);
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("sqs-orders").await;
    let answer = api.invoke(r#"{"Records": "nope"}"#, three_seconds()).await;
    assert_invalid_event(&answer, "Records: invalid type");
    function.kill().await;
}
