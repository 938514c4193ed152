//! End to end: the example binaries, built in release mode, served by the
//! loopback Runtime API exactly as Lambda would serve them.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, Event, RuntimeApi};
use lambda_fn_tests::{
    WAIT, assert_exit_ok, example_binary, local, sample_event, seconds, serve, three_seconds,
};
use serde_json::json;

#[tokio::test]
async fn hello_counts_invocations_in_warm_state() {
    let (api, mut function) = serve("hello").await;
    for n in 1..=120_u64 {
        let answer = api
            .invoke(
                json!({ "name": format!("caller {n}") }).to_string(),
                three_seconds(),
            )
            .await;
        assert_eq!(
            answer.json(),
            json!({ "message": format!("Hello, caller {n}!"), "invocation": n })
        );
    }
    assert!(function.is_running());
    assert!(
        api.unexpected_posts().is_empty(),
        "answered twice: {:?}",
        api.unexpected_posts()
    );
    // One connection to the Runtime API for the whole life of the process.
    assert_eq!(api.connections(), 1);
    function.kill().await;
}

#[tokio::test]
async fn hello_undecodable_events_are_invalid_event() {
    let (api, mut function) = serve("hello").await;
    let cases = [
        (
            json!({ "name": 5 }).to_string(),
            "name: invalid type: integer `5`, expected a string",
        ),
        (json!({}).to_string(), "missing field `name`"),
        (
            json!({ "name": null }).to_string(),
            "name: invalid type: null, expected a string",
        ),
        ("{\"name\": ".to_owned(), "name: EOF while parsing a value"),
    ];
    for (event, message) in cases {
        let answer = api.invoke(event, three_seconds()).await;
        assert_eq!(answer.error_type(), Some("InvalidEvent"));
        assert_eq!(answer.error_message(), Some(message));
    }
    // Bad events do not end the process, and do not count as served.
    let answer = api.invoke(r#"{"name":"again"}"#, three_seconds()).await;
    assert_eq!(answer.json()["invocation"], 1);
    function.kill().await;
}

#[tokio::test]
async fn guarded_init_runs_once_across_every_kind_of_invocation() {
    let (api, mut function) = serve("guarded").await;
    for round in 0..25 {
        for action in ["ok", "error", "panic", "sleep"] {
            let answer = api
                .invoke(
                    json!({ "action": action, "ms": 1 }).to_string(),
                    three_seconds(),
                )
                .await;
            match action {
                "ok" | "sleep" => assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 })),
                "error" => assert_eq!(answer.error_type(), Some("GuardedError"), "round {round}"),
                _ => assert_eq!(answer.error_type(), Some("Panic"), "round {round}"),
            }
        }
    }
    assert!(function.is_running());
    function.kill().await;
}

#[tokio::test]
async fn guarded_error_and_panic_are_reported_by_type() {
    let (api, mut function) = serve("guarded").await;

    let event = Event::new(json!({ "action": "error" }).to_string(), three_seconds());
    let id = event.request_id.clone();
    api.push(event);
    let answer = api.answer(&id, WAIT).await.unwrap();
    assert_eq!(answer.error_type(), Some("GuardedError"));
    assert_eq!(
        answer.error_message().unwrap(),
        format!("the event asked for an error (request {id})")
    );

    let answer = api
        .invoke(json!({ "action": "panic" }).to_string(), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("Panic"));
    assert_eq!(answer.error_message(), Some("boom"));
    // Still serving after the panic, with the same warm state.
    let answer = api
        .invoke(json!({ "action": "ok" }).to_string(), three_seconds())
        .await;
    assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
    assert!(function.is_running());
    function.kill().await;
}

#[tokio::test]
async fn guarded_sleep_past_the_budget_is_answered_timeout_before_the_deadline() {
    let (api, mut function) = serve("guarded").await;
    let deadline = Duration::from_millis(1500);
    let answer = api
        .invoke(
            json!({ "action": "sleep", "ms": 10_000 }).to_string(),
            DeadlineHeader::In(deadline),
        )
        .await;
    assert_eq!(answer.error_type(), Some("Timeout"));
    let message = answer.error_message().unwrap();
    // The header has millisecond precision: 1.3s, or a millisecond less.
    assert!(
        message.starts_with("the handler did not finish within its budget of 1.3s")
            || message.starts_with("the handler did not finish within its budget of 1.299s"),
        "{message}"
    );
    // Answered before Lambda's deadline, and not before the budget
    // (deadline − 200 ms margin; the header has millisecond precision).
    assert!(
        answer.answered_at < answer.deadline.unwrap(),
        "answered after the deadline"
    );
    let latency = answer.latency().unwrap();
    assert!(
        latency >= Duration::from_millis(1290),
        "fired early: {latency:?}"
    );
    assert!(
        latency < Duration::from_millis(1500),
        "fired late: {latency:?}"
    );
    // The process goes on serving.
    let answer = api
        .invoke(json!({ "action": "ok" }).to_string(), three_seconds())
        .await;
    assert_eq!(answer.json()["ok"], true);
    function.kill().await;
}

#[tokio::test]
async fn guarded_sleep_within_the_budget_completes() {
    let (api, mut function) = serve("guarded").await;
    let answer = api
        .invoke(
            json!({ "action": "sleep", "ms": 300 }).to_string(),
            seconds(1),
        )
        .await;
    assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
    assert!(answer.latency().unwrap() >= Duration::from_millis(300));
    function.kill().await;
}

#[tokio::test]
async fn unusable_deadline_headers_never_cause_a_timeout() {
    let (api, mut function) = serve("guarded").await;
    let far_future = std::time::SystemTime::now() + Duration::from_secs(3600);
    let far_future_ms = far_future
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    for header in [
        // What some local emulators send: a duration, not an epoch time.
        DeadlineHeader::Raw("600000".into()),
        DeadlineHeader::Raw("soon".into()),
        DeadlineHeader::Raw(far_future_ms),
        DeadlineHeader::Missing,
    ] {
        let answer = api
            .invoke(
                json!({ "action": "sleep", "ms": 400 }).to_string(),
                header.clone(),
            )
            .await;
        assert_eq!(
            answer.json(),
            json!({ "ok": true, "init_runs": 1 }),
            "{header:?}"
        );
    }
    assert!(function.is_running());
    function.kill().await;
}

#[tokio::test]
async fn init_failure_is_posted_to_init_error_and_exits_non_zero() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(&example_binary("guarded"), &[("GUARDED_FAIL_INIT", "1")])
        .unwrap();
    let posted = api.init_error(WAIT).await.expect("an init error is posted");
    assert_eq!(posted.error_type(), Some("InitError"));
    assert_eq!(
        posted.error_message(),
        Some("GUARDED_FAIL_INIT is set, so init fails")
    );
    let status = function.wait(WAIT).await.expect("the process exits");
    assert!(!status.success(), "exit status {status}");
    assert_eq!(api.polls(), 0, "/next was polled although init failed");
    assert!(
        function
            .stderr()
            .contains("InitError: GUARDED_FAIL_INIT is set"),
        "{}",
        function.stderr()
    );
}

#[tokio::test]
async fn init_runs_before_the_first_poll() {
    let (api, mut function) = serve("guarded").await;
    api.first_poll(WAIT)
        .await
        .expect("the function polls /next");
    // By the first poll, init has run: the very first answer already sees it.
    let answer = api
        .invoke(json!({ "action": "ok" }).to_string(), three_seconds())
        .await;
    assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
    function.kill().await;
}

#[test]
fn local_mode_runs_the_sample_event() {
    let out = local("hello")
        .arg("--event")
        .arg(sample_event("hello.json"))
        .output()
        .unwrap();
    assert_exit_ok(&out);
    let response: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        response,
        json!({ "message": "Hello, Ferris!", "invocation": 1 })
    );
}

#[test]
fn local_mode_reads_stdin_and_reports_errors_on_stderr() {
    use std::io::Write;
    let mut child = local("hello")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"name": 7}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "InvalidEvent: name: invalid type: integer `7`, expected a string"
    );
}

#[test]
fn local_mode_applies_the_timeout() {
    let out = local("guarded")
        .args(["--timeout", "1s"])
        .env("LAMBDA_FN_EVENT", r#"{"action":"sleep","ms":5000}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Timeout: the handler did not finish within its budget of 800ms"),
        "{stderr}"
    );
}

#[test]
fn local_mode_help_and_usage_errors() {
    let out = local("hello").arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--event FILE") && help.contains("--timeout DURATION"),
        "{help}"
    );
    let out = local("hello").arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument \"--bogus\""));
}

#[tokio::test]
async fn event_payloads_never_reach_the_logs() {
    const MARKER: &str = "MARKER-7f3a9c";
    let (api, mut function) = serve("guarded").await;
    // serde quotes the unknown variant in its message: the invoker sees it...
    let answer = api
        .invoke(json!({ "action": MARKER }).to_string(), three_seconds())
        .await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert!(answer.error_message().unwrap().contains(MARKER));
    let answer = api
        .invoke(
            json!({ "action": "ok", "note": MARKER }).to_string(),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.json()["ok"], true);
    function.kill().await;
    function.wait(WAIT).await;
    // ...but the function's own logs (INFO level, the default) do not.
    let logs = function.stderr();
    assert!(
        logs.contains("InvalidEvent"),
        "the failure is logged: {logs}"
    );
    assert!(!logs.contains(MARKER), "payload in the logs: {logs}");
}
