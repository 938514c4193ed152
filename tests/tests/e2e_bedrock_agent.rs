//! End to end: `agent-actions` answers a Bedrock agent's actions with the
//! response envelope the agent expects, echoing what it was called with,
//! and answers every failure as a `FAILURE` response state, never as a
//! failed invocation.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_invalid_event, example_binary, sample_event, serve, three_seconds, workspace_root,
};
use serde_json::{Value, json};

/// A call of `function` with these parameters in session `session`.
fn call(function: &str, parameters: &[(&str, &str)], session: &str) -> String {
    let parameters: Vec<Value> = parameters
        .iter()
        .map(|(name, value)| json!({"name": name, "type": "string", "value": value}))
        .collect();
    json!({
        "messageVersion": "1.0",
        "agent": {"name": "support-agent", "id": "AGENT12345", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "where is my order?",
        "sessionId": session,
        "actionGroup": "orders",
        "function": function,
        "parameters": parameters,
        "sessionAttributes": {"session": session},
        "promptSessionAttributes": {"turn": "1"}
    })
    .to_string()
}

/// The function response of an answer: its state (if any) and body.
fn function_response(answer: &Value) -> (Option<String>, String) {
    let response = &answer["response"]["functionResponse"];
    (
        response["responseState"].as_str().map(str::to_owned),
        response["responseBody"]["TEXT"]["body"]
            .as_str()
            .expect("a TEXT body")
            .to_owned(),
    )
}

#[tokio::test]
async fn the_sample_action_is_answered_in_the_agents_envelope() {
    let (api, mut function) = serve("agent-actions").await;
    let sample = std::fs::read_to_string(sample_event("agent-actions.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(
        answer.json(),
        json!({
            "messageVersion": "1.0",
            "response": {
                "actionGroup": "orders",
                "function": "get_order_status",
                "functionResponse": {
                    "responseBody": {"TEXT": {"body": "Order 17 is shipped on 1 December."}}
                }
            },
            "sessionAttributes": {"customer": "ada", "last_order": "17"},
            "promptSessionAttributes": {}
        })
    );
    function.kill().await;
}

#[tokio::test]
async fn every_session_gets_its_own_answer_and_attributes() {
    let (api, mut function) = serve("agent-actions").await;
    for i in 0..60 {
        let order = ["17", "18", "19"][i % 3];
        let session = format!("session-{i}");
        let answer = api
            .invoke(
                call("get_order_status", &[("orderId", order)], &session),
                three_seconds(),
            )
            .await
            .json();
        let (state, body) = function_response(&answer);
        assert_eq!(state, None);
        assert!(body.starts_with(&format!("Order {order} is ")), "{body}");
        assert_eq!(
            answer["sessionAttributes"],
            json!({"session": session, "last_order": order})
        );
        assert_eq!(answer["promptSessionAttributes"], json!({"turn": "1"}));
    }
    function.kill().await;
}

#[tokio::test]
async fn failures_are_failure_states_the_agent_can_read() {
    let (api, mut function) = serve("agent-actions").await;
    let cases = [
        (
            call("get_order_status", &[("orderId", "42")], "s"),
            Some("FAILURE"),
            "there is no order 42",
        ),
        (
            call("get_order_status", &[], "s"),
            Some("FAILURE"),
            "the parameter `orderId` is missing",
        ),
        (
            call("cancel_order", &[("orderId", "17")], "s"),
            Some("FAILURE"),
            "this action group has no function cancel_order",
        ),
        (
            call("get_order_status", &[("orderId", "?")], "s"),
            Some("REPROMPT"),
            "Ask the user which order they mean: an order id is a number like 17.",
        ),
    ];
    for (event, state, body) in cases {
        let answer = api.invoke(event, three_seconds()).await;
        assert_eq!(answer.error_type(), None, "never a failed invocation");
        let answer = answer.json();
        assert_eq!(
            function_response(&answer),
            (state.map(str::to_owned), body.to_owned())
        );
        assert_eq!(answer["response"]["actionGroup"], "orders");
        assert_eq!(answer["sessionAttributes"], json!({"session": "s"}));
    }
    // The AWS fixture calls an API operation, which this action group does
    // not have: a FAILURE with status 500, echoing the path and method.
    let fixture = std::fs::read_to_string(
        workspace_root().join("core/tests/fixtures/example-bedrock-agent-runtime-event.json"),
    )
    .unwrap();
    let answer = api.invoke(fixture, three_seconds()).await.json();
    assert_eq!(
        answer["response"],
        json!({
            "actionGroup": "ActionGroup",
            "apiPath": "/api/path",
            "httpMethod": "POST",
            "httpStatusCode": 500,
            "responseState": "FAILURE",
            "responseBody": {"application/json": {"body": "this action group has no function <an API operation>"}}
        })
    );
    function.kill().await;
}

#[tokio::test]
async fn the_guard_answers_a_failure_before_the_deadline() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("agent-actions"),
            &[("AGENT_ACTIONS_LOOKUP_MS", "2000")],
        )
        .unwrap();
    let answer = api
        .invoke(
            call("get_order_status", &[("orderId", "17")], "s"),
            DeadlineHeader::In(Duration::from_millis(400)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    let (state, body) = function_response(&answer.json());
    assert_eq!(state.as_deref(), Some("FAILURE"));
    assert!(
        body.starts_with("the handler did not finish within its budget of "),
        "{body}"
    );
    // The environment serves on.
    let answer = api
        .invoke(
            call("get_order_status", &[("orderId", "42")], "s"),
            three_seconds(),
        )
        .await;
    assert_eq!(function_response(&answer.json()).1, "there is no order 42");
    function.kill().await;
}

#[tokio::test]
async fn an_event_that_is_no_agent_action_is_invalid_event() {
    let (api, mut function) = serve("agent-actions").await;
    let answer = api
        .invoke(
            r#"{"messageVersion": "1.0", "actionGroup": "orders"}"#,
            three_seconds(),
        )
        .await;
    assert_invalid_event(&answer, "not a Bedrock agent action");
    function.kill().await;
}
