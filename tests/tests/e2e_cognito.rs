//! End to end: `cognito-signup` answers a pre sign-up trigger with the event
//! it received and its response, refuses with the message Cognito shows the
//! user, and refuses another hook's event as `InvalidEvent`.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_invalid_event, example_binary, sample_event, serve, three_seconds, workspace_root,
};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = workspace_root().join("core/tests/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A pre sign-up event of `email`, with `source` as its trigger source.
fn sign_up(email: &str, source: &str) -> Value {
    let mut event = fixture("example-cognito-event-userpools-presignup.json");
    event["triggerSource"] = source.into();
    event["userName"] = email.into();
    event["request"]["userAttributes"] = json!({"email": email});
    event
}

#[tokio::test]
async fn the_answer_is_the_received_event_with_the_response() {
    let (api, mut function) = serve("cognito-signup").await;
    let sample = std::fs::read_to_string(sample_event("cognito-signup.json")).unwrap();
    let received: Value = serde_json::from_str(&sample).unwrap();
    let answer = api.invoke(sample, three_seconds()).await.json();
    let mut expected = received;
    expected["response"] =
        json!({"autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false});
    assert_eq!(answer, expected);
    // Every sign-up source, and fields the types do not know, kept as sent.
    for source in [
        "PreSignUp_SignUp",
        "PreSignUp_AdminCreateUser",
        "PreSignUp_ExternalProvider",
    ] {
        let mut event = sign_up("Grace@Example.com", source);
        event["someFutureField"] = json!({"kept": [1, 2]});
        let answer = api.invoke(event.to_string(), three_seconds()).await.json();
        assert_eq!(
            answer["someFutureField"],
            json!({"kept": [1, 2]}),
            "{source}"
        );
        assert_eq!(answer["triggerSource"], source);
        assert_eq!(answer["response"]["autoConfirmUser"], true, "{source}");
    }
    function.kill().await;
}

#[tokio::test]
async fn a_refusal_is_the_users_message_and_a_panic_a_generic_one() {
    let (api, mut function) = serve("cognito-signup").await;
    let answer = api
        .invoke(
            sign_up("bob@elsewhere.org", "PreSignUp_SignUp").to_string(),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("NotAllowed"));
    assert_eq!(
        answer.error_message(),
        Some("only @example.com addresses may sign up")
    );
    let answer = api
        .invoke(
            sign_up("@", "PreSignUp_SignUp").to_string(),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("Panic"));
    assert_eq!(
        answer.error_message(),
        Some("the request could not be completed; try again later")
    );
    assert!(function.is_running());
    let stderr = function.stderr();
    assert!(
        stderr.contains("the directory cannot look up `@`"),
        "the panic is logged: {stderr}"
    );
    function.kill().await;
}

#[tokio::test]
async fn another_hooks_event_is_invalid_event() {
    let (api, mut function) = serve("cognito-signup").await;
    let post = fixture("example-cognito-event-userpools-postconfirmation.json");
    let answer = api.invoke(post.to_string(), three_seconds()).await;
    assert_invalid_event(
        &answer,
        "not a Cognito pre sign-up event: its triggerSource is \"PostConfirmation_ConfirmSignUp\": unknown variant",
    );
    let mut missing = sign_up("ada@example.com", "PreSignUp_SignUp");
    missing.as_object_mut().unwrap().remove("triggerSource");
    let answer = api.invoke(missing.to_string(), three_seconds()).await;
    assert_invalid_event(
        &answer,
        "not a Cognito pre sign-up event: it has no triggerSource",
    );
    function.kill().await;
}

#[tokio::test]
async fn the_guard_fails_the_sign_up_before_the_deadline() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("cognito-signup"),
            &[("COGNITO_SIGNUP_CHECK_MS", "2000")],
        )
        .unwrap();
    let answer = api
        .invoke(
            sign_up("ada@example.com", "PreSignUp_SignUp").to_string(),
            DeadlineHeader::In(Duration::from_millis(400)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    assert_eq!(answer.error_type(), Some("Timeout"));
    assert_eq!(
        answer.error_message(),
        Some("the request could not be completed; try again later")
    );
    function.kill().await;
}
