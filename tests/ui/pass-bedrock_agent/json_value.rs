//! `#[lambda(bedrock_agent)]` answering a `serde_json::Value` (the body
//! written as JSON), with an error type of its own.

#![deny(warnings)]

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use lambda_fn::bedrock_agent::AgentAction;
use lambda_fn::lambda;
use serde_json::{Value, json};

#[derive(Debug)]
struct NoOrder;

impl fmt::Display for NoOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the action names no order")
    }
}

impl std::error::Error for NoOrder {}

/// A handler's error or panic is a `FAILURE` state of a successful
/// invocation: the hook checks that the handler answered.
static ANSWERED: AtomicBool = AtomicBool::new(false);

fn answered() {
    assert!(
        ANSWERED.load(Ordering::SeqCst),
        "the action was not answered"
    );
}

#[lambda(bedrock_agent, shutdown = answered)]
async fn status(action: AgentAction) -> Result<Value, NoOrder> {
    assert_eq!(action.input_text, "Where is my order 17?");
    assert!(action.request_body.is_none());
    let order = action.parameter("orderId").ok_or(NoOrder)?;
    ANSWERED.store(true, Ordering::SeqCst);
    Ok(json!({ "order": order, "status": "shipped" }))
}
