//! `crate = "..."` names lambda-fn through a re-exporting module, as a
//! framework built on lambda-fn would.

#![deny(warnings)]

mod facade {
    pub use lambda_fn;
}

use facade::lambda_fn::{Context, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[lambda(crate = "crate::facade::lambda_fn")]
async fn work(job: Job, ctx: &Context) -> Result<String, facade::lambda_fn::Error> {
    Ok(format!("{} {}", job.id, ctx.request_id))
}
