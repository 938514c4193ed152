//! `#[lambda(s3_batch, init = ..., concurrency = 2)]`: each task's
//! `S3BatchTask` (the key URL-decoded, the job's user arguments) with warm
//! state, answering the task's result string as `String`.

#![deny(warnings)]

use std::sync::Mutex;

use lambda_fn::lambda;
use lambda_fn::s3_batch::S3BatchTask;

/// The keys tagged. A task whose handler fails or panics is a failed task
/// of the answer and the invocation still succeeds: the hook, which local
/// mode runs after the event, checks that both tasks succeeded.
#[derive(Default)]
struct Tagged(Mutex<Vec<String>>);

fn tagged() -> Tagged {
    Tagged::default()
}

async fn both_tagged(tagged: &Tagged) {
    let mut keys = tagged.0.lock().unwrap().clone();
    keys.sort();
    assert_eq!(keys, ["photos/customer imageé.jpg", "reports/2025/q3.csv"]);
}

#[lambda(s3_batch, init = tagged, concurrency = 2, shutdown = both_tagged)]
async fn tag(task: S3BatchTask, tagged: &Tagged) -> Result<String, lambda_fn::Error> {
    assert_eq!(task.bucket, "amzn-s3-demo-bucket");
    assert_eq!(task.schema_version, "2.0");
    assert!(!task.task_id.is_empty() && !task.job_id.is_empty());
    let tag = &task.user_arguments["tag"];
    let result = format!("tagged {} with {tag}", task.key);
    tagged.0.lock().unwrap().push(task.key);
    Ok(result)
}
