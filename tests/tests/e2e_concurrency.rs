//! End to end: Lambda Managed Instances. With `AWS_LAMBDA_MAX_CONCURRENCY`
//! above 1 one process serves that many invocations at once — each with its
//! own `/next` poll and deadline guard, all sharing the warm state built
//! once — and without it, one at a time.

use std::time::{Duration, Instant};

use lambda_fn::testing::{DeadlineHeader, Event, RuntimeApi};
use lambda_fn_tests::{WAIT, example_binary};
use serde_json::json;

fn sleep_event(ms: u64, deadline: Duration) -> Event {
    Event::new(
        json!({ "action": "sleep", "ms": ms }).to_string(),
        DeadlineHeader::In(deadline),
    )
}

/// Waits until the harness has seen `polls` `/next` polls open at once.
async fn wait_for_polls(api: &RuntimeApi, polls: usize) {
    let start = Instant::now();
    while api.most_waiting_polls() < polls {
        assert!(
            start.elapsed() < WAIT,
            "only {} of {polls} polls opened",
            api.most_waiting_polls()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn max_concurrency_serves_that_many_invocations_at_once() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("guarded"),
            &[("AWS_LAMBDA_MAX_CONCURRENCY", "4")],
        )
        .unwrap();
    // Four polls are held open before any event exists.
    wait_for_polls(&api, 4).await;

    // Four invocations of 400 ms each: served together, they all finish in
    // about 400 ms; one at a time they would take 1.6 s.
    let events: Vec<Event> = (0..4)
        .map(|_| sleep_event(400, Duration::from_secs(10)))
        .collect();
    let started = Instant::now();
    for event in &events {
        api.push(event.clone());
    }
    for event in &events {
        let answer = api.answer(&event.request_id, WAIT).await.unwrap();
        // `init` ran once for the four: the warm state is shared.
        assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(1200),
        "four 400 ms invocations took {elapsed:?}: not concurrent"
    );
    assert_eq!(api.most_in_flight(), 4);

    // The deadline guard is per invocation: one invocation with a short
    // deadline times out while the three beside it, with long ones, finish.
    let short = sleep_event(5_000, Duration::from_millis(700));
    let long: Vec<Event> = (0..3)
        .map(|_| sleep_event(300, Duration::from_secs(10)))
        .collect();
    api.push(short.clone());
    for event in &long {
        api.push(event.clone());
    }
    for event in &long {
        let answer = api.answer(&event.request_id, WAIT).await.unwrap();
        assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
    }
    let timed_out = api.answer(&short.request_id, WAIT).await.unwrap();
    assert_eq!(timed_out.error_type(), Some("Timeout"));
    assert!(
        api.unexpected_posts().is_empty(),
        "answered twice: {:?}",
        api.unexpected_posts()
    );
    assert!(function.is_running());
    function.kill().await;
}

#[tokio::test]
async fn without_max_concurrency_invocations_run_one_at_a_time() {
    for value in [None, Some("1"), Some("0"), Some("lots")] {
        let api = RuntimeApi::start().await.unwrap();
        let env: Vec<(&str, &str)> = value
            .map(|value| ("AWS_LAMBDA_MAX_CONCURRENCY", value))
            .into_iter()
            .collect();
        let mut function = api.spawn(&example_binary("guarded"), &env).unwrap();
        let events: Vec<Event> = (0..3)
            .map(|_| sleep_event(150, Duration::from_secs(10)))
            .collect();
        for event in &events {
            api.push(event.clone());
        }
        for event in &events {
            let answer = api.answer(&event.request_id, WAIT).await.unwrap();
            assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
        }
        assert_eq!(
            api.most_in_flight(),
            1,
            "AWS_LAMBDA_MAX_CONCURRENCY={value:?}"
        );
        assert_eq!(
            api.most_waiting_polls(),
            1,
            "AWS_LAMBDA_MAX_CONCURRENCY={value:?}"
        );
        function.kill().await;
    }
}
