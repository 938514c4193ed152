//! `FirehoseRecord<String>` with warm state, answering `String`: the
//! record id, arrival time and Kinesis metadata beside the data as text,
//! and the transformed record written as it is (an NDJSON line).

#![deny(warnings)]

use std::sync::Mutex;
use std::time::SystemTime;

use lambda_fn::firehose::FirehoseRecord;
use lambda_fn::lambda;

/// The record ids transformed.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

fn seen() -> Seen {
    Seen::default()
}

async fn all_transformed(seen: &Seen) {
    let mut ids = seen.0.lock().unwrap().clone();
    ids.sort();
    assert_eq!(ids, ["ui-1", "ui-2", "ui-3"]);
}

#[lambda(firehose, init = seen, shutdown = all_transformed)]
async fn transform(
    record: FirehoseRecord<String>,
    seen: &Seen,
) -> Result<String, lambda_fn::Error> {
    assert!(record.approximate_arrival_timestamp > SystemTime::UNIX_EPOCH);
    assert_eq!(record.shard_id.as_deref(), Some("shardId-000000000000"));
    assert!(record.partition_key.is_some() && record.sequence_number.is_some());
    assert!(!record.data.contains('\n'));
    seen.0.lock().unwrap().push(record.record_id);
    Ok(record.data + "\n")
}
