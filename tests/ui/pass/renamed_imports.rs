//! `Context`, `Deadline` and the attribute itself imported under other
//! names, without `init`: the compiler places each input by its type.

#![deny(warnings)]

use lambda_fn::Context as Invocation;
use lambda_fn::Deadline as Budget;
use lambda_fn::lambda as aws_lambda;

#[aws_lambda]
async fn handler(
    event: serde_json::Value,
    budget: &Budget,
    invocation: &Invocation,
) -> Result<serde_json::Value, lambda_fn::Error> {
    // Local mode gives every run a request id; a wrong input would not
    // have one, and the run would fail.
    if invocation.request_id.is_empty() {
        return Err(lambda_fn::Error::msg("the context has no request id"));
    }
    let _ = budget.remaining();
    Ok(event)
}
