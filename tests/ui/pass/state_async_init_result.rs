//! Warm state built by an `async` `init` that returns
//! `Result<State, lambda_fn::Error>`.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    id: u64,
}

struct Clients {
    base: u64,
}

async fn connect() -> Result<Clients, lambda_fn::Error> {
    tokio::task::yield_now().await;
    Ok(Clients { base: 100 })
}

#[lambda(init = connect)]
async fn work(job: Job, clients: &Clients) -> Result<u64, lambda_fn::Error> {
    Ok(clients.base + job.id)
}
