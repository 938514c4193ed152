//! End to end: response streaming (issue 16), with the release build of the
//! `stream-lines` example against the loopback Runtime API, which records
//! when each chunk of a streamed response arrives and its trailers.
//!
//! - the first line reaches the Runtime API before the handler has written
//!   the second, and each line as it is written, not when the response ends;
//! - the post is in Lambda's streaming mode, with the handler's content type;
//! - an error or a panic after the first byte is reported in the trailers,
//!   after the lines before it, and the process serves on;
//! - the deadline guard ends a stream still running at its budget with a
//!   `Timeout` in the trailers, before Lambda's deadline;
//! - 50 MB are streamed with flat memory;
//! - a caller that goes away stops the stream, and the next invocation is
//!   served.

use std::time::{Duration, Instant};

use lambda_fn::testing::{Answer, Event, Function, RuntimeApi, Streamed};
use lambda_fn_tests::{WAIT, example_binary, seconds, stop};
use serde_json::{Value, json};

/// The `stream-lines` event.
fn lines(fields: Value) -> String {
    fields.to_string()
}

/// Pushes `event` and waits for its answer.
async fn invoke(api: &RuntimeApi, event: Event) -> Answer {
    let id = event.request_id.clone();
    api.push(event);
    api.answer(&id, WAIT)
        .await
        .unwrap_or_else(|| panic!("no answer to {id:?}"))
}

fn spawn(api: &RuntimeApi) -> Function {
    api.spawn(&example_binary("stream-lines"), &[]).unwrap()
}

/// The streamed body's NDJSON lines.
fn json_lines(streamed: &Streamed) -> Vec<Value> {
    String::from_utf8_lossy(&streamed.body)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

fn streamed(answer: &Answer) -> &Streamed {
    answer
        .streamed
        .as_ref()
        .expect("the answer was posted in streaming mode")
}

#[tokio::test]
async fn each_line_is_sent_as_it_is_written() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);
    let answer = invoke(
        &api,
        Event::new(lines(json!({ "lines": 5, "every_ms": 100 })), seconds(10)),
    )
    .await;
    let served = answer.served_at.unwrap();
    let stream = streamed(&answer);
    assert_eq!(stream.content_type.as_deref(), Some("application/x-ndjson"));
    assert!(stream.trailers.is_empty(), "{:?}", stream.trailers);
    let body = json_lines(stream);
    assert_eq!(body.len(), 6);
    assert_eq!(body[0], json!({ "line": 0, "pad": "" }));
    assert_eq!(body[5], json!({ "lines": 5, "bytes": 100 }));

    // The first line is written at once and arrives at once: well before
    // the handler writes the second, 100 ms later.
    let first = stream.first_byte_at().unwrap() - served;
    assert!(
        first < Duration::from_millis(50),
        "first byte after {first:?}"
    );
    // Each line arrives when it is written, 100 ms apart: the response is
    // not buffered until it ends.
    let arrivals: Vec<Duration> = stream.chunks.iter().map(|(at, _)| *at - served).collect();
    assert!(arrivals.len() >= 5, "{arrivals:?}");
    for pair in arrivals.windows(2).take(4) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(80),
            "lines arrived {gap:?} apart: {arrivals:?}"
        );
    }
    // And without delay: line `n` is written `n` × 100 ms after the event
    // (plus the timer's slack); with Nagle's algorithm on the connection, a
    // small write waits for the previous one's ACK (up to 40 ms).
    for (n, arrival) in arrivals.iter().take(5).enumerate() {
        let written = Duration::from_millis(100) * u32::try_from(n).unwrap();
        assert!(
            *arrival < written + Duration::from_millis(15),
            "line {n} arrived {arrival:?} after the event: {arrivals:?}"
        );
    }
    eprintln!("line arrivals: {arrivals:?}");
    assert!(answer.answered_at - served >= Duration::from_millis(400));
    stop(&mut function).await;
}

#[tokio::test]
async fn an_error_or_a_panic_mid_stream_is_in_the_trailers_and_the_process_serves_on() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);

    let failed = invoke(
        &api,
        Event::new(lines(json!({ "lines": 5, "fail_at": 2 })), seconds(10)),
    )
    .await;
    let stream = streamed(&failed);
    // The lines before the failure reached the caller; the failure came
    // after them, as trailers, not as more body.
    assert_eq!(json_lines(stream).len(), 2);
    assert_eq!(failed.error_type(), Some("LineError"));
    assert_eq!(failed.error_message(), Some("failed before line 2"));
    assert!(
        stream
            .trailer("lambda-runtime-function-error-body")
            .is_some()
    );

    let panicked = invoke(
        &api,
        Event::new(lines(json!({ "lines": 5, "panic_at": 3 })), seconds(10)),
    )
    .await;
    assert_eq!(json_lines(streamed(&panicked)).len(), 3);
    assert_eq!(panicked.error_type(), Some("Panic"));
    assert!(
        panicked
            .error_message()
            .unwrap()
            .contains("panicked before line 3"),
        "{:?}",
        panicked.error_message()
    );

    // The process serves on.
    let fine = invoke(&api, Event::new(lines(json!({ "lines": 2 })), seconds(10))).await;
    assert_eq!(json_lines(streamed(&fine)).len(), 3);
    assert!(fine.outcome.is_ok());
    assert!(function.is_running());
    let stderr = stop(&mut function).await;
    assert!(
        stderr.contains("invocation failed while streaming its response"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_deadline_guard_ends_a_stream_that_is_still_running() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);
    // 20 lines 300 ms apart would take 5.7 s; the deadline is 1.5 s away.
    let answer = invoke(
        &api,
        Event::new(lines(json!({ "lines": 20, "every_ms": 300 })), seconds(2)),
    )
    .await;
    let served = answer.served_at.unwrap();
    let deadline = answer.deadline.unwrap();
    assert_eq!(answer.error_type(), Some("Timeout"), "{:?}", answer.outcome);
    // Ended by the guard, before Lambda's deadline.
    assert!(
        answer.answered_at < deadline,
        "{:?}",
        answer.answered_at - served
    );
    assert!(answer.answered_at - served >= Duration::from_millis(1500));
    let sent = json_lines(streamed(&answer)).len();
    assert!((5..=7).contains(&sent), "{sent} lines before the guard");

    let fine = invoke(&api, Event::new(lines(json!({ "lines": 1 })), seconds(10))).await;
    assert!(fine.outcome.is_ok());
    stop(&mut function).await;
}

#[tokio::test]
async fn fifty_megabytes_stream_with_flat_memory() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);
    let mib = 1024 * 1024;
    let started = Instant::now();
    let answer = invoke(
        &api,
        Event::new(lines(json!({ "lines": 50, "size": mib })), seconds(60)),
    )
    .await;
    let elapsed = started.elapsed();
    let stream = streamed(&answer);
    assert!(answer.outcome.is_ok(), "{:?}", answer.error_message());
    assert!(stream.body.len() > 50 * mib, "{}", stream.body.len());
    // The response is far larger than the process ever was: it was sent as
    // it was made, never held whole.
    let peak = function.peak_rss_kib().unwrap();
    assert!(
        peak < 20 * 1024,
        "peak RSS {peak} KiB for a 50 MiB response"
    );
    eprintln!(
        "50 MiB streamed in {elapsed:?}, {} chunks, peak RSS {peak} KiB",
        stream.chunks.len()
    );
    stop(&mut function).await;
}

#[tokio::test]
async fn a_caller_that_goes_away_stops_the_stream() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);
    let event = Event::new(lines(json!({ "lines": 50, "every_ms": 20 })), seconds(10))
        .caller_leaves_after(100);
    let id = event.request_id.clone();
    api.push(event);
    let give_up = Instant::now() + WAIT;
    while !api.cut_streams().contains(&id) {
        assert!(Instant::now() < give_up, "the stream was never cut");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The next invocation is served at once: the abandoned stream (40 more
    // lines, 800 ms) is not run to its end first.
    let started = Instant::now();
    let fine = invoke(&api, Event::new(lines(json!({ "lines": 1 })), seconds(10))).await;
    assert!(fine.outcome.is_ok());
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let stderr = stop(&mut function).await;
    assert!(stderr.contains("the caller went away"), "{stderr}");
    assert!(api.unexpected_posts().is_empty());
}

#[tokio::test]
async fn small_lines_written_back_to_back_are_not_held_back() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api);
    // Small writes 5 ms apart: with Nagle's algorithm, each would wait for
    // the ACK of the one before, which the peer may delay by up to 40 ms.
    let answer = invoke(
        &api,
        Event::new(lines(json!({ "lines": 40, "every_ms": 5 })), seconds(10)),
    )
    .await;
    let served = answer.served_at.unwrap();
    let stream = streamed(&answer);
    let arrivals: Vec<Duration> = stream.chunks.iter().map(|(at, _)| *at - served).collect();
    // Written about 6 ms apart (5 ms sleeps and the timer's slack), they
    // arrive about 6 ms apart: none waits for an ACK.
    assert!(arrivals.len() >= 40, "{arrivals:?}");
    let widest = arrivals
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .max()
        .unwrap();
    assert!(
        widest < Duration::from_millis(20),
        "a line was held back {widest:?}: {arrivals:?}"
    );
    stop(&mut function).await;
}

// ---------------------------------------------------------------------------
// `#[lambda(http, stream)]`: `stream-report`, an axum Router behind a
// function URL in `RESPONSE_STREAM` mode.

/// A function URL event for `GET path?query`.
fn function_url_get(path: &str, query: &[(&str, &str)]) -> String {
    let mut event: Value =
        serde_json::from_str(&lambda_fn_tests::http::Door::FunctionUrl.event("GET", path, None))
            .unwrap();
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    event["rawQueryString"] = raw.join("&").into();
    event["queryStringParameters"] = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    event.to_string()
}

/// The prelude of a streamed HTTP response and the body after it.
fn prelude_and_body(stream: &Streamed) -> (Value, Vec<u8>) {
    assert_eq!(
        stream.content_type.as_deref(),
        Some("application/vnd.awslambda.http-integration-response")
    );
    let at = stream
        .body
        .windows(8)
        .position(|window| window == [0; 8])
        .expect("the prelude ends with eight NUL bytes");
    let prelude = serde_json::from_slice(&stream.body[..at]).expect("the prelude is JSON");
    (prelude, stream.body[at + 8..].to_vec())
}

#[tokio::test]
async fn an_http_response_streams_after_its_prelude() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api.spawn(&example_binary("stream-report"), &[]).unwrap();
    let answer = invoke(
        &api,
        Event::new(function_url_get("/report", &[("rows", "20")]), seconds(10)),
    )
    .await;
    let served = answer.served_at.unwrap();
    let stream = streamed(&answer);
    assert!(stream.trailers.is_empty(), "{:?}", stream.trailers);
    let (prelude, body) = prelude_and_body(stream);
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(prelude["headers"]["content-type"], "application/x-ndjson");
    let body = String::from_utf8(body).unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 21);
    assert_eq!(lines[0], json!({ "row": 0 }));
    assert_eq!(lines[20], json!({ "rows": 20, "done": true }));
    // The prelude and the first row arrive at once; the rest as written,
    // 10 ms apart, so the response took about 190 ms to stream.
    let first = stream.first_byte_at().unwrap() - served;
    assert!(
        first < Duration::from_millis(30),
        "first byte after {first:?}"
    );
    let last = stream.chunks.last().unwrap().0 - served;
    assert!(last >= Duration::from_millis(180), "all within {last:?}");
    assert!(
        stream.chunks.len() >= 20,
        "{} chunks: the body was not buffered",
        stream.chunks.len()
    );

    // A bad query is answered 400 before any streaming starts.
    let refused = invoke(
        &api,
        Event::new(function_url_get("/report", &[("rows", "x")]), seconds(10)),
    )
    .await;
    let (prelude, body) = prelude_and_body(streamed(&refused));
    assert_eq!(prelude["statusCode"], 400);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "rows must be a whole number, not \"x\"");

    // Server-sent events from axum's `Sse`.
    let events = invoke(
        &api,
        Event::new(function_url_get("/events", &[("count", "3")]), seconds(10)),
    )
    .await;
    let (prelude, body) = prelude_and_body(streamed(&events));
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(prelude["headers"]["content-type"], "text/event-stream");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "event: tick\ndata: 0\n\nevent: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n"
    );

    let missing = invoke(
        &api,
        Event::new(function_url_get("/nope", &[]), seconds(10)),
    )
    .await;
    let (prelude, _) = prelude_and_body(streamed(&missing));
    assert_eq!(prelude["statusCode"], 404);
    stop(&mut function).await;
}

#[tokio::test]
async fn an_http_stream_that_fails_after_its_prelude_reports_it_in_the_trailers() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api.spawn(&example_binary("stream-report"), &[]).unwrap();
    let failed = invoke(
        &api,
        Event::new(
            function_url_get("/report", &[("rows", "5"), ("fail_at", "3")]),
            seconds(10),
        ),
    )
    .await;
    // The 200 and the rows before the failure reached the caller; the
    // failure came after them, as trailers, and the invocation failed.
    let stream = streamed(&failed);
    let (prelude, body) = prelude_and_body(stream);
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "{\"row\":0}\n{\"row\":1}\n{\"row\":2}\n"
    );
    assert!(failed.error_type().is_some(), "{:?}", failed.outcome);
    assert!(
        failed
            .error_message()
            .unwrap()
            .contains("the report's source failed at row 3"),
        "{:?}",
        failed.error_message()
    );
    assert!(
        stream
            .trailer("lambda-runtime-function-error-body")
            .is_some()
    );
    // The process serves on.
    let fine = invoke(
        &api,
        Event::new(function_url_get("/report", &[("rows", "2")]), seconds(10)),
    )
    .await;
    assert!(fine.outcome.is_ok(), "{:?}", fine.outcome);
    assert!(function.is_running());
    let stderr = stop(&mut function).await;
    assert!(
        stderr.contains("invocation failed while streaming its response"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_http_stream_is_guarded_and_stops_when_its_caller_leaves() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api.spawn(&example_binary("stream-report"), &[]).unwrap();
    // 1,000 rows 10 ms apart take 10 s; the deadline is 2 s away. The
    // status was sent with the prelude, so the guard's `Timeout` comes in
    // the trailers, before Lambda's deadline.
    let timed_out = invoke(
        &api,
        Event::new(function_url_get("/report", &[("rows", "1000")]), seconds(2)),
    )
    .await;
    assert_eq!(
        timed_out.error_type(),
        Some("Timeout"),
        "{:?}",
        timed_out.outcome
    );
    assert!(timed_out.answered_at < timed_out.deadline.unwrap());
    let (prelude, body) = prelude_and_body(streamed(&timed_out));
    assert_eq!(prelude["statusCode"], 200);
    let rows = String::from_utf8(body).unwrap().lines().count();
    assert!((100..1000).contains(&rows), "{rows} rows before the guard");

    // A caller that leaves after the first rows: the rest are not produced,
    // and the next request is served at once.
    let event = Event::new(
        function_url_get("/report", &[("rows", "1000")]),
        seconds(20),
    )
    .caller_leaves_after(300);
    let id = event.request_id.clone();
    api.push(event);
    let give_up = Instant::now() + WAIT;
    while !api.cut_streams().contains(&id) {
        assert!(Instant::now() < give_up, "the stream was never cut");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let next = invoke(
        &api,
        Event::new(function_url_get("/report", &[("rows", "1")]), seconds(10)),
    )
    .await;
    assert!(next.outcome.is_ok());
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let stderr = stop(&mut function).await;
    assert!(stderr.contains("the caller went away"), "{stderr}");
}
