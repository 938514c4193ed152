//! `#[lambda(s3_batch)]` answering `()`: the task succeeds with an empty
//! result string.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::lambda;
use lambda_fn::s3_batch::S3BatchTask;

static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);

fn both_succeeded() {
    assert_eq!(SUCCEEDED.load(Ordering::SeqCst), 2);
}

#[lambda(s3_batch, shutdown = both_succeeded)]
async fn touch(task: S3BatchTask) -> Result<(), lambda_fn::Error> {
    assert!(!task.key.contains('%') && !task.key.contains('+'));
    SUCCEEDED.fetch_add(1, Ordering::SeqCst);
    Ok(())
}
