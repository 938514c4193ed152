//! End to end: `http-router` serves an axum `Router` built once at init,
//! behind an HTTP API (v2) and an ALB.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{example_binary, workspace_root};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = workspace_root().join("core/tests/fixtures/http").join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// An HTTP API (v2) request.
fn v2(method: &str, path: &str, body: Option<&str>) -> String {
    let mut event = fixture("apigw_v2_proxy_request.json");
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
    let mut event = fixture("alb_request.json");
    event["httpMethod"] = method.into();
    event["path"] = path.into();
    event["queryStringParameters"] = json!({});
    event["body"] = body.map_or(Value::Null, Value::from);
    event["isBase64Encoded"] = false.into();
    event["headers"]["content-type"] = "application/json".into();
    event.to_string()
}

async fn call(api: &RuntimeApi, event: String) -> (u64, Value) {
    let answer = api
        .invoke(event, DeadlineHeader::In(Duration::from_secs(3)))
        .await;
    assert_eq!(answer.error_type(), None, "{:?}", answer.error_message());
    let response = answer.json();
    let body = response["body"].as_str().unwrap_or_default();
    // axum's own rejections answer plain text.
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::from(body));
    (response["statusCode"].as_u64().unwrap(), body)
}

#[tokio::test]
async fn the_router_serves_both_front_doors_with_shared_state() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api.spawn(&example_binary("http-router"), &[]).unwrap();
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
