//! A `pub` handler keeps its doc comments and other attributes.

#![deny(warnings, missing_docs)]

use lambda_fn::lambda;
use serde::{Deserialize, Serialize};

/// The event.
#[derive(Deserialize)]
pub struct Greet {
    /// Who to greet.
    pub name: String,
}

/// The response.
#[derive(Serialize)]
pub struct Greeting {
    /// `Hello, <name>!`
    pub message: String,
}

/// Greets `event.name`.
///
/// A second paragraph, to check every doc line is kept.
#[lambda]
#[allow(clippy::unused_async)]
#[inline]
#[must_use = "the greeting is the response"]
pub async fn greet(event: Greet) -> Result<Greeting, lambda_fn::Error> {
    Ok(Greeting {
        message: format!("Hello, {}!", event.name),
    })
}
