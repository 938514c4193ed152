//! A handler whose error is `Box<dyn Error + Send + Sync>`, so `?` works on
//! any error.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda]
async fn work(job: Job) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let offset: u64 = "1".parse()?;
    Ok(job.id + offset)
}
