//! `KafkaRecord<T>` with warm state and the deadline: the topic,
//! partition, offset, key and headers beside the decoded value. The records
//! of a partition arrive in offset order, whatever their order in the
//! event; the shutdown hook checks what the state saw.

#![deny(warnings)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use lambda_fn::kafka::{KafkaCluster, KafkaRecord};
use lambda_fn::{Deadline, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
    customer: String,
}

/// The ids handled, per partition, in the order they were handled.
#[derive(Default)]
struct Seen(Mutex<BTreeMap<i64, Vec<u64>>>);

fn seen() -> Seen {
    Seen::default()
}

async fn in_offset_order(seen: &Seen) {
    let seen = seen.0.lock().unwrap();
    assert_eq!(*seen, BTreeMap::from([(0, vec![7, 8]), (1, vec![9])]));
}

#[lambda(kafka, init = seen, shutdown = in_offset_order)]
async fn handle(
    record: KafkaRecord<Order>,
    seen: &Seen,
    deadline: &Deadline,
) -> Result<(), lambda_fn::Error> {
    assert_eq!(record.topic, "orders");
    assert_eq!(
        record.key.as_deref(),
        Some(record.value.customer.as_bytes())
    );
    assert_eq!(record.header("source"), Some(&b"checkout"[..]));
    assert!(matches!(
        record.cluster,
        KafkaCluster::Msk { arn: Some(_), .. }
    ));
    assert!(deadline.remaining().is_some());
    let mut seen = seen.0.lock().unwrap();
    seen.entry(record.partition)
        .or_default()
        .push(record.value.id);
    Ok(())
}
