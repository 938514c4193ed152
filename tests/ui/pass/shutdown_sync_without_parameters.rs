//! `shutdown = path` naming a plain `fn()`, on a function without warm
//! state, next to a trigger-less handler with other options.

#![deny(warnings)]

use lambda_fn::lambda;

fn say_goodbye() {
    eprintln!("goodbye");
}

#[lambda(shutdown = say_goodbye, timeout_margin = "50ms")]
async fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
