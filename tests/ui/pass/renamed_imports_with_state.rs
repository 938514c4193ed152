//! A renamed `Context` and a type alias of `Deadline` next to the warm
//! state: with two candidates for the state, the compiler tells them apart.

#![deny(warnings)]

use lambda_fn::{Context as Ctx, lambda};

type Cutoff = lambda_fn::Deadline;

struct Clients {
    greeting: String,
}

fn connect() -> Clients {
    Clients {
        greeting: "Hello".to_owned(),
    }
}

#[lambda(init = connect)]
async fn handler(
    event: serde_json::Value,
    ctx: &Ctx,
    clients: &Clients,
    cutoff: &Cutoff,
) -> Result<String, lambda_fn::Error> {
    if ctx.request_id.is_empty() || clients.greeting != "Hello" {
        return Err(lambda_fn::Error::msg("an input was not what it claims"));
    }
    let _ = cutoff.is_known();
    Ok(format!("{}, {}!", clients.greeting, event["name"]))
}
