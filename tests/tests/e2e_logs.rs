//! End to end: the logs the example binaries write on stderr, as CloudWatch
//! receives them — their format (`AWS_LAMBDA_LOG_FORMAT`), their level
//! (`AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`), the invocation's request id and
//! cold start on every line logged during it, and no event payload above
//! `DEBUG`.

use lambda_fn::testing::{Answer, DeadlineHeader, Event, RuntimeApi};
use lambda_fn_tests::{WAIT, example_binary, sample_event, three_seconds};
use serde_json::{Map, Value, json};

/// A string only the events of these tests contain.
const MARKER: &str = "PAYLOAD-MARKER-5b1f0c";

fn event(body: Value) -> Event {
    Event::new(body.to_string(), three_seconds())
}

/// What one run of a function showed.
struct Run {
    /// The answer to each event, in order.
    answers: Vec<Answer>,
    /// The request id of each event, in order.
    ids: Vec<String>,
    /// Everything the process wrote on stderr.
    stderr: String,
}

/// Starts `binary` with `env` on top of Lambda's environment, serves it
/// `events` one at a time (each answered before the next is queued), then
/// stops it and collects its stderr.
async fn serve(binary: &str, env: &[(&str, &str)], events: Vec<Event>) -> Run {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api.spawn(&example_binary(binary), env).unwrap();
    let mut answers = Vec::new();
    let mut ids = Vec::new();
    for event in events {
        let id = event.request_id.clone();
        api.push(event);
        let answer = api.answer(&id, WAIT).await;
        answers.push(answer.unwrap_or_else(|| {
            panic!(
                "{binary}: no answer to {id}; stderr:\n{}",
                function.stderr()
            )
        }));
        ids.push(id);
    }
    function.kill().await;
    // Waiting after the kill drains the stderr pipe to its end.
    function.wait(WAIT).await.expect("the function exits");
    Run {
        answers,
        ids,
        stderr: function.stderr(),
    }
}

/// Every line of `stderr`, each of which must be a JSON object with the
/// keys Lambda reads from JSON logs.
fn json_lines(stderr: &str) -> Vec<Map<String, Value>> {
    assert!(!stderr.trim().is_empty(), "nothing was logged");
    stderr
        .lines()
        .map(|line| {
            let object = match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                _ => panic!("not a JSON object: {line:?}\nstderr:\n{stderr}"),
            };
            let timestamp = field(&object, "timestamp").as_str().unwrap_or_default();
            // RFC 3339, UTC: 2026-11-27T08:00:00.123456Z
            let shape_ok = timestamp.len() == 27
                && timestamp.as_bytes()[10] == b'T'
                && timestamp.ends_with('Z')
                && timestamp[..4].parse::<u16>().is_ok();
            assert!(shape_ok, "timestamp {timestamp:?} in {line}");
            assert!(
                ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
                    .contains(&field(&object, "level").as_str().unwrap_or_default()),
                "level in {line}"
            );
            assert!(field(&object, "message").is_string(), "message in {line}");
            object
        })
        .collect()
}

/// The JSON lines logged with `message` during the invocation `id`.
fn lines_of<'a>(
    lines: &'a [Map<String, Value>],
    id: &str,
    message: &str,
) -> Vec<&'a Map<String, Value>> {
    lines
        .iter()
        .filter(|line| field(line, "requestId") == id && field(line, "message") == message)
        .collect()
}

/// `line[key]`, or `null` when the line has no such key.
fn field<'a>(line: &'a Map<String, Value>, key: &str) -> &'a Value {
    line.get(key).unwrap_or(&Value::Null)
}

fn levels(lines: &[Map<String, Value>]) -> Vec<&str> {
    let mut levels: Vec<&str> = lines
        .iter()
        .map(|line| field(line, "level").as_str().unwrap())
        .collect();
    levels.sort_unstable();
    levels.dedup();
    levels
}

#[tokio::test]
async fn json_format_is_one_object_per_line_with_the_request_id_and_cold_start() {
    let run = serve(
        "guarded",
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
        vec![
            event(json!({ "action": "error" })),
            event(json!({ "action": "error" })),
            event(json!({ "action": "panic" })),
            event(json!({ "action": "ok" })),
        ],
    )
    .await;
    assert_eq!(run.answers[0].error_type(), Some("GuardedError"));
    assert_eq!(run.answers[1].error_type(), Some("GuardedError"));
    assert_eq!(run.answers[2].error_type(), Some("Panic"));
    assert_eq!(run.answers[3].json()["ok"], true);
    let lines = json_lines(&run.stderr);

    for (n, cold_start) in [(0, true), (1, false)] {
        let failed = lines_of(&lines, &run.ids[n], "invocation failed");
        assert_eq!(failed.len(), 1, "invocation {n}:\n{}", run.stderr);
        assert_eq!(field(failed[0], "level"), "ERROR");
        assert_eq!(field(failed[0], "cold_start"), cold_start, "invocation {n}");
        assert_eq!(field(failed[0], "error_type"), "GuardedError");
    }

    // The panic is one JSON line too, in the invocation's span, as well as
    // the runtime's own line about the failed invocation.
    let panic = &run.ids[2];
    let failed = lines_of(&lines, panic, "invocation failed");
    assert_eq!(failed.len(), 1, "{}", run.stderr);
    assert_eq!(field(failed[0], "error_type"), "Panic");
    assert_eq!(field(failed[0], "cold_start"), false);
    let hook = lines_of(&lines, panic, "panicked: boom");
    assert_eq!(hook.len(), 1, "{}", run.stderr);
    assert_eq!(field(hook[0], "level"), "ERROR");
    assert!(
        field(hook[0], "location")
            .as_str()
            .is_some_and(|at| at.contains("guarded.rs")),
        "{:?}",
        hook[0]
    );
    assert!(
        !run.stderr.contains("panicked at"),
        "the default panic hook's text:\n{}",
        run.stderr
    );
}

/// The end of init is one INFO line with its duration and the resident
/// memory against the function's memory setting, before any invocation.
#[tokio::test]
async fn init_logs_its_duration_and_memory_against_the_limit_once() {
    let run = serve(
        "guarded",
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ],
        vec![
            event(json!({ "action": "error" })),
            event(json!({ "action": "error" })),
        ],
    )
    .await;
    let lines = json_lines(&run.stderr);
    let init: Vec<(usize, &Map<String, Value>)> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| {
            field(line, "message")
                .as_str()
                .is_some_and(|message| message.starts_with("init done in "))
        })
        .collect();
    assert_eq!(init.len(), 1, "{}", run.stderr);
    let (at, line) = init[0];
    assert_eq!(field(line, "level"), "INFO");
    assert_eq!(
        field(line, "requestId"),
        &Value::Null,
        "logged outside any invocation"
    );
    let first_invocation = lines
        .iter()
        .position(|line| field(line, "requestId") == &run.ids[0])
        .expect("the first invocation logged");
    assert!(at < first_invocation, "{}", run.stderr);
    let init_ms = field(line, "init_ms").as_f64().expect("init_ms");
    assert!(init_ms > 0.0 && init_ms < 5_000.0, "{line:?}");
    let rss_mb = field(line, "rss_mb").as_f64().expect("rss_mb");
    assert!(rss_mb > 0.5 && rss_mb < 64.0, "{line:?}");
    assert_eq!(field(line, "memory_size_mb"), 256);
    let message = field(line, "message").as_str().unwrap();
    assert!(
        message.contains(&format!("resident memory {rss_mb:.1} MB of 256 MB (")),
        "{message}"
    );
}

/// With concurrent invocations (Lambda Managed Instances, which only log in
/// JSON) each line still names the invocation it was logged in.
#[tokio::test]
async fn concurrent_invocations_each_log_their_own_request_id() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("guarded"),
            &[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_MAX_CONCURRENCY", "4"),
            ],
        )
        .unwrap();
    let events: Vec<Event> = (0..12)
        .map(|n| {
            if n % 3 == 0 {
                event(json!({ "action": "sleep", "ms": 100 }))
            } else {
                event(json!({ "action": "error" }))
            }
        })
        .collect();
    let ids: Vec<String> = events.iter().map(|e| e.request_id.clone()).collect();
    api.push_all(events);
    for id in &ids {
        assert!(api.answer(id, WAIT).await.is_some(), "no answer to {id}");
    }
    function.kill().await;
    function.wait(WAIT).await.expect("the function exits");
    let stderr = function.stderr();
    let lines = json_lines(&stderr);
    let failed: Vec<&Map<String, Value>> = lines
        .iter()
        .filter(|line| field(line, "message") == "invocation failed")
        .collect();
    assert_eq!(failed.len(), 8, "{stderr}");
    let mut cold = Vec::new();
    for line in failed {
        let id = field(line, "requestId").as_str().unwrap_or_default();
        // GuardedError's message names the request it failed in.
        let error = field(line, "error").as_str().unwrap_or_default();
        assert!(
            error.ends_with(&format!("(request {id})")),
            "logged in the span of {id:?}: {error:?}"
        );
        if field(line, "cold_start") == true {
            cold.push(id);
        }
    }
    assert!(cold.len() <= 1, "more than one cold start: {cold:?}");
}

/// A filter that leaves the panic line out does not hide panics: they are
/// printed as Rust prints them by default.
#[tokio::test]
async fn a_panic_filtered_out_of_the_json_logs_is_still_printed() {
    let run = serve(
        "guarded",
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("RUST_LOG", "my_crate=debug"),
        ],
        vec![event(json!({ "action": "panic" }))],
    )
    .await;
    assert_eq!(run.answers[0].error_type(), Some("Panic"));
    assert!(
        run.stderr.contains("panicked at") && run.stderr.contains("boom"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn text_format_by_default_with_the_request_id_on_each_line() {
    for format in [None, Some("TEXT"), Some("anything-else")] {
        let env: Vec<(&str, &str)> = format
            .map(|format| ("AWS_LAMBDA_LOG_FORMAT", format))
            .into_iter()
            .collect();
        let run = serve(
            "guarded",
            &env,
            vec![
                event(json!({ "action": "error" })),
                event(json!({ "action": "error" })),
            ],
        )
        .await;
        assert!(!run.stderr.trim().is_empty(), "{format:?}: nothing logged");
        for line in run.stderr.lines() {
            assert!(
                !serde_json::from_str::<Value>(line).is_ok_and(|value| value.is_object()),
                "{format:?}: a JSON line in text format: {line}"
            );
        }
        assert!(
            !run.stderr.contains('\u{1b}'),
            "{format:?}: ANSI escape codes: {:?}",
            run.stderr
        );
        for (n, cold_start) in [(0, true), (1, false)] {
            let span = format!(
                "invocation{{requestId=\"{}\" cold_start={cold_start}}}",
                run.ids[n]
            );
            let line = run
                .stderr
                .lines()
                .find(|line| line.contains("invocation failed") && line.contains(&span));
            let line = line.unwrap_or_else(|| {
                panic!(
                    "{format:?}: no `invocation failed` line in {span}:\n{}",
                    run.stderr
                )
            });
            assert!(line.contains(" ERROR "), "{line}");
            assert!(line.contains("GuardedError"), "{line}");
        }
    }
}

/// An HTTP API (v2) request to the `http-api` example.
fn http_request(method: &str, path: &str, body: Option<Value>) -> Event {
    let sample = std::fs::read_to_string(sample_event("http-api.json")).unwrap();
    let mut request: Value = serde_json::from_str(&sample).unwrap();
    request["routeKey"] = "$default".into();
    request["requestContext"]["routeKey"] = "$default".into();
    request["rawPath"] = path.into();
    request["requestContext"]["http"]["method"] = method.into();
    request["requestContext"]["http"]["path"] = path.into();
    match body {
        Some(body) => request["body"] = body.to_string().into(),
        None => {
            request.as_object_mut().unwrap().remove("body");
        }
    }
    event(request)
}

fn status(answer: &Answer) -> u64 {
    answer.json()["statusCode"].as_u64().unwrap()
}

/// A `404` (logged at `INFO`: the request was refused) and a `500` (logged
/// at `ERROR`: the handler failed), with `env`.
async fn refused_and_failed(env: &[(&str, &str)]) -> (Run, Vec<Map<String, Value>>) {
    let run = serve(
        "http-api",
        env,
        vec![
            http_request("GET", "/orders/999", None),
            http_request(
                "POST",
                "/orders",
                Some(json!({ "id": 0, "amount": 1.0, "customer": "ada" })),
            ),
        ],
    )
    .await;
    assert_eq!(status(&run.answers[0]), 404, "{env:?}");
    assert_eq!(status(&run.answers[1]), 500, "{env:?}");
    let lines = json_lines(&run.stderr);
    // The error is there at every level used here, in its invocation.
    let failed = lines_of(&lines, &run.ids[1], "the handler failed");
    assert_eq!(failed.len(), 1, "{env:?}:\n{}", run.stderr);
    assert_eq!(field(failed[0], "level"), "ERROR");
    (run, lines)
}

#[tokio::test]
async fn the_log_level_comes_from_lambda_then_rust_log_then_info() {
    const JSON: (&str, &str) = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let info_shown: &[&[(&str, &str)]] = &[
        &[JSON],
        &[
            JSON,
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ("RUST_LOG", "error"),
        ],
        &[JSON, ("RUST_LOG", "warn,lambda_fn::http=info")],
    ];
    for env in info_shown {
        let (run, lines) = refused_and_failed(env).await;
        let refused = lines_of(&lines, &run.ids[0], "the request was refused");
        assert_eq!(refused.len(), 1, "{env:?}:\n{}", run.stderr);
        assert_eq!(field(refused[0], "level"), "INFO");
        assert!(
            !levels(&lines).contains(&"DEBUG"),
            "{env:?}:\n{}",
            run.stderr
        );
    }
    let errors_only: &[&[(&str, &str)]] = &[
        &[JSON, ("AWS_LAMBDA_LOG_LEVEL", "ERROR")],
        &[JSON, ("AWS_LAMBDA_LOG_LEVEL", "fatal")],
        &[
            JSON,
            ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ("RUST_LOG", "debug"),
        ],
        &[JSON, ("RUST_LOG", "error")],
        &[JSON, ("RUST_LOG", "lambda_fn=error")],
    ];
    for env in errors_only {
        let (run, lines) = refused_and_failed(env).await;
        assert_eq!(levels(&lines), ["ERROR"], "{env:?}:\n{}", run.stderr);
    }
}

#[tokio::test]
async fn debug_lines_only_at_debug() {
    // An event without a deadline header is served without a guard, with
    // one DEBUG line saying so.
    let events = || {
        vec![Event::new(
            json!({ "action": "ok" }).to_string(),
            DeadlineHeader::Missing,
        )]
    };
    const JSON: (&str, &str) = ("AWS_LAMBDA_LOG_FORMAT", "JSON");
    for env in [
        &[JSON, ("AWS_LAMBDA_LOG_LEVEL", "DEBUG")][..],
        &[JSON, ("RUST_LOG", "debug")],
        &[JSON, ("RUST_LOG", "lambda_fn=debug")],
    ] {
        let run = serve("guarded", env, events()).await;
        assert_eq!(run.answers[0].json()["ok"], true);
        let lines = json_lines(&run.stderr);
        let debug = lines_of(&lines, &run.ids[0], "no deadline guard for this invocation");
        assert_eq!(debug.len(), 1, "{env:?}:\n{}", run.stderr);
        assert_eq!(field(debug[0], "level"), "DEBUG");
        assert_eq!(field(debug[0], "cold_start"), true);
    }
    for env in [
        &[JSON][..],
        &[
            JSON,
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ("RUST_LOG", "debug"),
        ],
    ] {
        let run = serve("guarded", env, events()).await;
        assert_eq!(run.answers[0].json()["ok"], true);
        assert!(
            !run.stderr.contains("no deadline guard"),
            "{env:?}:\n{}",
            run.stderr
        );
    }
}

/// Events for `guarded` that carry the marker and fail in each way: two
/// that do not decode (serde quotes the offending value), one the handler
/// rejects, one that panics.
fn guarded_marked_events() -> Vec<Event> {
    vec![
        event(json!({ "action": MARKER })),
        event(json!({ "action": "ok", "ms": MARKER })),
        event(json!({ "action": "error", "secret": MARKER })),
        event(json!({ "action": "panic", "secret": MARKER })),
    ]
}

fn check_guarded_marked_answers(run: &Run) {
    // The marker did reach the diagnostics of the undecodable events: a log
    // line that quoted them would show it.
    for answer in &run.answers[..2] {
        assert_eq!(answer.error_type(), Some("InvalidEvent"));
        assert!(
            answer.error_message().unwrap().contains(MARKER),
            "{:?}",
            answer.error_message()
        );
    }
    assert_eq!(run.answers[2].error_type(), Some("GuardedError"));
    assert_eq!(run.answers[3].error_type(), Some("Panic"));
}

#[tokio::test]
async fn payloads_never_reach_the_logs_at_the_default_level() {
    for env in [&[][..], &[("AWS_LAMBDA_LOG_FORMAT", "JSON")]] {
        let run = serve("guarded", env, guarded_marked_events()).await;
        check_guarded_marked_answers(&run);
        assert!(run.stderr.contains("invocation failed"), "{}", run.stderr);
        assert!(
            !run.stderr.contains(MARKER),
            "guarded {env:?} logged a payload:\n{}",
            run.stderr
        );

        // SQS: an undecodable body, a rejected order and a panicking one.
        let record = |n: u32, body: Value| {
            json!({
                "messageId": format!("msg-{n}"),
                "receiptHandle": "AQEB",
                "body": body.to_string(),
                "attributes": { "ApproximateReceiveCount": "1" },
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
                "awsRegion": "us-east-1"
            })
        };
        let batch = json!({ "Records": [
            record(1, json!({ "id": 1, "amount": MARKER, "customer": "ada" })),
            record(2, json!({ "id": 2, "amount": -1.0, "customer": MARKER })),
            record(3, json!({ "id": 0, "amount": 1.0, "customer": MARKER })),
        ]});
        let run = serve("sqs-orders", env, vec![event(batch)]).await;
        let mut failed: Vec<String> = run.answers[0].json()["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
            .collect();
        failed.sort();
        assert_eq!(failed, ["msg-1", "msg-2", "msg-3"]);
        assert!(run.stderr.contains("record failed"), "{}", run.stderr);
        assert!(
            !run.stderr.contains(MARKER),
            "sqs-orders {env:?} logged a payload:\n{}",
            run.stderr
        );

        // HTTP: a body that does not decode, a path that matches no route,
        // a store failure and a panic.
        let run = serve(
            "http-api",
            env,
            vec![
                http_request(
                    "POST",
                    "/orders",
                    Some(json!({ "id": 5, "amount": MARKER, "customer": "ada" })),
                ),
                http_request("GET", &format!("/{MARKER}"), None),
                http_request(
                    "POST",
                    "/orders",
                    Some(json!({ "id": 0, "amount": 1.0, "customer": MARKER })),
                ),
                http_request(
                    "POST",
                    "/orders",
                    Some(json!({ "id": 6, "amount": 1e20, "customer": MARKER })),
                ),
            ],
        )
        .await;
        let statuses: Vec<u64> = run.answers.iter().map(status).collect();
        assert_eq!(statuses, [400, 404, 500, 500]);
        for answer in &run.answers[..2] {
            let body = answer.json()["body"].as_str().unwrap().to_owned();
            assert!(body.contains(MARKER), "{body}");
        }
        assert!(
            run.stderr.contains("the handler panicked"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(MARKER),
            "http-api {env:?} logged a payload:\n{}",
            run.stderr
        );
    }
}

/// The check above can fail: at `DEBUG`, why an event did not decode is
/// logged, quoting the payload — and only at `DEBUG`.
#[tokio::test]
async fn payloads_are_logged_at_debug_only() {
    let run = serve(
        "guarded",
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
        ],
        guarded_marked_events(),
    )
    .await;
    check_guarded_marked_answers(&run);
    let lines = json_lines(&run.stderr);
    let quoting: Vec<&Map<String, Value>> = lines
        .iter()
        .filter(|line| Value::Object((*line).clone()).to_string().contains(MARKER))
        .collect();
    assert_eq!(quoting.len(), 2, "{}", run.stderr);
    for (line, id) in quoting.iter().zip(&run.ids) {
        assert_eq!(field(line, "level"), "DEBUG", "{line:?}");
        assert_eq!(field(line, "message"), "why the event did not decode");
        assert_eq!(field(line, "requestId"), id.as_str());
    }
}
