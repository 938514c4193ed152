//! End to end: `kafka-orders` runs each partition's records in offset
//! order, partitions side by side, and answers the Kafka partial batch
//! response by partition and offset.

use std::collections::BTreeMap;
use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, Function};
use lambda_fn_tests::{
    assert_invalid_event, batch::base64, example_binary, logged, sample_event, serve, stop,
    three_seconds,
};
use serde_json::{Value, json};

/// An MSK event: each partition `orders-<p>` with the order values of its
/// records, offsets from 1000.
fn event(partitions: &[(u32, Vec<String>)]) -> String {
    let records: serde_json::Map<String, Value> = partitions
        .iter()
        .map(|(partition, values)| {
            let records: Vec<Value> = values
                .iter()
                .enumerate()
                .map(|(i, value)| {
                    json!({
                        "topic": "orders",
                        "partition": partition,
                        "offset": 1000 + i,
                        "timestamp": 1764720000000i64 + i as i64,
                        "timestampType": "CREATE_TIME",
                        "key": base64(format!("customer-{i}").as_bytes()),
                        "value": base64(value.as_bytes()),
                        "headers": [{"source": b"checkout".iter().map(|&b| b as i8).collect::<Vec<_>>()}]
                    })
                })
                .collect();
            (format!("orders-{partition}"), json!(records))
        })
        .collect();
    json!({
        "eventSource": "aws:kafka",
        "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/orders/e9f754c6",
        "bootstrapServers": "b-1.orders.kafka.us-east-1.amazonaws.com:9098",
        "records": records
    })
    .to_string()
}

fn order(id: u64, amount: f64) -> String {
    json!({"id": id, "amount": amount, "customer": format!("c{id}")}).to_string()
}

/// Orders `first..first + n` of 1.0 each.
fn orders(first: u64, n: u64) -> Vec<String> {
    (first..first + n).map(|id| order(id, 1.0)).collect()
}

/// `(partition, offset)` of each reported failure, in the answer's order.
fn failures(answer: &Value) -> Vec<(String, u64)> {
    answer["batchItemFailures"]
        .as_array()
        .expect("a Kafka partial batch response")
        .iter()
        .map(|item| {
            let id = &item["itemIdentifier"];
            (
                id["partition"].as_str().expect("a partition").to_owned(),
                id["offset"].as_u64().expect("an offset"),
            )
        })
        .collect()
}

fn offsets(partition: u32, range: std::ops::Range<u64>) -> Vec<(String, u64)> {
    range.map(|o| (format!("orders-{partition}"), o)).collect()
}

/// The offsets the function logged as stored, per partition, in the order
/// it stored them.
async fn stored(mut function: Function) -> BTreeMap<String, Vec<u64>> {
    let stderr = stop(&mut function).await;
    let mut stored: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in logged(&stderr, "stored order ", " for ") {
        let (_, at) = line
            .split_once(" of ")
            .expect("<id> of <topic>-<partition>@<offset>");
        let (partition, offset) = at.split_once('@').expect("<topic>-<partition>@<offset>");
        stored
            .entry(partition.to_owned())
            .or_default()
            .push(offset.parse().expect("an offset"));
    }
    stored
}

#[tokio::test]
async fn the_sample_event_reports_the_negative_order_and_the_rest_of_its_partition() {
    let (api, function) = serve("kafka-orders").await;
    let sample = std::fs::read_to_string(sample_event("kafka-orders.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(
        answer.json(),
        json!({"batchItemFailures": [
            {"itemIdentifier": {"partition": "orders-1", "offset": 41}},
            {"itemIdentifier": {"partition": "orders-1", "offset": 42}}
        ]})
    );
    let stored = stored(function).await;
    assert_eq!(stored["orders-0"], [17, 18]);
    assert_eq!(stored["orders-1"], [40]);
}

#[tokio::test]
async fn each_fault_stops_only_its_own_partition() {
    let (api, mut function) = serve("kafka-orders").await;
    let mut p1 = orders(100, 20);
    p1[7] = order(107, -3.0); // NegativeAmount at offset 1007
    let mut p2 = orders(200, 20);
    p2[12] = order(0, 1.0); // the bug: panics at offset 1012
    let mut p3 = orders(300, 20);
    p3[3] = r#"{"id": 303, "amount": "lots"}"#.to_owned(); // undecodable at 1003
    let clean = orders(400, 20);
    let partitions = [(1, p1), (2, p2), (3, p3), (4, clean)];
    let answer = api.invoke(event(&partitions), three_seconds()).await;
    assert_eq!(
        failures(&answer.json()),
        [
            offsets(1, 1007..1020),
            offsets(2, 1012..1020),
            offsets(3, 1003..1020)
        ]
        .concat()
    );
    assert!(function.is_running(), "a panic does not end the process");
    // The same process serves the next batch, of every partition whole.
    let answer = api
        .invoke(
            event(&[(1, orders(500, 5)), (2, orders(600, 5))]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.json(), json!({"batchItemFailures": []}));
    let stderr = function.stderr();
    assert!(stderr.contains("Panic"), "{stderr}");
    let stored = stored(function).await;
    // In offset order within each partition, and nothing after a failure.
    let run = |range: std::ops::Range<u64>| range.collect::<Vec<u64>>();
    assert_eq!(
        stored["orders-1"],
        [run(1000..1007), run(1000..1005)].concat()
    );
    assert_eq!(
        stored["orders-2"],
        [run(1000..1012), run(1000..1005)].concat()
    );
    assert_eq!(stored["orders-3"], run(1000..1003));
    assert_eq!(stored["orders-4"], run(1000..1020));
}

#[tokio::test]
async fn when_the_guard_fires_every_unstored_record_is_reported() {
    let api = lambda_fn::testing::RuntimeApi::start().await.unwrap();
    let function = api
        .spawn(
            &example_binary("kafka-orders"),
            &[("KAFKA_ORDERS_WRITE_MS", "40")],
        )
        .unwrap();
    // Four partitions of 20 records at 40 ms each run side by side: 800 ms
    // a partition, past the 400 ms − 100 ms budget.
    let partitions: Vec<(u32, Vec<String>)> = (0..4)
        .map(|p| (p, orders(u64::from(p + 1) * 100, 20)))
        .collect();
    let answer = api
        .invoke(
            event(&partitions),
            DeadlineHeader::In(Duration::from_millis(400)),
        )
        .await;
    assert!(
        answer.answered_at < answer.deadline.unwrap(),
        "answered after the deadline"
    );
    let failed = failures(&answer.json());
    let stored = stored(function).await;
    // Exactly the records not stored are reported, from each partition's
    // first unstored offset on: none lost, none twice.
    let mut expected = Vec::new();
    for p in 0..4 {
        let done = stored.get(&format!("orders-{p}")).map_or(0, Vec::len) as u64;
        assert!(done < 20, "partition {p} finished within the budget");
        expected.extend(offsets(p, 1000 + done..1020));
    }
    assert_eq!(failed, expected);
    assert!(
        stored.values().map(Vec::len).sum::<usize>() >= 8,
        "{stored:?}"
    );
}

#[tokio::test]
async fn the_aws_fixture_and_wrong_envelopes() {
    let (api, mut function) = serve("kafka-orders").await;
    // The AWS sample's value is a UUID, not an order: reported by its
    // partition and offset.
    let fixture = std::fs::read_to_string(
        lambda_fn_tests::workspace_root().join("core/tests/fixtures/example-kafka-event.json"),
    )
    .unwrap();
    let answer = api.invoke(fixture, three_seconds()).await;
    assert_eq!(
        failures(&answer.json()),
        [("AWSKafkaTopic-0".to_owned(), 0)]
    );
    let answer = api.invoke(r#"{"records": [1, 2]}"#, three_seconds()).await;
    assert_invalid_event(&answer, "records: invalid type");
    let answer = api
        .invoke(
            r#"{"records": {"t-0": [{"partition": 0}]}}"#,
            three_seconds(),
        )
        .await;
    assert_invalid_event(&answer, "records.t-0[0]");
    function.kill().await;
}
