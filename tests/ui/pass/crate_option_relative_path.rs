//! `crate = "..."` with a path relative to the crate root: the generated
//! `main` sits at the root, next to the module.

#![deny(warnings)]

mod facade {
    pub use lambda_fn;
}

use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[facade::lambda_fn::lambda(crate = "facade::lambda_fn")]
async fn work(job: Job) -> Result<u64, facade::lambda_fn::Error> {
    Ok(job.id)
}
