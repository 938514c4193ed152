//! The user's own items named like what the generated code might use (a
//! `Result` alias, `Ok`, `Option`, `event`, `invocation`) change nothing.

#![deny(warnings)]
#![allow(dead_code)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

type Result<T, E = lambda_fn::Error> = std::result::Result<T, E>;
struct Ok;
struct Some;
type Option = ();
type Box = ();
type Vec = ();
type ExitCode = ();
fn event() {}
fn invocation() {}
fn argument() {}

#[lambda]
async fn work(job: Job) -> Result<u64> {
    let event = job.id;
    std::result::Result::Ok(event)
}
