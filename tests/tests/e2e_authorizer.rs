//! End to end: `token-authorizer` answers every API Gateway front door in
//! its own format, and answers every fault with a Deny, never with an
//! invocation error, without ever logging the token.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{example_binary, sample_event, serve, stop, three_seconds, workspace_root};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/orders";

fn token(token: &str) -> String {
    json!({"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}).to_string()
}

fn fixture(name: &str) -> Value {
    let path = workspace_root().join("core/tests/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The effect and resources of an answer's policy.
fn policy(answer: &Value) -> (String, Value) {
    let statement = &answer["policyDocument"]["Statement"][0];
    assert_eq!(answer["policyDocument"]["Version"], "2012-10-17");
    assert_eq!(statement["Action"], "execute-api:Invoke");
    (
        statement["Effect"].as_str().unwrap().to_owned(),
        statement["Resource"].clone(),
    )
}

#[tokio::test]
async fn a_rest_token_is_allowed_for_its_user_or_denied() {
    let (api, mut function) = serve("token-authorizer").await;
    let sample = std::fs::read_to_string(sample_event("token-authorizer.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await.json();
    assert_eq!(
        answer,
        json!({
            "principalId": "ada",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": ["arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/prod/GET/orders"]
            }]},
            "context": {"user": "ada"}
        })
    );
    for (i, user) in ["grace", "linus", "ken"].iter().enumerate() {
        let answer = api
            .invoke(token(&format!("allow-{user}")), three_seconds())
            .await
            .json();
        assert_eq!(answer["principalId"], *user, "invocation {i}");
        assert_eq!(answer["context"], json!({"user": user}));
    }
    let answer = api.invoke(token("let-me-in"), three_seconds()).await.json();
    assert_eq!(policy(&answer), ("Deny".to_owned(), json!([ARN])));
    assert!(
        answer.get("isAuthorized").is_none(),
        "REST has no simple response"
    );
    function.kill().await;
}

#[tokio::test]
async fn request_authorizers_of_every_front_door() {
    let (api, mut function) = serve("token-authorizer").await;
    // REST REQUEST: the Authorization header.
    let mut rest = fixture("example-apigw-custom-auth-request-type-request.json");
    rest["headers"]["Authorization"] = "Bearer allow-ada".into();
    let answer = api.invoke(rest.to_string(), three_seconds()).await.json();
    assert_eq!(policy(&answer).0, "Allow");
    assert_eq!(answer["principalId"], "ada");
    // HTTP API, payload 1.0: an IAM policy.
    let mut v1 = fixture("example-apigw-v2-custom-authorizer-v1-request.json");
    v1["headers"]["authorization"] = "allow-grace".into();
    let answer = api.invoke(v1.to_string(), three_seconds()).await.json();
    assert_eq!(
        policy(&answer),
        ("Allow".to_owned(), json!([v1["methodArn"]]))
    );
    assert!(answer.get("isAuthorized").is_none());
    // HTTP API, payload 2.0: the simple response and the policy together.
    let mut v2 = fixture("example-apigw-v2-custom-authorizer-v2-request.json");
    v2["headers"]["authorization"] = "Bearer allow-linus".into();
    let answer = api.invoke(v2.to_string(), three_seconds()).await.json();
    assert_eq!(answer["isAuthorized"], true);
    assert_eq!(answer["context"], json!({"user": "linus"}));
    assert_eq!(
        policy(&answer),
        ("Allow".to_owned(), json!([v2["routeArn"]]))
    );
    let denied = fixture("example-apigw-v2-custom-authorizer-v2-request.json");
    let answer = api.invoke(denied.to_string(), three_seconds()).await.json();
    assert_eq!(answer["isAuthorized"], false);
    assert_eq!(policy(&answer).0, "Deny");
    function.kill().await;
}

#[tokio::test]
async fn every_fault_is_a_deny_and_the_token_is_never_logged() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("token-authorizer"),
            &[("TOKEN_AUTHORIZER_CHECK_MS", "50")],
        )
        .unwrap();
    // The bug left in: a panic, answered Deny.
    let answer = api.invoke(token("allow-"), three_seconds()).await;
    assert_eq!(answer.error_type(), None, "never an invocation error");
    assert_eq!(policy(&answer.json()), ("Deny".to_owned(), json!([ARN])));
    // Not an authorizer request: a Deny of what it names, or of everything.
    for (event, resource) in [
        (
            json!({"type": "TOKEN", "methodArn": ARN}).to_string(),
            json!([ARN]),
        ),
        (
            json!({"type": "WEBSOCKET", "methodArn": ARN}).to_string(),
            json!([ARN]),
        ),
        (r#"{"Records": []}"#.to_owned(), json!(["*"])),
        ("[1, 2, 3]".to_owned(), json!(["*"])),
    ] {
        let answer = api.invoke(event.clone(), three_seconds()).await;
        assert_eq!(answer.error_type(), None, "{event}");
        let answer = answer.json();
        assert_eq!(policy(&answer), ("Deny".to_owned(), resource), "{event}");
        assert_eq!(answer["principalId"], "unauthorized");
    }
    let secret = "sk_live_51HxQ2eZvKYlo2C0a9b8c7d6e5f4";
    let answer = api.invoke(token(secret), three_seconds()).await.json();
    assert_eq!(policy(&answer).0, "Deny");
    let stderr = stop(&mut function).await;
    assert!(stderr.contains("Panic"), "{stderr}");
    assert!(
        !stderr.contains(secret),
        "the token reached the logs: {stderr}"
    );
    assert!(
        !stderr.contains("allow-"),
        "a token reached the logs: {stderr}"
    );
}

#[tokio::test]
async fn the_guard_answers_a_deny_before_the_deadline() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("token-authorizer"),
            &[("TOKEN_AUTHORIZER_CHECK_MS", "2000")],
        )
        .unwrap();
    let answer = api
        .invoke(
            token("allow-ada"),
            DeadlineHeader::In(Duration::from_millis(400)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    assert_eq!(answer.error_type(), None);
    assert_eq!(policy(&answer.json()), ("Deny".to_owned(), json!([ARN])));
    function.kill().await;
}
