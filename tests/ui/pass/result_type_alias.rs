//! The return type may be an alias of `Result`, and the event a generic
//! standard type.

#![deny(warnings)]

use std::collections::HashMap;

use lambda_fn::lambda;

type Response = Result<usize, lambda_fn::Error>;

#[lambda]
async fn count(event: HashMap<String, serde_json::Value>) -> Response {
    Ok(event.len())
}
