//! `#[lambda(bedrock_agent, init = ...)]`: the `AgentAction` of a
//! function-details call (the function, a parameter parsed, the agent and
//! the session attributes) with warm state, answering the result body as
//! `String`.

#![deny(warnings)]

use std::sync::Mutex;

use lambda_fn::bedrock_agent::{AgentAction, Target};
use lambda_fn::lambda;

/// The actions answered. A handler's error or panic is answered as a
/// `FAILURE` state and the invocation still succeeds: the hook, which local
/// mode runs after the event, checks that the action was answered.
#[derive(Default)]
struct Answered(Mutex<Vec<String>>);

fn answered() -> Answered {
    Answered::default()
}

async fn one_answered(answered: &Answered) {
    assert_eq!(*answered.0.lock().unwrap(), ["orders.get_order_status 17"]);
}

#[lambda(bedrock_agent, init = answered, shutdown = one_answered)]
async fn status(action: AgentAction, answered: &Answered) -> Result<String, lambda_fn::Error> {
    assert_eq!(
        action.target,
        Target::Function("get_order_status".to_owned())
    );
    assert_eq!(action.function_name(), Some("get_order_status"));
    assert_eq!(action.agent.alias, "TSTALIASID");
    assert_eq!(action.session_attributes["customer"], "ada");
    let order: u32 = action.parse("orderId")?;
    answered.0.lock().unwrap().push(format!(
        "{}.{} {order}",
        action.action_group,
        action.function_name().unwrap_or_default()
    ));
    Ok(format!("Order {order} has shipped."))
}
