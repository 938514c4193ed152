//! `firehose-transform`: Amazon Data Firehose record transformation, one
//! handler call per record.
//!
//! Each record is a JSON log entry `{"id": 7, "level": "info", "message":
//! "...", "drop": false}`; the function answers it as one NDJSON line
//! (`{"id":7,"level":"info","message":"..."}` and a newline) with the level
//! as a partition key (for a delivery stream with dynamic partitioning,
//! `!{partitionKeyFromLambda:level}` in its S3 prefix). A record with
//! `"drop": true` is `Dropped`. A record that is not such JSON, one with an
//! empty message (`EmptyMessage`) and one with id 0 (a bug left in on
//! purpose, which panics) are `ProcessingFailed`: Firehose sends them to
//! the stream's error output, and the invocation still succeeds.
//! `FIREHOSE_TRANSFORM_MS` sets how long each record takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin firehose-transform -- --event examples/events/firehose-transform.json
//! {"records":[{"recordId":"...","result":"Ok","data":"eyJpZCI6MSw...","metadata":{"partitionKeys":{"level":"info"}}}, ...]}
//! ```

use std::fmt;
use std::time::Duration;

use lambda_fn::firehose::Transformed;
use lambda_fn::lambda;
use serde::Deserialize;

/// One record's data.
#[derive(Debug, Deserialize)]
pub struct Entry {
    /// The entry's id.
    pub id: u64,
    /// `debug`, `info`, `warn`, `error`.
    pub level: String,
    /// The message.
    pub message: String,
    /// Whether to leave the entry out.
    #[serde(default)]
    pub drop: bool,
}

/// An entry without a message.
#[derive(Debug)]
pub struct EmptyMessage(u64);

impl fmt::Display for EmptyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} has an empty message", self.0)
    }
}

impl std::error::Error for EmptyMessage {}

/// Warm state: how long a record takes.
#[derive(Debug)]
pub struct Work {
    each: Duration,
}

fn work() -> Work {
    let ms = std::env::var("FIREHOSE_TRANSFORM_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Work {
        each: Duration::from_millis(ms),
    }
}

/// Transforms one entry into an NDJSON line.
///
/// # Errors
///
/// Returns [`EmptyMessage`] for an entry without a message: the record is
/// `ProcessingFailed`.
///
/// # Panics
///
/// Panics on an entry with id 0, a bug left in on purpose: the record is
/// `ProcessingFailed` too.
#[lambda(firehose, init = work, concurrency = 8)]
pub async fn firehose_transform(
    entry: Entry,
    work: &Work,
) -> Result<Transformed<String>, lambda_fn::Error> {
    if entry.drop {
        return Ok(Transformed::dropped());
    }
    if entry.message.is_empty() {
        return Err(EmptyMessage(entry.id).into());
    }
    assert_ne!(entry.id, 0, "entry id 0 is reserved");
    tokio::time::sleep(work.each).await;
    let mut line = serde_json::json!({
        "id": entry.id,
        "level": entry.level,
        "message": entry.message,
    })
    .to_string();
    line.push('\n');
    Ok(Transformed::record(line).with_partition_key("level", entry.level))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, message: &str, drop: bool) -> Entry {
        Entry {
            id,
            level: "info".into(),
            message: message.into(),
            drop,
        }
    }

    fn quick() -> Work {
        Work {
            each: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn an_entry_becomes_one_ndjson_line() {
        let out = firehose_transform(entry(7, "started", false), &quick())
            .await
            .unwrap();
        assert_eq!(
            out.data().map(String::as_str),
            Some("{\"id\":7,\"level\":\"info\",\"message\":\"started\"}\n")
        );
        assert_eq!(out.partition_keys()["level"], "info");
    }

    #[tokio::test]
    async fn drop_true_is_dropped_and_an_empty_message_fails() {
        let out = firehose_transform(entry(8, "noise", true), &quick())
            .await
            .unwrap();
        assert!(out.is_dropped());
        let err = firehose_transform(entry(9, "", false), &quick())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "EmptyMessage");
    }
}
