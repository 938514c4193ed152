//! `#[lambda(cloudwatch_logs, concurrency = 3)]` with each log event's
//! message decoded from JSON (a JSON log line) and the context.

#![deny(warnings)]

use lambda_fn::{Context, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    level: String,
    message: String,
}

#[lambda(cloudwatch_logs, concurrency = 3)]
async fn handle(line: Line, ctx: &Context) -> Result<(), lambda_fn::Error> {
    assert!(["ERROR", "INFO"].contains(&line.level.as_str()));
    assert!(line.message.contains("payment"));
    assert!(!ctx.request_id.is_empty());
    Ok(())
}
