//! All three optional inputs after the event, each in every position: the
//! handler that runs takes them in the order context, state, deadline; the
//! two rotations below, deadline, context, state and state, deadline,
//! context (by their full paths), compile to entry points of their own
//! modules, which the binary does not run.

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

fn done(job: &Job, ctx: &Context, clients: &Clients, deadline: &Deadline) -> Done {
    Done {
        id: clients.base + job.id,
        request_id: ctx.request_id.clone(),
        has_budget: deadline.remaining().is_some(),
    }
}

#[lambda(init = connect)]
async fn work(
    job: Job,
    ctx: &Context,
    clients: &Clients,
    deadline: &Deadline,
) -> Result<Done, lambda_fn::Error> {
    Ok(done(&job, ctx, clients, deadline))
}

#[allow(dead_code)]
mod deadline_context_state {
    use super::{Clients, Context, Deadline, Done, Job, connect, done, lambda};

    #[lambda(init = connect)]
    async fn work(
        job: Job,
        deadline: &Deadline,
        ctx: &Context,
        clients: &Clients,
    ) -> Result<Done, lambda_fn::Error> {
        Ok(done(&job, ctx, clients, deadline))
    }
}

#[allow(dead_code)]
mod state_deadline_context {
    use super::{Clients, Done, Job, connect, done, lambda};

    #[lambda(init = connect)]
    async fn work(
        job: Job,
        clients: &Clients,
        deadline: &lambda_fn::Deadline,
        ctx: &lambda_fn::Context,
    ) -> Result<Done, lambda_fn::Error> {
        Ok(done(&job, ctx, clients, deadline))
    }
}
