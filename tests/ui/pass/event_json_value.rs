//! `serde_json::Value` takes any JSON event; the response can be any JSON.

#![deny(warnings)]

use lambda_fn::lambda;
use serde_json::{Value, json};

#[lambda]
async fn echo(event: Value) -> Result<Value, lambda_fn::Error> {
    Ok(json!({ "got": event }))
}
