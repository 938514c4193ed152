//! The smallest function: the whole event in, a response out.

use lambda_fn::lambda;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Serialize)]
struct Greeting {
    message: String,
}

#[lambda]
async fn greet(event: Greet) -> Result<Greeting, lambda_fn::Error> {
    Ok(Greeting {
        message: format!("Hello, {}!", event.name),
    })
}
