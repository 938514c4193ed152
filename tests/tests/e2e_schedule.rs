//! End to end: `scheduled-report`, a payload-less scheduled function with
//! warm state.

use std::time::Duration;

use lambda_fn::testing::DeadlineHeader;
use lambda_fn_tests::{logged, sample_event, serve, three_seconds};
use serde_json::{Value, json};

/// A tick of an EventBridge rule's schedule.
fn tick(id: &str) -> String {
    json!({
        "version": "0",
        "id": id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2025-11-27T08:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/daily-report"],
        "detail": {}
    })
    .to_string()
}

/// The report numbers the function logged, in order.
fn reports(stderr: &str) -> Vec<u64> {
    logged(stderr, "report #", " ")
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[tokio::test]
async fn every_tick_answers_null_and_warm_state_counts_the_reports() {
    let (api, mut function) = serve("scheduled-report").await;
    let sample = std::fs::read(sample_event("scheduled-report.json")).unwrap();
    assert_eq!(
        api.invoke(sample, three_seconds()).await.json(),
        Value::Null
    );
    for n in 2..=5 {
        let answer = api
            .invoke(tick(&format!("tick-{n}")), three_seconds())
            .await;
        assert_eq!(answer.json(), Value::Null);
    }
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    // One process, one `init`: the count carries over between invocations.
    assert_eq!(reports(&function.stderr()), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_event_that_is_not_a_tick_is_invalid_event_and_runs_nothing() {
    let (api, mut function) = serve("scheduled-report").await;
    let not_a_tick = std::fs::read(sample_event("eventbridge-orders.json")).unwrap();
    let answer = api.invoke(not_a_tick, three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(
        answer.error_message(),
        Some(
            "detail-type: expected \"Scheduled Event\", found \"Order Placed\": this function runs on a schedule, and this is not a scheduled event"
        )
    );
    let mut no_time: Value = serde_json::from_str(&tick("tick-no-time")).unwrap();
    no_time.as_object_mut().unwrap().remove("time");
    let answer = api.invoke(no_time.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(
        answer.error_message(),
        Some("time: missing: a scheduled event carries the time it was scheduled for")
    );
    let answer = api.invoke("{}", three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(answer.error_message(), Some("missing field `detail-type`"));

    // The next real tick is the first report.
    let answer = api.invoke(tick("tick-1"), three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    assert_eq!(reports(&function.stderr()), [1]);
}

#[tokio::test]
async fn the_users_error_fails_the_tick_with_its_type() {
    let (api, mut function) = serve("scheduled-report").await;
    // 120 ms to Lambda's deadline leaves the handler 20 ms after the default
    // 100 ms margin: less than the 50 ms a report needs.
    let answer = api
        .invoke(
            tick("tick-rushed"),
            DeadlineHeader::In(Duration::from_millis(120)),
        )
        .await;
    assert_eq!(answer.error_type(), Some("NoTimeForReport"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("tick-rushed") && message.contains("a report needs 50 ms: not started"),
        "{message}"
    );
    // Lambda's retry, with time enough, writes the report.
    let answer = api.invoke(tick("tick-rushed"), three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    assert_eq!(reports(&function.stderr()), [1]);
}
