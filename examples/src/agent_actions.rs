//! `agent-actions`: an Amazon Bedrock agent's action group, one handler call
//! per action the agent invokes.
//!
//! The action group's function details declare `get_order_status` with a
//! string parameter `orderId`. The function looks the order up in a small
//! table built once per environment (warm state) and answers its status as
//! the result body, remembering the order in the session attribute
//! `last_order`. An unknown order (`UnknownOrder`), a missing or empty
//! `orderId` and an unknown function are answered as a `FAILURE` response
//! state whose body says what went wrong; an `orderId` of `?` asks the agent
//! to re-prompt the user. `AGENT_ACTIONS_LOOKUP_MS` sets how long a lookup
//! takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin agent-actions -- --event examples/events/agent-actions.json
//! {"messageVersion":"1.0","response":{"actionGroup":"orders","function":"get_order_status",...}}
//! ```

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use lambda_fn::bedrock_agent::{ActionResult, AgentAction};
use lambda_fn::lambda;

/// No order has this id.
#[derive(Debug)]
pub struct UnknownOrder(String);

impl fmt::Display for UnknownOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "there is no order {}", self.0)
    }
}

impl std::error::Error for UnknownOrder {}

/// Warm state: the orders, by id, and how long a lookup takes.
#[derive(Debug)]
pub struct Orders {
    status: HashMap<String, &'static str>,
    lookup: Duration,
}

fn orders() -> Orders {
    let lookup_ms = std::env::var("AGENT_ACTIONS_LOOKUP_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Orders {
        status: [
            ("17", "shipped on 1 December"),
            ("18", "being packed"),
            ("19", "delivered on 28 November"),
        ]
        .into_iter()
        .map(|(id, status)| (id.to_owned(), status))
        .collect(),
        lookup: Duration::from_millis(lookup_ms),
    }
}

/// Answers one action of the `orders` action group.
///
/// # Errors
///
/// Returns [`UnknownOrder`] for an order that does not exist, and an error
/// for a missing `orderId` or an unknown function: each is a `FAILURE`.
#[lambda(bedrock_agent, init = orders)]
pub async fn agent_actions(
    action: AgentAction,
    orders: &Orders,
) -> Result<ActionResult<String>, lambda_fn::Error> {
    match action.function_name() {
        Some("get_order_status") => {}
        other => {
            return Err(lambda_fn::Error::msg(format!(
                "this action group has no function {}",
                other.unwrap_or("<an API operation>")
            ))
            .with_error_type("UnknownFunction"));
        }
    }
    let order: String = action.parse("orderId")?;
    if order == "?" {
        return Ok(ActionResult::reprompt(
            "Ask the user which order they mean: an order id is a number like 17.".to_owned(),
        ));
    }
    tokio::time::sleep(orders.lookup).await;
    let status = orders
        .status
        .get(&order)
        .ok_or_else(|| UnknownOrder(order.clone()))?;
    Ok(ActionResult::new(format!("Order {order} is {status}."))
        .with_session_attribute("last_order", order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_an_orders_status() {
        let action =
            AgentAction::function("orders", "get_order_status").with_parameter("orderId", "17");
        let result = agent_actions(action, &orders()).await.unwrap();
        assert_eq!(result.body(), "Order 17 is shipped on 1 December.");
        assert_eq!(result.state(), None);
    }

    #[tokio::test]
    async fn an_unknown_order_fails() {
        let action =
            AgentAction::function("orders", "get_order_status").with_parameter("orderId", "42");
        let err = agent_actions(action, &orders()).await.unwrap_err();
        assert_eq!(err.error_type(), "UnknownOrder");
        assert_eq!(err.to_string(), "there is no order 42");
    }
}
