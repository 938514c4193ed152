//! `flavor = "current_thread"`, the default, written out.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda(flavor = "current_thread")]
async fn work(job: Job) -> Result<u64, lambda_fn::Error> {
    Ok(job.id)
}
