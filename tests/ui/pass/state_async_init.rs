//! Warm state built by an `async` `init` that returns the state itself; the
//! state is a generic standard type.

#![deny(warnings)]

use std::collections::HashMap;

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Greet {
    name: String,
}

async fn greetings() -> HashMap<String, String> {
    tokio::task::yield_now().await;
    HashMap::from([("Ferris".to_owned(), "Hi, crab!".to_owned())])
}

#[lambda(init = greetings)]
async fn greet(
    event: Greet,
    greetings: &HashMap<String, String>,
) -> Result<String, lambda_fn::Error> {
    greetings
        .get(&event.name)
        .cloned()
        .ok_or_else(|| lambda_fn::Error::msg("nobody to greet"))
}
