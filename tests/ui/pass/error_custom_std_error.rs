//! A handler whose error is its own `std::error::Error` type.

#![deny(warnings)]

use std::fmt;

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[derive(Debug)]
struct JobError {
    id: u64,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {} failed", self.id)
    }
}

impl std::error::Error for JobError {}

#[lambda]
async fn work(job: Job) -> Result<u64, JobError> {
    if job.id == 0 {
        return Err(JobError { id: job.id });
    }
    Ok(job.id)
}
