//! End to end: `s3-objects` sees every object key URL-decoded, answers the
//! keys it processed, and fails the invocation naming each failed object.

use std::time::Duration;

use lambda_fn_tests::{assert_invalid_event, logged, sample_event, serve, stop, three_seconds};
use serde_json::{Value, json};

const BUCKET: &str = "uploads";

/// An S3 event of one record per `(event name, key as S3 sends it, size)`.
fn event(objects: &[(&str, &str, Option<u64>)]) -> String {
    let records: Vec<Value> = objects
        .iter()
        .enumerate()
        .map(|(i, (event_name, key, size))| {
            let mut object = json!({ "key": key, "sequencer": format!("0055AED6DCD9028{i:03X}") });
            if let Some(size) = size {
                object["size"] = json!(size);
                object["eTag"] = json!("d41d8cd98f00b204e9800998ecf8427e");
            }
            json!({
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "eu-west-1",
                "eventTime": "2025-11-27T08:00:00.000Z",
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": format!("REQ{i}")},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "catalogue",
                    "bucket": {"name": BUCKET, "arn": "arn:aws:s3:::uploads"},
                    "object": object
                }
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

fn created(key: &str, size: u64) -> (&str, &str, Option<u64>) {
    ("ObjectCreated:Put", key, Some(size))
}

/// The `bucket/key` paths the function logged as catalogued.
fn catalogued(stderr: &str) -> Vec<String> {
    logged(stderr, "catalogued s3://", " as ")
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn keys_reach_the_handler_url_decoded() {
    let (api, mut function) = serve("s3-objects").await;
    let answer = api
        .invoke(
            event(&[
                created("my+file%C3%A9.txt", 10),
                created("a%2Bb/100%25+done", 20),
                created("plain.csv", 30),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(
        answer.json(),
        json!({ "processed": ["my fileé.txt", "a+b/100% done", "plain.csv"] })
    );
    let sample = std::fs::read(sample_event("s3-objects.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await;
    assert_eq!(
        answer.json(),
        json!({ "processed": ["reports/my fileé.txt", "reports/2025/q3 summary.csv"] })
    );
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    let mut catalogued = catalogued(&function.stderr());
    catalogued.sort();
    assert_eq!(
        catalogued,
        [
            "acme-reports/reports/2025/q3 summary.csv",
            "acme-reports/reports/my fileé.txt",
            "uploads/a+b/100% done",
            "uploads/my fileé.txt",
            "uploads/plain.csv",
        ]
    );
}

#[tokio::test]
async fn a_failed_object_fails_the_invocation_naming_it() {
    let (api, mut function) = serve("s3-objects").await;
    let answer = api
        .invoke(
            event(&[created("ok.txt", 1), created("my+file%C3%A9.txt", 0)]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("EmptyObject"));
    assert_eq!(
        answer.error_message(),
        Some(
            "1 of 2 records failed: s3://uploads/my fileé.txt: EmptyObject: my fileé.txt is empty"
        )
    );
    // A key that does not URL-decode fails its record as `InvalidEvent`,
    // named as S3 sent it; a deletion needs no size.
    let answer = api
        .invoke(
            event(&[
                created("bad%ZZkey", 1),
                created("half%C3", 1),
                ("ObjectRemoved:Delete", "ok.txt", None),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(
        answer.error_message(),
        Some(
            "2 of 3 records failed: \
             s3://uploads/bad%ZZkey: InvalidEvent: the object key is not URL-encoded: the `%` at byte 3 is not followed by two hex digits; \
             s3://uploads/half%C3: InvalidEvent: the object key is not UTF-8 once URL-decoded: invalid byte at offset 4 of the decoded key"
        )
    );
    let stderr = stop(&mut function).await;
    // Records are independent: the good ones were processed all the same.
    assert_eq!(catalogued(&stderr), ["uploads/ok.txt"]);
    assert!(
        stderr.contains("removed s3://uploads/ok.txt (0 catalogued)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_panicking_object_fails_only_its_invocation() {
    let (api, mut function) = serve("s3-objects").await;
    let answer = api
        .invoke(
            event(&[
                created("reports/q4/", 0),
                created("reports/q4/sales.csv", 5),
            ]),
            three_seconds(),
        )
        .await;
    assert_eq!(answer.error_type(), Some("Panic"));
    assert_eq!(
        answer.error_message(),
        Some("1 of 2 records failed: s3://uploads/reports/q4/: Panic: every key names a file")
    );
    // The process survived the panic and serves the next event.
    let answer = api
        .invoke(event(&[created("next.txt", 1)]), three_seconds())
        .await;
    assert_eq!(answer.json(), json!({ "processed": ["next.txt"] }));
    assert!(function.is_running());
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    let mut catalogued = catalogued(&function.stderr());
    catalogued.sort();
    assert_eq!(
        catalogued,
        ["uploads/next.txt", "uploads/reports/q4/sales.csv"]
    );
}

#[tokio::test]
async fn a_wrong_envelope_is_invalid_event() {
    let (api, mut function) = serve("s3-objects").await;
    let answer = api
        .invoke(r#"{"Records": [{"s3": "nope"}]}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "Records[0]");
    function.kill().await;
}
