//! `#[lambda(bedrock_agent)]` answering `ActionResult<T>` with
//! `T: Serialize` (the body written as JSON) and session attributes set,
//! with the context and the deadline.

#![deny(warnings)]

use std::sync::atomic::{AtomicBool, Ordering};

use lambda_fn::bedrock_agent::{ActionResult, AgentAction};
use lambda_fn::{Context, Deadline, lambda};
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    order: String,
    status: &'static str,
}

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
async fn status(
    action: AgentAction,
    ctx: &Context,
    deadline: &Deadline,
) -> Result<ActionResult<Status>, lambda_fn::Error> {
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    let order = action.parameter("orderId").ok_or("no orderId")?.to_owned();
    ANSWERED.store(true, Ordering::SeqCst);
    Ok(ActionResult::new(Status {
        order: order.clone(),
        status: "shipped",
    })
    .with_session_attribute("last_order", order)
    .with_prompt_session_attribute("answered", "status"))
}
