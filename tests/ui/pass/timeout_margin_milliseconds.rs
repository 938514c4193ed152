//! `timeout_margin` in milliseconds, with every option at once.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

struct Clients;

fn connect() -> Clients {
    Clients
}

#[lambda(
    init = connect,
    timeout_margin = "250ms",
    flavor = "current_thread",
    crate = "lambda_fn",
)]
async fn work(job: Job, _clients: &Clients, deadline: &Deadline) -> Result<u64, lambda_fn::Error> {
    // Local mode simulates Lambda's default 3s timeout: 2.75s of budget.
    if deadline.budget().is_none() {
        return Err(lambda_fn::Error::msg("the deadline guard is off"));
    }
    Ok(job.id)
}
