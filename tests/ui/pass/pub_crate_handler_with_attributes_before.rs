//! A `pub(crate)` handler whose other attributes come before `#[lambda]`.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

/// Doubles the id.
#[allow(clippy::unused_async)]
#[inline(never)]
#[lambda(timeout_margin = "100ms")]
pub(crate) async fn double(job: Job) -> Result<u64, lambda_fn::Error> {
    Ok(job.id * 2)
}
