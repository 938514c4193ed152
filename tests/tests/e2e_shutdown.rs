//! End to end: `shutdown = path`. The function registers an extension (so
//! that Lambda sends it `SIGTERM`), and on `SIGTERM` or `SIGINT` runs its
//! hook once with the warm state, then exits 0.

use lambda_fn_tests::{WAIT, sample_event, seconds, send_signal, serve};

async fn shuts_down_on(name: &str) {
    let (api, mut function) = serve("sqs-orders").await;
    // One batch first, so that the hook has warm state to report: the
    // sample batch has two good orders.
    let answer = api
        .invoke(
            std::fs::read(sample_event("sqs-orders.json")).unwrap(),
            seconds(5),
        )
        .await;
    assert!(answer.outcome.is_ok(), "{answer:?}");
    assert_eq!(api.extensions(), ["lambda-fn-shutdown"]);

    send_signal(function.pid().expect("running"), name);
    let status = function.wait(WAIT).await.expect("exits after the signal");
    assert!(status.success(), "{status:?}\n{}", function.stderr());
    let stderr = function.stderr();
    let flushed = stderr
        .lines()
        .filter(|line| line.contains("shutting down, flushed"))
        .collect::<Vec<_>>();
    assert_eq!(
        flushed,
        ["sqs-orders: shutting down, flushed 2 accepted orders"],
        "{stderr}"
    );
    assert!(stderr.contains(name), "the signal is logged: {stderr}");
}

#[tokio::test]
async fn sigterm_runs_the_hook_with_the_warm_state_once() {
    shuts_down_on("TERM").await;
}

#[tokio::test]
async fn sigint_runs_the_hook_too() {
    shuts_down_on("INT").await;
}

#[tokio::test]
async fn without_a_hook_no_extension_is_registered() {
    let (api, mut function) = serve("hello").await;
    let answer = api.invoke(r#"{"name":"Ferris"}"#, seconds(5)).await;
    assert!(answer.outcome.is_ok(), "{answer:?}");
    assert!(api.extensions().is_empty());
    function.kill().await;
}
