//! End to end: `eventbridge-orders` takes one EventBridge event per
//! invocation, answers `null` on success and fails the invocation otherwise.

use std::time::Duration;

use lambda_fn_tests::{sample_event, serve, stop, three_seconds};
use serde_json::{Value, json};

/// An `Order Placed` event in the shape EventBridge delivers it.
fn order_placed(id: &str, detail: Value) -> String {
    json!({
        "version": "0",
        "id": id,
        "detail-type": "Order Placed",
        "source": "com.example.orders",
        "account": "123456789012",
        "time": "2025-11-27T08:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail
    })
    .to_string()
}

fn order(order_id: &str, items: usize) -> Value {
    let items: Vec<Value> = (0..items)
        .map(|i| json!({ "sku": format!("SKU-{i}"), "quantity": 1, "price": 2.5 }))
        .collect();
    json!({ "order_id": order_id, "total": 2.5 * items.len() as f64, "items": items })
}

#[tokio::test]
async fn the_sample_event_is_accepted_and_answered_null() {
    let (api, mut function) = serve("eventbridge-orders").await;
    let event = std::fs::read(sample_event("eventbridge-orders.json")).unwrap();
    let answer = api.invoke(event, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    assert!(
        function
            .stderr()
            .contains("accepted order ord-1042 from com.example.orders (3 units, total 59.97)"),
        "{}",
        function.stderr()
    );
}

#[tokio::test]
async fn each_failure_fails_its_invocation_and_the_function_keeps_serving() {
    let (api, mut function) = serve("eventbridge-orders").await;

    // The user's error: its type is the errorType, the message names the event.
    let answer = api
        .invoke(order_placed("ev-empty", order("ord-7", 0)), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("EmptyOrder"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("ev-empty") && message.contains("order ord-7 has no items"),
        "{message}"
    );

    // A detail that is not an order: the path is from the root of the event.
    let mut bad = order("ord-8", 1);
    bad["total"] = json!("ten");
    let answer = api
        .invoke(order_placed("ev-bad", bad), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("ev-bad")
            && message.contains("detail.total: invalid type: string \"ten\", expected f64"),
        "{message}"
    );
    let mut bad = order("ord-9", 1);
    bad["items"][0]["quantity"] = json!(-1);
    let answer = api
        .invoke(order_placed("ev-bad-item", bad), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert!(
        answer
            .error_message()
            .unwrap()
            .contains("detail.items[0].quantity: invalid value: integer `-1`"),
        "{:?}",
        answer.error_message()
    );

    // A panic: reported as `Panic`, and the process survives it.
    let answer = api
        .invoke(order_placed("ev-panic", order("ord-0", 1)), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("Panic"));

    let answer = api
        .invoke(order_placed("ev-good", order("ord-10", 2)), three_seconds())
        .await;
    assert_eq!(answer.json(), Value::Null);
    assert!(function.is_running());
    assert!(
        api.unexpected_posts().is_empty(),
        "answered twice: {:?}",
        api.unexpected_posts()
    );

    let stderr = stop(&mut function).await;
    assert!(stderr.contains("accepted order ord-10"), "{stderr}");
    for rejected in ["ord-7", "ord-8", "ord-9", "ord-0"] {
        assert!(
            !stderr.contains(&format!("accepted order {rejected} ")),
            "{stderr}"
        );
    }
    // serde quotes the offending value; it is part of the payload and stays
    // out of the logs.
    assert!(!stderr.contains("\"ten\""), "{stderr}");
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("eventbridge-orders").await;
    // An SQS batch sent to the EventBridge function by mistake.
    let answer = api
        .invoke(r#"{"Records": [{"body": "{}"}]}"#, three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(answer.error_message(), Some("missing field `detail-type`"));
    function.kill().await;
}
