//! `#[lambda(s3_batch)]`: S3 Batch Operations' "Invoke AWS Lambda
//! function" operation, one handler call per task, answering each task's
//! result.
//!
//! The handler takes an [`S3BatchTask`]: the bucket, the object key
//! URL-decoded, its version, and the job's user arguments. Invocation schema
//! 1.0 (the bucket by ARN) and 2.0 (the bucket by name, user arguments,
//! directory buckets) are both read
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-invoke-lambda.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/services-s3-batch.html>).
//!
//! The handler returns the task's result string: a `String` as it is, any
//! `R: Serialize` as JSON, or `()` for none. The answer is the job's result
//! document, `{"invocationSchemaVersion", "treatMissingKeysAs",
//! "invocationId", "results": [{"taskId", "resultCode", "resultString"}]}`,
//! with one result per task in task order:
//!
//! - `Succeeded`, with the handler's result string, for `Ok`;
//! - `TemporaryFailure`, which S3 redrives before the job completes, for an
//!   error the handler marks as retryable (a [`TemporaryFailure`], or any
//!   error reported under that `errorType`) and for a task that has not
//!   finished when the deadline guard fires;
//! - `PermanentFailure` for any other error, a panic and a task that does
//!   not decode (its key is not URL-encoded UTF-8, it names no bucket);
//!   the result string is then `<errorType>: <message>`.
//!
//! Every task is answered, so none is left to `treatMissingKeysAs`, which
//! is `PermanentFailure`: a task the answer did not name (none) would not be
//! redriven forever. A failed task never fails the invocation, which would
//! fail every task of it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{self, Encoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::s3::decode_key;
use crate::trigger::{Fixed, Trigger, WithOutput};

crate::trigger::source!("s3_batch");

/// The `errorType` that makes a task's failure a `TemporaryFailure`.
pub const TEMPORARY_FAILURE: &str = "TemporaryFailure";

/// What `treatMissingKeysAs` says in every answer.
const TREAT_MISSING_KEYS_AS: &str = "PermanentFailure";

/// An S3 Batch Operations invocation.
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(from = "Invocation")]
pub struct Job {
    schema_version: String,
    invocation_id: String,
    tasks: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    invocation_schema_version: String,
    invocation_id: String,
    job: RawJob,
    tasks: Vec<Task>,
}

/// A task of the invocation: a JSON object (serde would also read a
/// `RawTask` from an array, field by field, which S3 never sends).
#[derive(Deserialize)]
#[serde(try_from = "serde_json::Value")]
struct Task(RawTask);

impl TryFrom<serde_json::Value> for Task {
    type Error = String;

    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        if !value.is_object() {
            return Err(format!("a task is a JSON object, not {value}"));
        }
        serde_json::from_value(value)
            .map(Task)
            .map_err(|err| err.to_string())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJob {
    id: String,
    #[serde(default)]
    user_arguments: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTask {
    task_id: String,
    s3_key: String,
    #[serde(default)]
    s3_version_id: Option<String>,
    /// Schema 1.0.
    #[serde(default)]
    s3_bucket_arn: Option<String>,
    /// Schema 2.0.
    #[serde(default)]
    s3_bucket: Option<String>,
}

/// One task with its job.
#[doc(hidden)]
#[derive(Debug)]
pub struct Entry {
    job: Arc<RawJob>,
    schema_version: Arc<str>,
    task: RawTask,
}

impl From<Invocation> for Job {
    fn from(invocation: Invocation) -> Self {
        let job = Arc::new(invocation.job);
        let schema_version: Arc<str> = invocation.invocation_schema_version.as_str().into();
        Job {
            schema_version: invocation.invocation_schema_version,
            invocation_id: invocation.invocation_id,
            tasks: invocation
                .tasks
                .into_iter()
                .map(|Task(task)| Entry {
                    job: job.clone(),
                    schema_version: schema_version.clone(),
                    task,
                })
                .collect(),
        }
    }
}

impl Trigger for Source {
    type Event = Job;
    type Record = Entry;
    type Output = String;

    fn id(entry: &Entry) -> Option<String> {
        Some(entry.task.task_id.clone())
    }

    fn records(job: &Job) -> &[Entry] {
        &job.tasks
    }

    fn order(_: &Job, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(job: &Job, outcome: BatchOutcome<String>, _: &Deadline) -> Outcome {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Response<'a> {
            invocation_schema_version: &'a str,
            treat_missing_keys_as: &'static str,
            invocation_id: &'a str,
            results: Vec<TaskResult<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct TaskResult<'a> {
            task_id: &'a str,
            result_code: &'static str,
            result_string: String,
        }
        let results = job
            .tasks
            .iter()
            .zip(outcome.into_results())
            .map(|(entry, result)| {
                let (result_code, result_string) = match result {
                    Ok(result) => ("Succeeded", result),
                    Err(failure) => (result_code(&failure), failure_string(&failure)),
                };
                TaskResult {
                    task_id: &entry.task.task_id,
                    result_code,
                    result_string,
                }
            })
            .collect();
        decode::encode(&Response {
            invocation_schema_version: &job.schema_version,
            treat_missing_keys_as: TREAT_MISSING_KEYS_AS,
            invocation_id: &job.invocation_id,
            results,
        })
        .map(Into::into)
    }
}

/// The result code of a task that failed.
fn result_code(failure: &Failure) -> &'static str {
    match failure {
        Failure::Timeout(_) => "TemporaryFailure",
        Failure::Handler(diagnostic) if diagnostic.error_type == TEMPORARY_FAILURE => {
            "TemporaryFailure"
        }
        _ => "PermanentFailure",
    }
}

fn failure_string(failure: &Failure) -> String {
    format!("{}: {}", failure.error_type(), failure.message())
}

impl WithOutput for Source {
    type Wrapper<R> = R;

    fn output(encoded: Vec<u8>) -> Result<String, Failure> {
        String::from_utf8(encoded).map_err(|err| {
            Failure::InvalidResponse(format!("the task's result string is not UTF-8: {err}"))
        })
    }

    fn unwrap<R>(answer: R, encode: Encoder<R>) -> Result<String, Failure> {
        Self::output(encode(answer)?)
    }
}

/// One task of an S3 Batch Operations job: the object to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3BatchTask {
    /// The task id (what the task's result is answered under).
    pub task_id: String,
    /// The bucket's name.
    pub bucket: String,
    /// The object key, URL-decoded: exactly the key to read the object by.
    pub key: String,
    /// The object's version, for a versioned bucket.
    pub version_id: Option<String>,
    /// The job's id.
    pub job_id: String,
    /// The job's user arguments (schema 2.0; empty for 1.0).
    pub user_arguments: HashMap<String, String>,
    /// `1.0` or `2.0`.
    pub schema_version: String,
}

impl S3BatchTask {
    /// A task on this object with nothing else set, for calling a handler
    /// directly in a test. Set the public fields the handler reads.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            task_id: String::new(),
            bucket: bucket.into(),
            key: key.into(),
            version_id: None,
            job_id: String::new(),
            user_arguments: HashMap::new(),
            schema_version: "2.0".to_owned(),
        }
    }
}

impl Fixed for Source {
    type Payload = S3BatchTask;

    fn payload(entry: &Entry) -> Result<S3BatchTask, Failure> {
        let task = &entry.task;
        let bucket = match (&task.s3_bucket, &task.s3_bucket_arn) {
            (Some(bucket), _) => bucket.clone(),
            (None, Some(arn)) => arn
                .rsplit_once(":::")
                .map_or(arn.as_str(), |(_, bucket)| bucket)
                .to_owned(),
            (None, None) => {
                return Err(Failure::invalid_event(
                    "the task names no bucket: it has neither s3Bucket nor s3BucketArn",
                ));
            }
        };
        let key = decode_key(&task.s3_key).map_err(|err| Failure::InvalidEvent {
            path: Some("s3Key".to_owned()),
            message: err.to_string(),
        })?;
        Ok(S3BatchTask {
            task_id: task.task_id.clone(),
            bucket,
            key,
            version_id: task.s3_version_id.clone().filter(|v| !v.is_empty()),
            job_id: entry.job.id.clone(),
            user_arguments: entry.job.user_arguments.clone(),
            schema_version: entry.schema_version.to_string(),
        })
    }
}

/// An error that makes its task a `TemporaryFailure`, which S3 redrives
/// before the job completes (a throttled request, a dependency briefly
/// down). Any other error makes it a `PermanentFailure`.
///
/// ```
/// use lambda_fn::s3_batch::TemporaryFailure;
/// let err = lambda_fn::Error::from(TemporaryFailure::new("S3 throttled the copy"));
/// assert_eq!(err.error_type(), "TemporaryFailure");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemporaryFailure(String);

impl TemporaryFailure {
    /// A temporary failure with this message (the task's result string).
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for TemporaryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemporaryFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{from_text, from_unit};
    use crate::invocation::{Invocation, call_without_deadline};
    use crate::test_support::{Answer, Tested};
    use crate::trigger::Batch;
    use serde_json::{Value, json};
    use std::time::Duration;

    /// The request event of the Lambda developer guide (schema 1.0; see
    /// `tests/fixtures/README.md`).
    const GUIDE_EVENT: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/s3-batch-lambda-guide-event.json"
    ));

    /// A schema 2.0 invocation of these keys.
    fn job(keys: &[&str]) -> Vec<u8> {
        let tasks: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| json!({"taskId": format!("t{i}"), "s3Key": key, "s3VersionId": null, "s3Bucket": "media"}))
            .collect();
        serde_json::to_vec(&json!({
            "invocationSchemaVersion": "2.0",
            "invocationId": "inv-2",
            "job": {"id": "job-2", "userArguments": {"tag": "archived"}},
            "tasks": tasks
        }))
        .unwrap()
    }

    /// Serves `event` with a handler that fails `.tmp` keys permanently,
    /// `retry` keys temporarily, panics on `panic`, sleeps on `slow` and
    /// answers the tag it put.
    async fn serve(event: &[u8], invocation_deadline: Option<Duration>) -> Answer {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |task: S3BatchTask, _: &Invocation<'_, ()>| {
                if task.key.ends_with(".tmp") {
                    return Err(crate::Error::msg("temporary files are not tagged"));
                }
                if task.key.contains("retry") {
                    return Err(TemporaryFailure::new("throttled").into());
                }
                if task.key.contains("panic") {
                    panic!("boom");
                }
                if task.key.contains("slow") {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Ok(format!(
                    "tagged {}/{} {}",
                    task.bucket,
                    task.key,
                    task.user_arguments.get("tag").map_or("-", String::as_str)
                ))
            },
            <Source as Fixed>::payload,
            |answer| Source::output(from_text(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            4,
        );
        crate::test_support::call_within(&adapter, event, invocation_deadline).await
    }

    fn results(answer: Answer) -> Vec<(String, String, String)> {
        let answer: Value = serde_json::from_slice(&answer.unwrap()).unwrap();
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["taskId"].as_str().unwrap().to_owned(),
                    r["resultCode"].as_str().unwrap().to_owned(),
                    r["resultString"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn schema_1_and_2_tasks_name_their_bucket() {
        let job1: Job = serde_json::from_slice(GUIDE_EVENT).unwrap();
        let task = Source::fixed(&job1.tasks[0]).unwrap();
        assert_eq!(
            task,
            S3BatchTask {
                task_id: "dGFza2lkZ29lc2hlcmUK".to_owned(),
                bucket: "amzn-s3-demo-bucket".to_owned(),
                key: "customerImage1.jpg".to_owned(),
                version_id: Some("1".to_owned()),
                job_id: "f3cc4f60-61f6-4a2b-8a21-d07600c373ce".to_owned(),
                user_arguments: HashMap::new(),
                schema_version: "1.0".to_owned(),
            }
        );
        let job2: Job = serde_json::from_slice(&job(&["photos/my+cat%C3%A9.jpg"])).unwrap();
        let task = Source::fixed(&job2.tasks[0]).unwrap();
        assert_eq!(
            (task.bucket.as_str(), task.key.as_str()),
            ("media", "photos/my caté.jpg")
        );
        assert_eq!(task.user_arguments["tag"], "archived");
        assert_eq!(task.version_id, None);
    }

    #[tokio::test]
    async fn the_guide_event_is_answered_with_the_result_document() {
        let answer: Value =
            serde_json::from_slice(&serve(GUIDE_EVENT, None).await.unwrap()).unwrap();
        assert_eq!(
            answer,
            json!({
                "invocationSchemaVersion": "1.0",
                "treatMissingKeysAs": "PermanentFailure",
                "invocationId": "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
                "results": [{
                    "taskId": "dGFza2lkZ29lc2hlcmUK",
                    "resultCode": "Succeeded",
                    "resultString": "tagged amzn-s3-demo-bucket/customerImage1.jpg -"
                }]
            })
        );
    }

    #[tokio::test]
    async fn each_task_gets_its_result_code() {
        let answer = serve(
            &job(&["a.jpg", "b.tmp", "retry-c.jpg", "panic.jpg", "bad%zz"]),
            None,
        )
        .await;
        assert_eq!(
            results(answer),
            [
                ("t0", "Succeeded", "tagged media/a.jpg archived"),
                ("t1", "PermanentFailure", "HandlerError: temporary files are not tagged"),
                ("t2", "TemporaryFailure", "TemporaryFailure: throttled"),
                ("t3", "PermanentFailure", "Panic: boom"),
                (
                    "t4",
                    "PermanentFailure",
                    "InvalidEvent: s3Key: the object key is not URL-encoded: the `%` at byte 3 is not followed by two hex digits"
                ),
            ]
            .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn tasks_unfinished_at_the_deadline_are_temporary_failures() {
        let answer = serve(&job(&["a.jpg", "slow.jpg"]), Some(Duration::from_secs(3))).await;
        let results = results(answer);
        assert_eq!(results[0].1, "Succeeded");
        assert_eq!(results[1].1, "TemporaryFailure");
        crate::test_support::assert_starts_with(&results[1].2, "Timeout: ");
    }

    #[tokio::test]
    async fn a_unit_answer_is_an_empty_result_string() {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |_: S3BatchTask, _: &Invocation<'_, ()>| Ok(()),
            <Source as Fixed>::payload,
            |answer| Source::output(from_unit(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        let answer = call_without_deadline(&adapter, &job(&["a"])).await;
        assert_eq!(results(answer)[0].2, "");
    }
}
