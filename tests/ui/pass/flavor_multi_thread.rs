//! `flavor = "multi_thread"`: the handler may spawn onto other workers.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda(flavor = "multi_thread")]
async fn work(job: Job) -> Result<u64, lambda_fn::Error> {
    let doubled = tokio::spawn(async move { job.id * 2 })
        .await
        .map_err(lambda_fn::Error::msg)?;
    Ok(doubled)
}
