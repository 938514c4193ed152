//! `Result<Transformed<T>, E>`: each record kept with a partition key for
//! dynamic partitioning (`Transformed::record(..).with_partition_key(..)`),
//! or dropped (`Transformed::dropped()`).

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::firehose::{FirehoseRecord, Transformed};
use lambda_fn::{Context, lambda};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Entry {
    id: u64,
    level: String,
    message: String,
}

#[derive(Serialize)]
struct Line {
    id: u64,
    message: String,
}

static KEPT: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

fn counted() {
    assert_eq!(KEPT.load(Ordering::SeqCst), 2);
    assert_eq!(DROPPED.load(Ordering::SeqCst), 1);
}

#[lambda(firehose, concurrency = 2, shutdown = counted)]
async fn transform(
    record: FirehoseRecord<Entry>,
    ctx: &Context,
) -> Result<Transformed<Line>, lambda_fn::Error> {
    assert!(!ctx.request_id.is_empty());
    let entry = record.data;
    if entry.level == "debug" {
        DROPPED.fetch_add(1, Ordering::SeqCst);
        return Ok(Transformed::dropped());
    }
    KEPT.fetch_add(1, Ordering::SeqCst);
    let line = Line {
        id: entry.id,
        message: entry.message,
    };
    Ok(Transformed::record(line).with_partition_key("level", entry.level))
}
