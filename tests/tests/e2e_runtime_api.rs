//! End to end: the Runtime API loop under traffic shaped like Lambda's
//! (issue 13). The release builds of the examples run against the loopback
//! Runtime API, which sends a distinct trace id and invocation id with every
//! event, as Lambda does.
//!
//! - the trace id the X-Ray SDKs read from the environment follows each
//!   invocation (the memory side is in `e2e_faults`);
//! - `Lambda-Runtime-Invocation-Id` is echoed, per invocation, and only
//!   when sent;
//! - `SIGTERM` during an invocation: one answer, then the hook, exit 0;
//! - Managed Instances: a loop whose polls fail does not take the others'
//!   invocations with it, and a handler that blocks its thread does not
//!   stop the other invocations' `Timeout` answers;
//! - every exchange is bounded, `/next` bodies over the limit are refused
//!   unread, error bodies stay within Lambda's limit;
//! - request ids cannot steer an answer to another URL.

use std::time::{Duration, Instant};

use lambda_fn::testing::{Answer, DeadlineHeader, Event, Function, PollFault, RuntimeApi};
use lambda_fn_tests::{WAIT, accepted_orders, example_binary, seconds, send_signal};
use serde_json::{Value, json};

fn command(action: &str, ms: u64) -> String {
    json!({ "action": action, "ms": ms }).to_string()
}

/// Pushes `event` and waits for its answer.
async fn invoke(api: &RuntimeApi, event: Event) -> Answer {
    let id = event.request_id.clone();
    api.push(event);
    api.answer(&id, WAIT)
        .await
        .unwrap_or_else(|| panic!("no answer to {id:?}"))
}

/// Waits until `/next` has handed out the event with `request_id`.
async fn served(api: &RuntimeApi, request_id: &str) -> Instant {
    let give_up = Instant::now() + WAIT;
    loop {
        if let Some(served) = api.served().iter().find(|s| s.request_id == request_id) {
            return served.served_at;
        }
        assert!(Instant::now() < give_up, "{request_id} was never served");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn exits(function: &mut Function) -> i32 {
    function
        .wait(WAIT)
        .await
        .and_then(|status| status.code())
        .unwrap_or_else(|| panic!("the function did not exit:\n{}", function.stderr()))
}

fn spawn(api: &RuntimeApi, name: &str, env: &[(&str, &str)]) -> Function {
    api.spawn(&example_binary(name), env).unwrap()
}

fn no_strays(api: &RuntimeApi) {
    assert_eq!(
        api.unexpected_posts(),
        Vec::<String>::new(),
        "unexpected posts"
    );
    assert_eq!(api.stray_requests(), Vec::<String>::new(), "stray requests");
    assert!(
        api.mismatched_posts().is_empty(),
        "{:?}",
        api.mismatched_posts()
    );
}

// ----------------------------------------------------------------- trace id

#[tokio::test]
async fn the_environment_carries_each_invocations_own_trace_id() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    let mut seen = Vec::new();
    for _ in 0..50 {
        let event = Event::new(command("trace", 0), seconds(5));
        let trace = event.trace_id.clone().expect("the harness sends one");
        let answer = invoke(&api, event).await;
        assert_eq!(answer.json()["trace"], trace.as_str());
        seen.push(trace);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 50, "every invocation had its own trace id");
    // An event without one leaves no stale id behind.
    let answer = invoke(
        &api,
        Event::new(command("trace", 0), seconds(5)).without_trace_id(),
    )
    .await;
    assert_eq!(answer.json().get("trace"), None, "{:?}", answer.json());
    no_strays(&api);
    function.kill().await;
}

// ------------------------------------------------------------ invocation id

#[tokio::test]
async fn each_answer_echoes_its_invocation_id_and_only_when_sent() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    for action in ["ok", "error", "panic"] {
        let event = Event::new(command(action, 0), seconds(5));
        let sent = event.invocation_id.clone();
        assert!(sent.is_some());
        let answer = invoke(&api, event).await;
        assert_eq!(answer.invocation_id, sent, "{action}");
    }
    // An invalid event and a timeout are answered with the id too.
    let event = Event::new("not json", seconds(5));
    let sent = event.invocation_id.clone();
    let answer = invoke(&api, event).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(answer.invocation_id, sent);
    let event = Event::new(
        command("sleep", 5000),
        DeadlineHeader::In(Duration::from_millis(400)),
    );
    let sent = event.invocation_id.clone();
    let answer = invoke(&api, event).await;
    assert_eq!(answer.error_type(), Some("Timeout"));
    assert_eq!(answer.invocation_id, sent);
    // Without the header, none is sent back.
    let answer = invoke(
        &api,
        Event::new(command("ok", 0), seconds(5)).without_invocation_id(),
    )
    .await;
    assert!(answer.outcome.is_ok());
    assert_eq!(answer.invocation_id, None);
    no_strays(&api);
    function.kill().await;
}

#[tokio::test]
async fn concurrent_invocations_of_one_request_id_each_echo_their_own() {
    // Two invocations with one request id in flight at once (a re-delivery
    // of a timed-out invocation): each answer must name its own invocation.
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[("AWS_LAMBDA_MAX_CONCURRENCY", "4")]);
    let slow = Event::new(command("sleep", 400), seconds(5)).with_request_id("req-redelivered");
    let fast = Event::new(command("error", 0), seconds(5)).with_request_id("req-redelivered");
    let (slow_id, fast_id) = (
        slow.invocation_id.clone().unwrap(),
        fast.invocation_id.clone().unwrap(),
    );
    api.push(slow);
    served(&api, "req-redelivered").await;
    api.push(fast);
    let fast_answer = api
        .answer_for_invocation(&fast_id, WAIT)
        .await
        .expect("fast answered");
    assert_eq!(fast_answer.error_type(), Some("GuardedError"));
    let slow_answer = api
        .answer_for_invocation(&slow_id, WAIT)
        .await
        .expect("slow answered");
    assert_eq!(slow_answer.json()["ok"], true);
    assert!(fast_answer.answered_at < slow_answer.answered_at);
    // And many at once, each with its own.
    let events: Vec<Event> = (0..40)
        .map(|n| Event::new(command("sleep", 20 + n % 7), seconds(5)))
        .collect();
    let ids: Vec<(String, Option<String>)> = events
        .iter()
        .map(|e| (e.request_id.clone(), e.invocation_id.clone()))
        .collect();
    api.push_all(events);
    for (request_id, invocation_id) in ids {
        let answer = api.answer(&request_id, WAIT).await.expect("answered");
        assert_eq!(answer.invocation_id, invocation_id, "{request_id}");
    }
    assert!(api.most_in_flight() > 1);
    no_strays(&api);
    function.kill().await;
}

// ------------------------------------------------------------------ SIGTERM

#[tokio::test]
async fn sigterm_during_a_whole_event_invocation_answers_it_then_exits() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    let event = Event::new(command("sleep", 5000), seconds(10));
    let id = event.request_id.clone();
    api.push(event);
    served(&api, &id).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let signalled = Instant::now();
    send_signal(function.pid().expect("running"), "TERM");
    let answer = api
        .answer(&id, WAIT)
        .await
        .expect("the invocation is answered");
    assert_eq!(answer.error_type(), Some("Timeout"));
    let message = answer.error_message().unwrap();
    assert!(message.contains("shutting down (SIGTERM)"), "{message}");
    let after = answer.answered_at - signalled;
    assert!(
        after >= Duration::from_millis(200) && after < Duration::from_millis(500),
        "answered {after:?} after SIGTERM"
    );
    assert_eq!(exits(&mut function).await, 0, "{}", function.stderr());
    assert!(signalled.elapsed() < Duration::from_secs(1));
    assert_eq!(api.answers().len(), 1);
    no_strays(&api);
}

/// A FIFO batch of ten orders of 100 ms each, run one after another.
fn fifo_batch(first_order: u64) -> (String, Vec<(String, u64)>) {
    let messages: Vec<(String, u64)> = (0..10)
        .map(|n| (format!("fifo-msg-{first_order}-{n}"), first_order + n))
        .collect();
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, order)| {
            json!({
                "messageId": id,
                "receiptHandle": format!("handle-{id}"),
                "body": json!({"id": order, "amount": 5.0, "customer": "ada"}).to_string(),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1700000000001",
                    "MessageGroupId": "group-1",
                    "MessageDeduplicationId": format!("dedup-{id}"),
                    "SequenceNumber": format!("{}", 18_000_000_000_000_000_000_u128 + u128::from(*order)),
                },
                "messageAttributes": {},
                "md5OfBody": "00000000000000000000000000000000",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders.fifo",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    (json!({ "Records": records }).to_string(), messages)
}

#[tokio::test]
async fn sigterm_during_a_batch_lists_every_record_not_accepted_then_runs_the_hook() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders", &[("SQS_ORDERS_WRITE_MS", "100")]);
    let (body, messages) = fifo_batch(100);
    let event = Event::new(body, seconds(30));
    let id = event.request_id.clone();
    api.push(event);
    served(&api, &id).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let signalled = Instant::now();
    send_signal(function.pid().expect("running"), "TERM");
    let answer = api.answer(&id, WAIT).await.expect("the batch is answered");
    assert!(answer.answered_at - signalled < Duration::from_millis(500));
    assert_eq!(exits(&mut function).await, 0, "{}", function.stderr());
    let failed: Vec<String> = answer.json()["batchItemFailures"]
        .as_array()
        .expect("an SqsBatchResponse")
        .iter()
        .map(|item| item["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    let stderr = function.stderr();
    let accepted = accepted_orders(&stderr);
    // Some orders were accepted before the cut, some were not.
    assert!(
        !accepted.is_empty() && accepted.len() < 10,
        "{accepted:?}\n{stderr}"
    );
    for (message, order) in &messages {
        assert_eq!(
            failed.contains(message),
            !accepted.contains(order),
            "{message}: listed = {}, accepted = {}",
            failed.contains(message),
            accepted.contains(order)
        );
    }
    // The hook ran once, after the answer, with the warm state.
    let flushed: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("shutting down, flushed"))
        .collect();
    assert_eq!(
        flushed,
        [format!(
            "sqs-orders: shutting down, flushed {} accepted orders",
            accepted.len()
        )]
    );
    assert_eq!(api.answers().len(), 1);
    no_strays(&api);
}

#[tokio::test]
async fn the_hook_runs_when_the_runtime_api_is_gone() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders", &[]);
    let (body, _) = fifo_batch(200);
    let answer = invoke(&api, Event::new(body, seconds(30))).await;
    assert!(answer.outcome.is_ok(), "{answer:?}");
    for _ in 0..5 {
        api.push_fault(PollFault::ServerError);
    }
    assert_eq!(exits(&mut function).await, 1);
    let stderr = function.stderr();
    assert!(
        stderr.contains("sqs-orders: shutting down, flushed 10 accepted orders"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the Runtime API failed 5 polls of /next in a row"),
        "{stderr}"
    );
}

// -------------------------------------------------------- Managed Instances

#[tokio::test]
async fn a_loop_that_gives_up_does_not_drop_the_others_invocations() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[("AWS_LAMBDA_MAX_CONCURRENCY", "2")]);
    // One loop serves a slow invocation ...
    let slow = Event::new(command("sleep", 1500), seconds(10));
    let slow_id = slow.request_id.clone();
    api.push(slow);
    served(&api, &slow_id).await;
    // ... while the other's polls fail five times in a row: it gives up.
    for _ in 0..5 {
        api.push_fault(PollFault::DropConnection);
    }
    let answer = api
        .answer(&slow_id, WAIT)
        .await
        .expect("the slow invocation is answered");
    assert_eq!(answer.json()["ok"], true);
    assert!(function.is_running(), "{}", function.stderr());
    // The remaining loop keeps serving.
    let answer = invoke(&api, Event::new(command("ok", 0), seconds(5))).await;
    assert_eq!(answer.json()["ok"], true);
    assert!(
        function
            .stderr()
            .contains("a serving loop gave up on /next; the others keep serving")
    );
    // When the last loop gives up too, the process exits 1 and says why.
    for _ in 0..5 {
        api.push_fault(PollFault::ServerError);
    }
    assert_eq!(exits(&mut function).await, 1);
    assert!(
        function
            .stderr()
            .contains("the Runtime API failed 5 polls of /next in a row")
    );
    no_strays(&api);
}

#[tokio::test]
async fn a_handler_blocking_its_thread_does_not_stop_the_others_timeouts() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[("AWS_LAMBDA_MAX_CONCURRENCY", "2")]);
    // An invocation with little time, waiting on I/O ...
    let short = Event::new(
        command("sleep", 5000),
        DeadlineHeader::In(Duration::from_millis(800)),
    );
    let short_id = short.request_id.clone();
    let short_invocation = short.invocation_id.clone();
    api.push(short);
    let served_at = served(&api, &short_id).await;
    // ... and another that blocks the thread for 2 s.
    let blocking = Event::new(command("block", 2000), seconds(10));
    let blocking_id = blocking.request_id.clone();
    api.push(blocking);
    let answer = api.answer(&short_id, WAIT).await.expect("answered");
    assert_eq!(answer.error_type(), Some("Timeout"), "{answer:?}");
    assert!(
        answer.error_message().unwrap().contains("watchdog"),
        "{answer:?}"
    );
    assert_eq!(answer.invocation_id, short_invocation);
    let latency = answer.answered_at - served_at;
    assert!(
        latency < Duration::from_millis(800),
        "answered after {latency:?}, past the deadline"
    );
    let answer = api.answer(&blocking_id, WAIT).await.expect("answered");
    assert_eq!(answer.json()["ok"], true);
    // Once the thread is free, the short invocation's own guard finds it
    // answered: no second post.
    let answer = invoke(&api, Event::new(command("ok", 0), seconds(5))).await;
    assert_eq!(answer.json()["ok"], true);
    assert_eq!(api.answers().len(), 3);
    no_strays(&api);
    assert!(
        function
            .stderr()
            .contains("the watchdog already answered Timeout")
    );
    function.kill().await;
}

// ------------------------------------------------------------ bounded exchanges

#[tokio::test]
async fn an_answer_post_that_is_never_replied_to_does_not_stall_the_loop() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "hello", &[]);
    let hung = Event::new(r#"{"name":"Hung"}"#, seconds(10)).answer_hangs();
    let answer = invoke(&api, hung).await;
    assert_eq!(answer.json()["message"], "Hello, Hung!");
    let next = Instant::now();
    let answer = invoke(&api, Event::new(r#"{"name":"Ferris"}"#, seconds(10))).await;
    assert_eq!(answer.json()["message"], "Hello, Ferris!");
    let waited = next.elapsed();
    assert!(
        waited < Duration::from_secs(8),
        "the next invocation waited {waited:?}"
    );
    assert_eq!(api.hung_posts(), 1);
    assert!(
        function.stderr().contains("no reply within 5s"),
        "{}",
        function.stderr()
    );
    no_strays(&api);
    function.kill().await;
}

#[tokio::test]
async fn an_event_over_the_limit_is_refused_without_being_read() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    let pad = "p".repeat(40 * 1024 * 1024);
    for chunked in [false, true] {
        let body = json!({ "action": "ok", "pad": pad }).to_string();
        let mut event = Event::new(body, seconds(10));
        if chunked {
            event = event.chunked();
        }
        let invocation = event.invocation_id.clone();
        let answer = invoke(&api, event).await;
        assert_eq!(
            answer.error_type(),
            Some("InvalidEvent"),
            "chunked: {chunked}"
        );
        let message = answer.error_message().unwrap();
        assert!(
            message.contains("over the 6291556 bytes of Lambda's payload limits"),
            "{message}"
        );
        assert_eq!(answer.invocation_id, invocation);
    }
    // 40 MB was never held: the peak is that of a 6 MB read at most.
    let peak = function.peak_rss_kib().unwrap();
    assert!(peak < 24 * 1024, "peak RSS {peak} KiB");
    let answer = invoke(&api, Event::new(command("ok", 0), seconds(5))).await;
    assert_eq!(answer.json()["ok"], true);
    no_strays(&api);
    function.kill().await;
}

#[tokio::test]
async fn an_error_body_stays_within_lambdas_limit() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    // serde quotes a string of the wrong type with Rust's escapes, which
    // JSON escapes again: each `"` of the event (2 bytes there) is 4 bytes in
    // the error body. A 5.8 MB event would give an 11.6 MB body.
    let ms = "\"".repeat(2_900_000);
    let event = json!({ "action": "ok", "ms": ms }).to_string();
    assert!(event.len() < 6_291_556);
    let answer = invoke(&api, Event::new(event, seconds(10))).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert!(answer.body_len <= 6_291_556, "{} bytes", answer.body_len);
    assert!(answer.body_len > 6_000_000, "{} bytes", answer.body_len);
    let message = answer.error_message().unwrap();
    assert!(
        message.starts_with("ms: invalid type: string"),
        "{}",
        &message[..80]
    );
    let tail = &message[message.len() - 60..];
    assert!(tail.contains(" ... [truncated: the message is "), "{tail}");
    // The function goes on.
    let answer = invoke(&api, Event::new(command("ok", 0), seconds(5))).await;
    assert_eq!(answer.json()["ok"], true);
    no_strays(&api);
    function.kill().await;
}

// --------------------------------------------------------------- request ids

#[tokio::test]
async fn request_ids_cannot_steer_an_answer() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded", &[]);
    let cases = [
        ("victim/response?", "error"),
        ("victim/response#", "error"),
        ("../../init/error", "error"),
        ("a b/../next", "ok"),
        ("réquête-☃", "panic"),
        ("..%2Fnext", "ok"),
    ];
    // The id an error would have been turned into a success for.
    api.push(Event::new(command("sleep", 3000), seconds(10)).with_request_id("victim"));
    served(&api, "victim").await;
    for (id, action) in cases {
        let answer = invoke(
            &api,
            Event::new(command(action, 0), seconds(5)).with_request_id(id),
        )
        .await;
        let expected = match action {
            "ok" => None,
            "error" => Some("GuardedError"),
            _ => Some("Panic"),
        };
        assert_eq!(answer.error_type(), expected, "{id}: {answer:?}");
    }
    let victim = api.answer("victim", WAIT).await.expect("answered");
    assert_eq!(victim.json()["ok"], true);
    // Ids that are only dot segments cannot be a path segment: not served,
    // said why, and the function goes on.
    for id in [".", ".."] {
        api.push(Event::new(command("ok", 0), seconds(5)).with_request_id(id));
    }
    let answer = invoke(&api, Event::new(command("ok", 0), seconds(5))).await;
    assert_eq!(answer.json()["ok"], true);
    assert_eq!(api.answers().len(), cases.len() + 2);
    assert!(
        function
            .stderr()
            .contains("which cannot name an invocation in a URL"),
        "{}",
        function.stderr()
    );
    no_strays(&api);
    function.kill().await;
}
