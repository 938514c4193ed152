//! `#[lambda(firehose, concurrency = 3)]`: each record's data decoded from
//! JSON, transformed into any `Serialize` type, which is written as JSON.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::lambda;
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
    text: String,
}

/// A record whose handler fails or panics is `ProcessingFailed` and the
/// invocation still succeeds: the hook, which local mode runs after the
/// event, checks that all three records were transformed.
static TRANSFORMED: AtomicUsize = AtomicUsize::new(0);

fn all_transformed() {
    assert_eq!(TRANSFORMED.load(Ordering::SeqCst), 3);
}

#[lambda(firehose, concurrency = 3, shutdown = all_transformed)]
async fn transform(entry: Entry) -> Result<Line, lambda_fn::Error> {
    assert!((1..=3).contains(&entry.id));
    TRANSFORMED.fetch_add(1, Ordering::SeqCst);
    Ok(Line {
        id: entry.id,
        text: format!("[{}] {}", entry.level, entry.message),
    })
}
