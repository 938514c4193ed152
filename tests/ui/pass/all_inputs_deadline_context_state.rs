//! All three optional inputs after the event, in the
//! order deadline, context, state.

#![deny(warnings)]

use lambda_fn::{Context, Deadline, lambda};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Job {
    id: u64,
}

#[derive(Serialize)]
struct Done {
    id: u64,
    request_id: String,
    has_budget: bool,
}

struct Clients {
    base: u64,
}

async fn connect() -> Result<Clients, lambda_fn::Error> {
    Ok(Clients { base: 100 })
}

#[lambda(init = connect)]
async fn work(
    job: Job,
    deadline: &Deadline,
    ctx: &Context,
    clients: &Clients,
) -> Result<Done, lambda_fn::Error> {
    Ok(Done {
        id: clients.base + job.id,
        request_id: ctx.request_id.clone(),
        has_budget: deadline.remaining().is_some(),
    })
}
