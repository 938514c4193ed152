//! End to end: `s3-batch-tag` answers an S3 Batch Operations invocation with
//! a result code per task, whatever happens to each.

use std::time::Duration;

use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{assert_invalid_event, example_binary, sample_event, serve, three_seconds};
use serde_json::{Value, json};

/// A schema `version` invocation with tasks `t<i>` on these keys.
fn job(version: &str, keys: &[&str]) -> String {
    let tasks: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let mut task = json!({"taskId": format!("t{i}"), "s3Key": key, "s3VersionId": null});
            if version == "1.0" {
                task["s3BucketArn"] = "arn:aws:s3:::media-archive".into();
            } else {
                task["s3Bucket"] = "media-archive".into();
            }
            task
        })
        .collect();
    let mut job = json!({"id": "c7e1a1d4-5b2e-4a8e-9c6e-0f6f2c9e1a11"});
    if version == "2.0" {
        job["userArguments"] = json!({"tag": "cold"});
    }
    json!({
        "invocationSchemaVersion": version,
        "invocationId": format!("invocation-{version}"),
        "job": job,
        "tasks": tasks
    })
    .to_string()
}

/// `(taskId, resultCode, resultString)` of each result.
fn results(answer: &Value) -> Vec<(String, String, String)> {
    answer["results"]
        .as_array()
        .expect("an S3 Batch Operations response")
        .iter()
        .map(|result| {
            (
                result["taskId"].as_str().unwrap().to_owned(),
                result["resultCode"].as_str().unwrap().to_owned(),
                result["resultString"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn owned(results: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    results
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_sample_job_gets_a_result_code_per_task() {
    let (api, mut function) = serve("s3-batch-tag").await;
    let sample = std::fs::read_to_string(sample_event("s3-batch-tag.json")).unwrap();
    let answer = api.invoke(sample, three_seconds()).await.json();
    assert_eq!(answer["invocationSchemaVersion"], "2.0");
    assert_eq!(answer["treatMissingKeysAs"], "PermanentFailure");
    assert_eq!(
        answer["invocationId"],
        "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo"
    );
    assert_eq!(
        results(&answer),
        owned(&[
            (
                "dGFza2lkZ29lc2hlcmUK",
                "Succeeded",
                "tagged s3://amzn-s3-demo-bucket/photos/customer imageé.jpg (photos) with archived"
            ),
            (
                "dGFza2lkZ29lc2hlcmUL",
                "PermanentFailure",
                "TemporaryObject: uploads/part-0001.tmp is a temporary object and is not tagged"
            ),
            (
                "dGFza2lkZ29lc2hlcmUM",
                "TemporaryFailure",
                "TemporaryFailure: tagging photos/retry-customerImage2.jpg was throttled"
            ),
        ])
    );
    function.kill().await;
}

#[tokio::test]
async fn both_schemas_and_every_fault_are_answered_per_task() {
    let (api, mut function) = serve("s3-batch-tag").await;
    let answer = api
        .invoke(job("1.0", &["2026/report%2B1.pdf"]), three_seconds())
        .await
        .json();
    assert_eq!(answer["invocationSchemaVersion"], "1.0");
    assert_eq!(
        results(&answer),
        owned(&[(
            "t0",
            "Succeeded",
            "tagged s3://media-archive/2026/report+1.pdf (2026) with processed"
        )])
    );
    let keys = [
        "a/1.jpg",
        "a/2.tmp",
        "a/retry-3.jpg",
        "root.jpg",
        "a/%ZZ.jpg",
        "a/%FF.jpg",
    ];
    let answer = api.invoke(job("2.0", &keys), three_seconds()).await.json();
    assert_eq!(
        results(&answer),
        owned(&[
            (
                "t0",
                "Succeeded",
                "tagged s3://media-archive/a/1.jpg (a) with cold"
            ),
            (
                "t1",
                "PermanentFailure",
                "TemporaryObject: a/2.tmp is a temporary object and is not tagged"
            ),
            (
                "t2",
                "TemporaryFailure",
                "TemporaryFailure: tagging a/retry-3.jpg was throttled"
            ),
            (
                "t3",
                "PermanentFailure",
                "Panic: every object is in a folder"
            ),
            (
                "t4",
                "PermanentFailure",
                "InvalidEvent: s3Key: the object key is not URL-encoded: the `%` at byte 2 is not followed by two hex digits"
            ),
            (
                "t5",
                "PermanentFailure",
                "InvalidEvent: s3Key: the object key is not UTF-8 once URL-decoded: invalid byte at offset 2 of the decoded key"
            ),
        ])
    );
    assert!(function.is_running(), "a panic does not end the process");
    function.kill().await;
}

#[tokio::test]
async fn tasks_unfinished_at_the_deadline_are_temporary_failures() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = api
        .spawn(
            &example_binary("s3-batch-tag"),
            &[("S3_BATCH_TAG_MS", "100")],
        )
        .unwrap();
    // 12 tasks of 100 ms, four at a time: 300 ms, past 250 − 100 ms.
    let keys: Vec<String> = (0..12).map(|i| format!("logs/{i}.gz")).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let answer = api
        .invoke(
            job("2.0", &keys),
            DeadlineHeader::In(Duration::from_millis(250)),
        )
        .await;
    assert!(answer.answered_at < answer.deadline.unwrap());
    let results = results(&answer.json());
    assert_eq!(results.len(), 12, "every task is answered");
    let succeeded = results.iter().filter(|r| r.1 == "Succeeded").count();
    let redriven = results
        .iter()
        .filter(|r| r.1 == "TemporaryFailure" && r.2.starts_with("Timeout: "))
        .count();
    assert!(succeeded >= 4 && redriven > 0, "{results:?}");
    assert_eq!(succeeded + redriven, 12, "{results:?}");
    function.kill().await;
}

#[tokio::test]
async fn an_invocation_that_is_not_s3_batch_is_invalid_event() {
    let (api, mut function) = serve("s3-batch-tag").await;
    let answer = api
        .invoke(r#"{"invocationSchemaVersion": "2.0"}"#, three_seconds())
        .await;
    assert_invalid_event(&answer, "missing field `invocationId`");
    function.kill().await;
}
