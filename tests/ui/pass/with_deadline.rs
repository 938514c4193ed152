//! The deadline handle as the second parameter, imported by name.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda]
async fn work(job: Job, deadline: &Deadline) -> Result<u64, lambda_fn::Error> {
    let _ = deadline.remaining();
    Ok(job.id)
}
