//! A handler whose error is a plain `String`.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda]
async fn work(job: Job) -> Result<u64, String> {
    job.id.checked_mul(2).ok_or_else(|| "too big".to_owned())
}
