//! `#[lambda(s3_batch)]` answering any `Serialize` type, written as JSON
//! into the task's result string, with the context and the deadline.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::s3_batch::S3BatchTask;
use lambda_fn::{Context, Deadline, lambda};
use serde::Serialize;

#[derive(Serialize)]
struct Copied {
    key: String,
    version: Option<String>,
}

static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);

fn both_succeeded() {
    assert_eq!(SUCCEEDED.load(Ordering::SeqCst), 2);
}

#[lambda(s3_batch, shutdown = both_succeeded)]
async fn copy(
    task: S3BatchTask,
    ctx: &Context,
    deadline: &Deadline,
) -> Result<Copied, lambda_fn::Error> {
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    SUCCEEDED.fetch_add(1, Ordering::SeqCst);
    Ok(Copied {
        key: task.key,
        version: task.version_id,
    })
}
