//! End to end: `mq-messages` handles ActiveMQ and RabbitMQ batches; any
//! failure fails the invocation naming every failed message, since Amazon
//! MQ has no partial batch response.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_invalid_event, batch::base64, example_binary, logged, sample_event, serve, stop,
    three_seconds, workspace_root,
};
use serde_json::{Value, json};

/// An ActiveMQ batch of messages `ID:m-<i>` with these texts.
fn active_mq(texts: &[&str]) -> String {
    let messages: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            json!({
                "messageID": format!("ID:m-{i}"),
                "messageType": "jms/text-message",
                "timestamp": 1764720000000i64 + i as i64,
                "deliveryMode": 1,
                "correlationID": "",
                "replyTo": "null",
                "destination": {"physicalName": "tasks"},
                "redelivered": false,
                "type": "",
                "expiration": 0,
                "priority": 4,
                "data": base64(text.as_bytes()),
                "brokerInTime": 1764720000001i64,
                "brokerOutTime": 1764720000002i64,
                "properties": {"origin": "e2e"}
            })
        })
        .collect();
    json!({
        "eventSource": "aws:mq",
        "eventSourceArn": "arn:aws:mq:us-east-1:123456789012:broker:tasks:b-0f5b7522",
        "messages": messages
    })
    .to_string()
}

/// The messages the function logged as handled.
fn handled(stderr: &str) -> Vec<String> {
    logged(stderr, "handled message ", " from ")
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_sample_batches_of_both_brokers_succeed() {
    let (api, mut function) = serve("mq-messages").await;
    let sample = std::fs::read_to_string(sample_event("mq-messages.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null, "{:?}", answer.error_message());
    // RabbitMQ, as AWS's fixture has it: messages by `<queue>::<vhost>`.
    let rabbit = std::fs::read_to_string(
        workspace_root().join("core/tests/fixtures/example-rabbitmq-event.json"),
    )
    .unwrap();
    let answer = api.invoke(rabbit, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null, "{:?}", answer.error_message());
    let stderr = stop(&mut function).await;
    assert_eq!(handled(&stderr).len(), 4, "{stderr}");
    assert!(stderr.contains("from test: {\"timeout\":0"), "{stderr}");
}

#[tokio::test]
async fn any_failure_fails_the_invocation_naming_every_failed_message() {
    let (api, mut function) = serve("mq-messages").await;
    let texts: Vec<String> = (0..30).map(|i| format!("task {i}")).collect();
    let mut texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    texts[4] = ""; // EmptyMessage
    texts[17] = "crash"; // the bug: panics
    let answer = api.invoke(active_mq(&texts), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("RecordsFailed"));
    assert_eq!(
        answer.error_message(),
        Some(
            "2 of 30 records failed: ID:m-4: EmptyMessage: the message is empty; ID:m-17: Panic: the message parser cannot read `crash`"
        )
    );
    // Every other message ran: the broker redelivers the whole batch.
    assert!(function.is_running());
    let answer = api.invoke(active_mq(&["again"]), three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    let stderr = stop(&mut function).await;
    assert_eq!(handled(&stderr).len(), 28 + 1, "{stderr}");
}

#[tokio::test]
async fn undecodable_data_and_the_deadline_name_their_messages() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("mq-messages"),
            &[("MQ_MESSAGES_WORK_MS", "100")],
        )
        .unwrap();
    let mut event: Value = serde_json::from_str(&active_mq(&["a", "b"])).unwrap();
    event["messages"][1]["data"] = "%%not base64".into();
    let answer = api.invoke(event.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(
        answer.error_message(),
        Some(
            "1 of 2 records failed: ID:m-1: InvalidEvent: data: not base64: Invalid symbol 37, offset 0."
        )
    );
    // 12 messages of 100 ms, four at a time: 300 ms, past a 250 ms − 100 ms
    // budget.
    let texts: Vec<String> = (0..12).map(|i| format!("slow {i}")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let answer = api
        .invoke(
            active_mq(&texts),
            DeadlineHeader::In(Duration::from_millis(250)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    assert_eq!(answer.error_type(), Some("Timeout"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("of 12 records did not finish: ID:m-"),
        "{message}"
    );
    let stderr = stop(&mut function).await;
    let done = handled(&stderr).len();
    let unfinished: usize = message
        .split("; ")
        .filter(|part| part.contains(": Timeout: "))
        .count();
    assert_eq!(done + unfinished, 1 + 12, "{message}\n{stderr}");
}

#[tokio::test]
async fn an_event_of_neither_broker_is_invalid() {
    let (api, mut function) = serve("mq-messages").await;
    let answer = api
        .invoke(r#"{"eventSource": "aws:mq"}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "not an Amazon MQ event");
    let answer = api
        .invoke(r#"{"messages": [{"data": 1}]}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "messages[0]");
    function.kill().await;
}
