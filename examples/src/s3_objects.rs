//! `s3-objects`: keeps a catalogue of the objects uploaded to a bucket.
//!
//! Each S3 event notification record reaches the handler as an
//! `S3Object` whose key is already URL-decoded: S3 sends
//! `reports/my+file%C3%A9.txt`, the handler sees `reports/my fileé.txt`.
//! A created object is catalogued with its size, a removed one dropped. An
//! empty upload is rejected with `EmptyObject`; a console "folder" (a key
//! ending in `/`) hits a bug in this example and panics. When every record
//! succeeds the `s3` trigger answers the decoded keys it processed; when any
//! fails, the invocation fails with an error naming each failed object, and
//! Lambda retries the event.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin s3-objects -- --event examples/events/s3-objects.json
//! {"processed":["reports/my fileé.txt","reports/2025/q3 summary.csv"]}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use lambda_fn::s3::S3Object;
use lambda_fn::{Context, lambda};

/// An upload of zero bytes: it fails its invocation.
#[derive(Debug)]
pub struct EmptyObject {
    key: String,
}

impl fmt::Display for EmptyObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is empty", self.key)
    }
}

impl std::error::Error for EmptyObject {}

/// Warm state: a stand-in for the catalogue table, built once. Maps
/// `bucket/key` to the object's size.
#[derive(Debug, Default)]
pub struct Catalogue {
    objects: Mutex<BTreeMap<String, u64>>,
}

fn catalogue() -> Catalogue {
    Catalogue::default()
}

/// Catalogues one object.
///
/// # Errors
///
/// Returns an [`EmptyObject`] when a created object's size is zero (or the
/// record carries no size); this fails the invocation, naming the object.
///
/// # Panics
///
/// Panics when the key does not name a file (it is empty or ends in `/`, as
/// the S3 console's "folders" do), a bug left in on purpose: the panic fails
/// the invocation like an error, and the process keeps serving.
#[lambda(s3, init = catalogue, concurrency = 4)]
pub async fn s3_objects(
    object: S3Object,
    catalogue: &Catalogue,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    // A bug in this example, to show that a panic fails only its record
    // and the process keeps serving: it assumes every key names a file, but
    // the S3 console creates "folders" as keys ending in `/`.
    let file_name = object
        .key
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .expect("every key names a file");
    let path = format!("{}/{}", object.bucket, object.key);
    let mut objects = catalogue
        .objects
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if object.is_removed() {
        objects.remove(&path);
        eprintln!(
            "request {}: removed s3://{path} ({} catalogued)",
            ctx.request_id,
            objects.len()
        );
        return Ok(());
    }
    let size = object.size.unwrap_or_default();
    if size == 0 {
        return Err(EmptyObject { key: object.key }.into());
    }
    objects.insert(path.clone(), size);
    eprintln!(
        "request {}: catalogued s3://{path} as {file_name} ({size} bytes, {} catalogued)",
        ctx.request_id,
        objects.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object as the `s3` trigger hands it over: key already decoded
    /// (`reports/my+file%C3%A9.txt` in `examples/events/s3-objects.json`).
    fn uploaded(key: &str, size: u64) -> S3Object {
        let mut object = S3Object::new("acme-reports", key);
        object.event_name = Some("ObjectCreated:Put".into());
        object.size = Some(size);
        object
    }

    fn catalogued(catalogue: &Catalogue) -> Vec<(String, u64)> {
        let objects = catalogue.objects.lock().unwrap();
        objects.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    #[tokio::test]
    async fn catalogues_an_upload_and_drops_it_when_removed() {
        let catalogue = catalogue();
        let ctx = Context::default();
        s3_objects(uploaded("reports/my fileé.txt", 1024), &catalogue, &ctx)
            .await
            .unwrap();
        assert_eq!(
            catalogued(&catalogue),
            vec![("acme-reports/reports/my fileé.txt".to_owned(), 1024)]
        );

        let mut removed = S3Object::new("acme-reports", "reports/my fileé.txt");
        removed.event_name = Some("ObjectRemoved:Delete".into());
        s3_objects(removed, &catalogue, &ctx).await.unwrap();
        assert!(catalogued(&catalogue).is_empty());
    }

    #[tokio::test]
    async fn refuses_an_empty_upload() {
        let catalogue = catalogue();
        let err = s3_objects(
            uploaded("reports/empty.csv", 0),
            &catalogue,
            &Context::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type(), "EmptyObject");
        assert_eq!(err.to_string(), "reports/empty.csv is empty");
        assert!(catalogued(&catalogue).is_empty());
    }

    #[tokio::test]
    #[should_panic(expected = "every key names a file")]
    async fn a_console_folder_hits_the_bug_left_in() {
        let _ = s3_objects(
            uploaded("reports/2025/", 0),
            &catalogue(),
            &Context::default(),
        )
        .await;
    }
}
