//! A handler that answers nothing: `Ok(())` is the response `null`.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    #[allow(dead_code)]
    id: u64,
}

#[lambda]
async fn work(_job: Job) -> Result<(), lambda_fn::Error> {
    Ok(())
}
