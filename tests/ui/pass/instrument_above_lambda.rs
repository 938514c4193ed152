//! `#[tracing::instrument]` written above `#[lambda]`: it rewrites the
//! body first, and `#[lambda]` still sees an `async fn` with the same
//! signature.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};

#[tracing::instrument(skip(deadline), ret)]
#[lambda]
async fn handler(
    event: serde_json::Value,
    deadline: &Deadline,
) -> Result<String, lambda_fn::Error> {
    let _ = deadline.remaining();
    Ok(event.to_string())
}
