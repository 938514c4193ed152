//! `timeout_margin` in fractional seconds.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda(timeout_margin = "1.5s")]
async fn work(job: Job) -> Result<u64, lambda_fn::Error> {
    Ok(job.id)
}
