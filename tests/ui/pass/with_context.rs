//! The invocation context as the second parameter, by its full path.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    message: String,
    request_id: String,
}

#[lambda]
async fn greet(event: Greet, ctx: &lambda_fn::Context) -> Result<Greeting, lambda_fn::Error> {
    Ok(Greeting {
        message: format!("Hello, {}!", event.name),
        request_id: ctx.request_id.clone(),
    })
}
