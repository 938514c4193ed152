//! `#[lambda(mq, concurrency = 3)]` with each message's data decoded from
//! JSON and the context: the messages run at once.

#![deny(warnings)]

use lambda_fn::{Context, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Task {
    id: u64,
    name: String,
}

#[lambda(mq, concurrency = 3)]
async fn handle(task: Task, ctx: &Context) -> Result<(), lambda_fn::Error> {
    assert!((1..=3).contains(&task.id));
    assert!(!task.name.is_empty());
    assert!(!ctx.request_id.is_empty());
    Ok(())
}
