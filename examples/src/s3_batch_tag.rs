//! `s3-batch-tag`: an S3 Batch Operations job's "Invoke AWS Lambda
//! function" operation, one handler call per task, answering each task's
//! result code.
//!
//! For each object of the job's manifest (its key URL-decoded), the
//! function "tags" it with the job's `tag` user argument (schema 2.0;
//! `processed` without it) and answers `Succeeded` with a result string
//! saying so. An object key ending in `.tmp` is a `PermanentFailure`
//! (`TemporaryObject`); one containing `retry` stands for a throttled
//! request and is a `TemporaryFailure`, which S3 redrives before the job
//! completes; a key of an object at the bucket's root hits a bug left in on
//! purpose and panics, a `PermanentFailure` too. `S3_BATCH_TAG_MS` sets how
//! long tagging takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin s3-batch-tag -- --event examples/events/s3-batch-tag.json
//! {"invocationSchemaVersion":"2.0","treatMissingKeysAs":"PermanentFailure","invocationId":"...","results":[...]}
//! ```

use std::fmt;
use std::time::Duration;

use lambda_fn::lambda;
use lambda_fn::s3_batch::{S3BatchTask, TemporaryFailure};

/// A temporary object, which is never tagged.
#[derive(Debug)]
pub struct TemporaryObject(String);

impl fmt::Display for TemporaryObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is a temporary object and is not tagged", self.0)
    }
}

impl std::error::Error for TemporaryObject {}

/// Warm state: how long tagging takes.
#[derive(Debug)]
pub struct Tagger {
    each: Duration,
}

fn tagger() -> Tagger {
    let ms = std::env::var("S3_BATCH_TAG_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Tagger {
        each: Duration::from_millis(ms),
    }
}

/// Tags one object, answering the task's result string.
///
/// # Errors
///
/// Returns [`TemporaryObject`] for a `.tmp` key (`PermanentFailure`) and a
/// [`TemporaryFailure`] for a key containing `retry`.
///
/// # Panics
///
/// Panics on an object at the bucket's root, a bug left in on purpose.
#[lambda(s3_batch, init = tagger, concurrency = 4)]
pub async fn s3_batch_tag(task: S3BatchTask, tagger: &Tagger) -> Result<String, lambda_fn::Error> {
    let extension = std::path::Path::new(&task.key).extension();
    if extension.is_some_and(|extension| extension.eq_ignore_ascii_case("tmp")) {
        return Err(TemporaryObject(task.key).into());
    }
    if task.key.contains("retry") {
        return Err(TemporaryFailure::new(format!("tagging {} was throttled", task.key)).into());
    }
    // The bug: an object at the bucket's root has no folder.
    let (folder, _) = task
        .key
        .rsplit_once('/')
        .expect("every object is in a folder");
    tokio::time::sleep(tagger.each).await;
    let tag = task
        .user_arguments
        .get("tag")
        .map_or("processed", String::as_str);
    Ok(format!(
        "tagged s3://{}/{} ({folder}) with {tag}",
        task.bucket, task.key
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> Tagger {
        Tagger {
            each: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn tags_an_object_with_the_jobs_tag() {
        let mut task = S3BatchTask::new("media", "photos/cat.jpg");
        task.user_arguments.insert("tag".into(), "archived".into());
        assert_eq!(
            s3_batch_tag(task, &quick()).await.unwrap(),
            "tagged s3://media/photos/cat.jpg (photos) with archived"
        );
    }

    #[tokio::test]
    async fn temporary_objects_and_throttling_fail_differently() {
        let err = s3_batch_tag(S3BatchTask::new("media", "tmp/upload.tmp"), &quick())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "TemporaryObject");
        let err = s3_batch_tag(S3BatchTask::new("media", "photos/retry-me.jpg"), &quick())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "TemporaryFailure");
    }
}
