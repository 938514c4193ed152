//! End to end: `http-router` serves an axum `Router` built once at init,
//! behind an HTTP API (v2) and an ALB.

use std::time::Duration;

use lambda_fn::testing::RuntimeApi;
use lambda_fn_tests::{http::Door, seconds, serve, three_seconds};
use serde_json::{Value, json};

/// An HTTP API (v2) request.
fn v2(method: &str, path: &str, body: Option<&str>) -> String {
    let mut event = Door::HttpApi.fixture();
    event["rawPath"] = path.into();
    event["rawQueryString"] = "".into();
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["body"] = body.map_or(Value::Null, Value::from);
    event["isBase64Encoded"] = false.into();
    event["headers"]["content-type"] = "application/json".into();
    event.to_string()
}

/// An ALB request.
fn alb(method: &str, path: &str, body: Option<&str>) -> String {
    let mut event = Door::Alb.fixture();
    event["httpMethod"] = method.into();
    event["path"] = path.into();
    event["queryStringParameters"] = json!({});
    event["body"] = body.map_or(Value::Null, Value::from);
    event["isBase64Encoded"] = false.into();
    event["headers"]["content-type"] = "application/json".into();
    event.to_string()
}

async fn call(api: &RuntimeApi, event: String) -> (u64, Value) {
    let answer = api.invoke(event, three_seconds()).await;
    assert_eq!(answer.error_type(), None, "{:?}", answer.error_message());
    let response = answer.json();
    let body = response["body"].as_str().unwrap_or_default();
    // axum's own rejections answer plain text.
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::from(body));
    (response["statusCode"].as_u64().unwrap(), body)
}

#[tokio::test]
async fn the_router_serves_both_front_doors_with_shared_state() {
    let (api, mut function) = serve("http-router").await;
    let order = r#"{"id": 7, "amount": 9.5, "customer": "ada"}"#;
    assert_eq!(
        call(&api, v2("POST", "/orders", Some(order))).await,
        (201, json!({ "id": 7 }))
    );
    // Built once: the ALB request sees the order the v2 request stored.
    let (status, body) = call(&api, alb("GET", "/orders/7", None)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "id": 7, "amount": 9.5, "customer": "ada" }));
    assert_eq!(call(&api, v2("GET", "/orders/8", None)).await.0, 404);
    assert_eq!(call(&api, alb("DELETE", "/nowhere", None)).await.0, 404);
    // axum's own rejection of a malformed body is an HTTP answer too.
    assert_eq!(
        call(&api, v2("POST", "/orders", Some("{oops"))).await.0,
        400
    );
    assert!(function.is_running());
    function.kill().await;
}

/// How one front door's request is written: [`v2`] or [`alb`].
type FrontDoor = fn(&str, &str, Option<&str>) -> String;

/// What the example's streamed bodies send before they stall, fail or
/// panic: it must reach neither the caller nor the logs.
const FIRST_CHUNK: &str = "the first chunk of a streamed body";

/// Sends `event` with a 1 s deadline and checks the answer is an HTTP
/// response (not an invocation error) with `status` and the JSON problem
/// `error`, posted before Lambda's deadline.
async fn assert_problem(api: &RuntimeApi, event: String, status: u64, error: &str) -> Duration {
    let answer = api.invoke(event, seconds(1)).await;
    assert_eq!(answer.error_type(), None, "{:?}", answer.error_message());
    let latency = answer.latency().unwrap();
    assert!(
        answer.answered_at < answer.deadline.unwrap(),
        "answered after {latency:?}, past the 1s deadline"
    );
    let response = answer.json();
    assert_eq!(response["statusCode"], status, "{response}");
    assert_eq!(response["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({ "error": error, "request_id": answer.request_id.unwrap() })
    );
    latency
}

#[tokio::test]
async fn a_streamed_body_is_read_under_the_deadline_guard_and_the_panic_catcher() {
    let (api, mut function) = serve("http-router").await;
    let doors: [(&str, FrontDoor); 2] = [("v2", v2), ("alb", alb)];
    for (id, (door, event)) in (10..).zip(doors) {
        // A body that never ends: 504 at the budget (1 s minus the default
        // 100 ms margin), not a hang until Lambda's own timeout.
        let latency = assert_problem(
            &api,
            event("GET", "/stream/forever", None),
            504,
            "the request timed out",
        )
        .await;
        assert!(
            latency >= Duration::from_millis(850),
            "{door}: answered 504 after {latency:?}, before the 900ms budget"
        );
        // A body that yields an error, and one that panics: 500, not a
        // Lambda invocation error.
        for path in ["/stream/fails", "/stream/panics"] {
            assert_problem(&api, event("GET", path, None), 500, "internal server error").await;
        }
        // The function serves on, with its state.
        let order = format!(r#"{{"id": {id}, "amount": 1.5, "customer": "bo"}}"#);
        assert_eq!(
            call(&api, event("POST", "/orders", Some(&order))).await,
            (201, json!({ "id": id })),
            "{door}"
        );
    }
    assert!(function.is_running());
    assert_eq!(api.unexpected_posts(), Vec::<String>::new());
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    // Each fault is logged at error level with what went wrong; the body
    // itself never is.
    let logs = function.stderr();
    for (message, error) in [
        (
            "the deadline guard answered 504",
            "did not finish within its budget",
        ),
        ("the response body failed", "the upstream went away"),
        ("the handler panicked", "the body generator broke"),
    ] {
        let lines: Vec<&str> = logs.lines().filter(|line| line.contains(message)).collect();
        assert_eq!(lines.len(), 2, "{message:?} once per door in\n{logs}");
        for line in lines {
            assert!(
                line.contains("ERROR") && line.contains(error),
                "{message:?} without ERROR and {error:?}: {line}"
            );
        }
    }
    assert!(!logs.contains(FIRST_CHUNK), "the body was logged:\n{logs}");
}
