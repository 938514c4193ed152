//! The default current-thread runtime keeps `tokio::task::spawn_blocking`
//! usable for blocking or CPU-heavy work; trybuild runs this case, so the
//! blocking task really runs.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda]
async fn work(job: Job) -> Result<u64, lambda_fn::Error> {
    let squared = tokio::task::spawn_blocking(move || job.id * job.id)
        .await
        .map_err(lambda_fn::Error::msg)?;
    assert_eq!(squared, 49);
    Ok(squared)
}
