//! End to end: `logs-alerts` expands CloudWatch Logs deliveries (bounded:
//! a gzip bomb is refused), handles each log event, acknowledges control
//! messages, and fails the invocation naming every failed event.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_invalid_event, batch::base64, example_binary, logged, sample_event, serve, stop,
    three_seconds,
};
use serde_json::{Value, json};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A delivery of `document`, gzip-compressed and base64-encoded.
fn delivery(document: &Value) -> String {
    let data = base64(&gzip(document.to_string().as_bytes()));
    json!({"awslogs": {"data": data}}).to_string()
}

/// A data message of `stream` in `/aws/lambda/orders` with these messages,
/// events `<stream>-<i>`.
fn messages(stream: &str, messages: &[String]) -> String {
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, message)| {
            json!({"id": format!("{stream}-{i}"), "timestamp": 1764720000000i64 + i as i64, "message": message})
        })
        .collect();
    delivery(&json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/orders",
        "logStream": stream,
        "subscriptionFilters": ["errors"],
        "logEvents": events
    }))
}

/// `n` lines, every third an `ERROR`.
fn lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            if i % 3 == 0 {
                format!("[ERROR] request {i} failed")
            } else {
                format!("[INFO] request {i} ok")
            }
        })
        .collect()
}

/// `(event id, running count)` of each ERROR line the function logged.
fn alerts(stderr: &str) -> Vec<(String, u64)> {
    logged(stderr, "ERROR line ", " so far")
        .map(|line| {
            let (id, rest) = line.split_once(' ').unwrap();
            let count = rest.rsplit(": ").next().unwrap().parse().unwrap();
            (id.to_owned(), count)
        })
        .collect()
}

/// The function's peak resident memory, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kib| kib.trim().trim_end_matches(" kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test]
async fn error_lines_are_counted_per_stream_across_deliveries() {
    let (api, mut function) = serve("logs-alerts").await;
    let sample = std::fs::read_to_string(sample_event("logs-alerts.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null, "{:?}", answer.error_message());
    for stream in ["a", "b", "a"] {
        let answer = api
            .invoke(messages(stream, &lines(30)), three_seconds())
            .await;
        assert_eq!(answer.json(), Value::Null, "{:?}", answer.error_message());
    }
    let stderr = stop(&mut function).await;
    let alerts = alerts(&stderr);
    // The sample: two ERROR lines of one stream.
    assert_eq!(alerts[..2].iter().map(|a| a.1).collect::<Vec<_>>(), [1, 2]);
    // Then 10 ERROR lines per delivery; stream `a` reaches 20 in the same
    // warm state.
    let highest = |stream: &str| {
        alerts
            .iter()
            .filter(|(id, _)| id.starts_with(&format!("{stream}-")))
            .map(|a| a.1)
            .max()
    };
    assert_eq!(highest("a"), Some(20));
    assert_eq!(highest("b"), Some(10));
    assert_eq!(alerts.len(), 2 + 30);
}

#[tokio::test]
async fn a_control_message_is_acknowledged_without_the_handler() {
    let (api, mut function) = serve("logs-alerts").await;
    let control = delivery(&json!({
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1764720000000i64, "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda. ERROR"}]
    }));
    let answer = api.invoke(control, three_seconds()).await;
    assert_eq!(answer.json(), Value::Null);
    let stderr = stop(&mut function).await;
    assert!(alerts(&stderr).is_empty(), "{stderr}");
}

#[tokio::test]
async fn failures_fail_the_invocation_naming_every_failed_event() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("logs-alerts"),
            &[("LOGS_ALERTS_PAGER_DOWN", "1")],
        )
        .unwrap();
    let answer = api.invoke(messages("a", &lines(7)), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("PagerDown"));
    assert_eq!(
        answer.error_message(),
        Some(
            "3 of 7 records failed: a-0: PagerDown: the pager is down; a-3: PagerDown: the pager is down; a-6: PagerDown: the pager is down"
        )
    );
    function.kill().await;

    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("logs-alerts"),
            &[("LOGS_ALERTS_PAGE_MS", "100")],
        )
        .unwrap();
    // 20 ERROR lines of 100 ms, eight at a time: 300 ms, past 250 − 100 ms.
    let answer = api
        .invoke(
            messages("slow", &lines(60)),
            DeadlineHeader::In(Duration::from_millis(250)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    assert_eq!(answer.error_type(), Some("Timeout"));
    let message = answer.error_message().unwrap().to_owned();
    let stderr = stop(&mut function).await;
    let counted: BTreeSet<String> = alerts(&stderr).into_iter().map(|a| a.0).collect();
    let unfinished: BTreeSet<String> = message
        .split("; ")
        .filter_map(|part| part.split_once(": Timeout: "))
        .map(|(id, _)| id.rsplit(' ').next().unwrap().to_owned())
        .collect();
    assert!(counted.len() >= 8 && !unfinished.is_empty(), "{message}");
    // Every ERROR line was either counted or reported unfinished, never
    // both: nothing is lost or counted twice when Lambda retries.
    let errors: BTreeSet<String> = (0..60).step_by(3).map(|i| format!("slow-{i}")).collect();
    assert!(counted.is_disjoint(&unfinished), "{message}");
    let unfinished_errors: BTreeSet<String> = unfinished.intersection(&errors).cloned().collect();
    assert_eq!(
        counted
            .union(&unfinished_errors)
            .cloned()
            .collect::<BTreeSet<_>>(),
        errors,
        "{message}"
    );
}

#[tokio::test]
async fn a_gzip_bomb_is_refused_without_being_expanded() {
    let (api, mut function) = serve("logs-alerts").await;
    // 200 MiB of one repeated log line compress to about 200 KB.
    let line = b"[ERROR] the same line again\n".repeat(1 << 15);
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    for _ in 0..(200 << 20) / line.len() {
        encoder.write_all(&line).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let event = json!({"awslogs": {"data": base64(&bomb)}}).to_string();
    let started = Instant::now();
    let answer = api.invoke(event.clone(), three_seconds()).await;
    let took = started.elapsed();
    assert_invalid_event(
        &answer,
        "awslogs.data: refused: it says it expands to 209190912 bytes, past the 33554432 bytes a delivery may hold",
    );
    // A trailer that lies is caught while expanding, at the limit.
    let mut liar = bomb.clone();
    let at = liar.len() - 4;
    liar[at..].copy_from_slice(&1024u32.to_le_bytes());
    let answer = api
        .invoke(
            json!({"awslogs": {"data": base64(&liar)}}).to_string(),
            three_seconds(),
        )
        .await;
    assert_invalid_event(
        &answer,
        "awslogs.data: refused: it expands past the 33554432 bytes a delivery may hold",
    );
    // The process never held the 200 MiB: its peak memory stays within the
    // 32 MiB limit and what the event itself takes.
    let peak = peak_rss_kib(function.pid().unwrap());
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // Not gzip, not base64: refused too, and the process serves on.
    let answer = api
        .invoke(r#"{"awslogs": {"data": "aGVsbG8="}}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "awslogs.data: not gzip");
    let answer = api
        .invoke(messages("after", &lines(3)), three_seconds())
        .await;
    assert_eq!(answer.json(), Value::Null);
    function.kill().await;
}
