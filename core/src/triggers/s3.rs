//! `#[lambda(s3)]`: one handler call per S3 event notification record.
//!
//! The handler's payload is an [`S3Object`]: the bucket, the object key
//! URL-decoded (S3 writes keys in notifications form-encoded, so
//! `my+file%C3%A9.txt` reaches the handler as `my fileé.txt`), and the
//! object's size, ETag, version and sequencer with the event's name, time
//! and region. A key that does not URL-decode to UTF-8 text fails its record
//! as `InvalidEvent`. (S3 documents the key in notifications as URL-encoded:
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html>.)
//!
//! S3 invokes a function asynchronously and has no partial-failure
//! protocol: the invocation succeeds only when every record succeeded, and
//! then answers `{"processed": ["reports/my fileé.txt", ...]}`, the decoded
//! key of every object in event order. Lambda hands that answer to the
//! function's on-success destination, if it has one
//! (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html>),
//! and local mode prints it. Any record that fails to decode, returns `Err` or panics fails the
//! invocation, and the error names each failed record as `s3://bucket/key`
//! (the key decoded, or as S3 sent it when it does not decode); Lambda then
//! retries the whole event (twice by default) before sending it to the
//! function's on-failure destination or dead-letter queue. A retry runs
//! every record of the event again, so handlers should be idempotent. When
//! an event carries several records they are independent, and up to
//! `concurrency` run at once.

use std::fmt;
use std::time::SystemTime;

use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use serde::Serialize;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode;
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Fixed, Trigger};

crate::trigger::source!("s3");

impl Trigger for Source {
    type Event = S3Event;
    type Record = S3EventRecord;
    type Output = ();

    fn id(record: &S3EventRecord) -> Option<String> {
        let entity = &record.s3;
        let raw_key = entity.object.key.as_deref()?;
        // Named by the key the handler sees, so that logs and errors match
        // the object's name in the console; an undecodable key can only be
        // named as sent.
        let key = decode_key(raw_key).unwrap_or_else(|_| raw_key.to_owned());
        let bucket = entity.bucket.name.as_deref().unwrap_or_default();
        Some(format!("s3://{bucket}/{key}"))
    }

    fn records(event: &S3Event) -> &[S3EventRecord] {
        &event.records
    }

    fn order(_: &S3Event, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(event: &S3Event, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        outcome.into_invocation_result(deadline)?;
        // Every record succeeded, so every key decoded.
        let processed = event
            .records
            .iter()
            .map(|record| Self::payload(record).map(|object| object.key))
            .collect::<Result<_, _>>()?;
        decode::encode(&Processed { processed }).map(Into::into)
    }
}

/// The answer when every record succeeded.
#[derive(Serialize)]
struct Processed {
    /// The decoded key of each object, in event order.
    processed: Vec<String>,
}

/// The object an S3 event notification record is about, with its key
/// URL-decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Object {
    /// The bucket's name.
    pub bucket: String,
    /// The object key, URL-decoded: exactly the key to read the object by.
    pub key: String,
    /// The object's size in bytes (not given for deletions).
    pub size: Option<u64>,
    /// The object's ETag (not given for deletions).
    pub etag: Option<String>,
    /// The object's version id, when the bucket is versioned.
    pub version_id: Option<String>,
    /// Orders the events of one key: of two events for the same key, the
    /// one with the greater sequencer (compared as hex strings of equal
    /// length, padded with leading zeros) happened last.
    pub sequencer: Option<String>,
    /// The event's name: `ObjectCreated:Put`, `ObjectRemoved:Delete`, ...
    pub event_name: Option<String>,
    /// When the event happened.
    pub event_time: SystemTime,
    /// The bucket's region.
    pub region: Option<String>,
}

impl S3Object {
    /// The object `key` in `bucket` with nothing else known (the event time
    /// is the Unix epoch), for calling a handler directly in a test. Set the
    /// public fields the handler reads.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            size: None,
            etag: None,
            version_id: None,
            sequencer: None,
            event_name: None,
            event_time: SystemTime::UNIX_EPOCH,
            region: None,
        }
    }

    /// Whether the event is an `ObjectCreated:*` event (put, post, copy,
    /// multipart upload completed).
    pub fn is_created(&self) -> bool {
        self.event_name_is("ObjectCreated:")
    }

    /// Whether the event is an `ObjectRemoved:*` event (deleted, or a delete
    /// marker created).
    pub fn is_removed(&self) -> bool {
        self.event_name_is("ObjectRemoved:")
    }

    fn event_name_is(&self, prefix: &str) -> bool {
        self.event_name
            .as_deref()
            .is_some_and(|name| name.starts_with(prefix))
    }
}

/// The handler's payload: the record's object, its key URL-decoded.
impl Fixed for Source {
    type Payload = S3Object;

    fn payload(record: &S3EventRecord) -> Result<S3Object, Failure> {
        let entity = &record.s3;
        let bucket = entity
            .bucket
            .name
            .clone()
            .ok_or_else(|| Failure::invalid_event("the record has no bucket name"))?;
        let raw_key = entity
            .object
            .key
            .as_deref()
            .ok_or_else(|| Failure::invalid_event("the record has no object key"))?;
        let key = decode_key(raw_key).map_err(|err| Failure::invalid_event(err.to_string()))?;
        let size = entity
            .object
            .size
            .map(u64::try_from)
            .transpose()
            .map_err(|_| Failure::invalid_event("the object size is negative"))?;
        Ok(S3Object {
            bucket,
            key,
            size,
            etag: entity.object.e_tag.clone(),
            version_id: entity.object.version_id.clone(),
            sequencer: entity.object.sequencer.clone(),
            event_name: record.event_name.clone(),
            event_time: record.event_time.into(),
            region: record.aws_region.clone(),
        })
    }
}

/// Why an object key did not URL-decode.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKey {
    /// A `%` at this byte offset is not followed by two hex digits.
    MalformedEscape {
        /// The byte offset of the `%` in the key as sent.
        at: usize,
    },
    /// The decoded bytes are not UTF-8.
    NotUtf8 {
        /// The offset of the first invalid byte in the decoded key.
        at: usize,
    },
}

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedEscape { at } => write!(
                f,
                "the object key is not URL-encoded: the `%` at byte {at} is not followed by two hex digits"
            ),
            Self::NotUtf8 { at } => write!(
                f,
                "the object key is not UTF-8 once URL-decoded: invalid byte at offset {at} of the decoded key"
            ),
        }
    }
}

impl std::error::Error for InvalidKey {}

/// Decodes an object key as S3 writes it in event notifications
/// (`application/x-www-form-urlencoded`): `+` is a space and `%XX` is the
/// byte `XX`, the bytes together being UTF-8. `%2B` is a literal `+`.
///
/// ```
/// # use lambda_fn::s3::decode_key;
/// assert_eq!(decode_key("reports/my+file%C3%A9.txt").unwrap(), "reports/my fileé.txt");
/// assert_eq!(decode_key("a%2Bb").unwrap(), "a+b");
/// assert!(decode_key("100%").is_err());
/// ```
pub fn decode_key(key: &str) -> Result<String, InvalidKey> {
    if !key.contains(['+', '%']) {
        return Ok(key.to_owned());
    }
    let bytes = key.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => {
                decoded.push(b' ');
                at += 1;
            }
            b'%' => {
                let byte = match bytes.get(at + 1..at + 3) {
                    Some(&[high, low]) => hex_digit(high).zip(hex_digit(low)),
                    _ => None,
                };
                let Some((high, low)) = byte else {
                    return Err(InvalidKey::MalformedEscape { at });
                };
                decoded.push((high << 4) | low);
                at += 3;
            }
            byte => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|err| InvalidKey::NotUtf8 {
        at: err.utf8_error().valid_up_to(),
    })
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).map(|digit| digit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_failure, assert_starts_with};
    use std::time::Duration;

    /// The sample events shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-s3-event.json"
    ));
    const FIXTURE_WITH_DECODED: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-s3-event-with-decoded.json"
    ));

    /// An event of one `ObjectCreated:Put` record per `(key, size)`.
    fn event_with_objects(objects: &[(&str, i64)]) -> Vec<u8> {
        let records: Vec<serde_json::Value> = objects
            .iter()
            .enumerate()
            .map(|(i, (key, size))| {
                serde_json::json!({
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "eu-west-1",
                    "eventTime": "2025-11-27T08:00:00.000Z",
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "AWS:EXAMPLE"},
                    "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                    "responseElements": {"x-amz-request-id": format!("req-{i}")},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "uploads",
                        "bucket": {"name": "uploads", "arn": "arn:aws:s3:::uploads"},
                        "object": {"key": key, "size": size, "sequencer": format!("00{i}")}
                    }
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap()
    }

    fn first_record(event: &[u8]) -> S3EventRecord {
        let event: S3Event = serde_json::from_slice(event).unwrap();
        event.records.into_iter().next().unwrap()
    }

    async fn serve(event: &[u8]) -> Answer {
        let handler = async |object: S3Object, _: &Invocation<'_, ()>| {
            if object.size == Some(0) {
                return Err(crate::Error::msg(format!("{} is empty", object.key))
                    .with_error_type("EmptyObject"));
            }
            if object.key.ends_with(".crash") {
                panic!("cannot read {}", object.key);
            }
            Ok(())
        };
        serve_batch::<Source, _, _>(handler, <Source as Fixed>::payload, 4, event).await
    }

    #[test]
    fn keys_are_url_decoded() {
        let cases = [
            ("plain/key.txt", "plain/key.txt"),
            ("", ""),
            ("my+file%C3%A9.txt", "my fileé.txt"),
            ("Happy%20Face.jpg", "Happy Face.jpg"),
            ("a%2Bb+c", "a+b c"),
            ("100%25", "100%"),
            ("%e2%82%ac%E2%82%AC", "€€"),
            ("%2520", "%20"),
            ("déjà+vu", "déjà vu"),
            ("++", "  "),
        ];
        for (raw, decoded) in cases {
            assert_eq!(decode_key(raw).as_deref(), Ok(decoded), "{raw}");
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let cases = [
            ("100%", InvalidKey::MalformedEscape { at: 3 }),
            ("a%2", InvalidKey::MalformedEscape { at: 1 }),
            ("a%zz", InvalidKey::MalformedEscape { at: 1 }),
            ("a%+1", InvalidKey::MalformedEscape { at: 1 }),
            // `%` followed by a multi-byte character.
            ("%é1", InvalidKey::MalformedEscape { at: 0 }),
            ("ok%C3", InvalidKey::NotUtf8 { at: 2 }),
            ("%FF", InvalidKey::NotUtf8 { at: 0 }),
            ("a+%C3%28", InvalidKey::NotUtf8 { at: 2 }),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_key(raw), Err(expected), "{raw}");
        }
        assert_eq!(
            InvalidKey::MalformedEscape { at: 3 }.to_string(),
            "the object key is not URL-encoded: the `%` at byte 3 is not followed by two hex digits"
        );
    }

    #[test]
    fn fixture_decodes_into_an_object() {
        let object = Source::fixed(&first_record(FIXTURE)).unwrap();
        let mut expected = S3Object::new("sourcebucket", "Happy Face.jpg");
        expected.size = Some(1024);
        expected.etag = Some("d41d8cd98f00b204e9800998ecf8427e".to_owned());
        expected.version_id = Some("version".to_owned());
        expected.sequencer = Some("Happy Sequencer".to_owned());
        expected.event_name = Some("ObjectCreated:Put".to_owned());
        // 1970-01-01T00:00:00.123Z
        expected.event_time = SystemTime::UNIX_EPOCH + Duration::from_millis(123);
        expected.region = Some("us-east-1".to_owned());
        assert_eq!(object, expected);
        assert!(object.is_created() && !object.is_removed());
        assert_eq!(
            Source::id(&first_record(FIXTURE)).as_deref(),
            Some("s3://sourcebucket/Happy Face.jpg")
        );
    }

    #[test]
    fn decoding_agrees_with_the_fixture_decoded_key() {
        let record = first_record(FIXTURE_WITH_DECODED);
        assert_eq!(
            Some(Source::fixed(&record).unwrap().key),
            record.s3.object.url_decoded_key
        );
    }

    #[test]
    fn a_record_without_key_or_bucket_is_invalid() {
        let mut record = first_record(FIXTURE);
        record.s3.object.key = None;
        let err = Source::fixed(&record).unwrap_err();
        assert_failure(&err, "InvalidEvent", "the record has no object key");
        assert_eq!(Source::id(&record), None);
        let mut record = first_record(FIXTURE);
        record.s3.bucket.name = None;
        assert_eq!(
            Source::fixed(&record).unwrap_err().error_message,
            "the record has no bucket name"
        );
        let mut record = first_record(FIXTURE);
        record.s3.object.size = Some(-1);
        assert_eq!(
            Source::fixed(&record).unwrap_err().error_message,
            "the object size is negative"
        );
    }

    #[test]
    fn a_deletion_has_no_size() {
        let mut event: serde_json::Value = serde_json::from_slice(FIXTURE).unwrap();
        let record = &mut event["Records"][0];
        record["eventName"] = "ObjectRemoved:Delete".into();
        let object = &mut record["s3"]["object"];
        object.as_object_mut().unwrap().remove("size");
        object.as_object_mut().unwrap().remove("eTag");
        let object = Source::fixed(&first_record(&serde_json::to_vec(&event).unwrap())).unwrap();
        assert_eq!((object.size, object.etag.as_deref()), (None, None));
        assert!(object.is_removed() && !object.is_created());
    }

    fn json(outcome: Answer) -> serde_json::Value {
        serde_json::from_slice(&outcome.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn success_answers_the_decoded_keys_in_event_order() {
        let answer = serve(&event_with_objects(&[
            ("a.txt", 1),
            ("reports/my+file%C3%A9.txt", 2),
            ("b%2Bc.txt", 3),
        ]))
        .await;
        assert_eq!(
            json(answer),
            serde_json::json!({ "processed": ["a.txt", "reports/my fileé.txt", "b+c.txt"] })
        );
        assert_eq!(
            json(serve(FIXTURE).await),
            serde_json::json!({ "processed": ["Happy Face.jpg"] })
        );
        assert_eq!(
            json(serve(br#"{"Records": []}"#).await),
            serde_json::json!({ "processed": [] })
        );
    }

    #[tokio::test]
    async fn a_failed_record_fails_the_invocation_and_is_named_by_its_decoded_key() {
        let err = serve(&event_with_objects(&[
            ("ok.txt", 10),
            ("reports/my+file%C3%A9.txt", 0),
        ]))
        .await
        .unwrap_err();
        assert_failure(
            &err,
            "EmptyObject",
            "1 of 2 records failed: s3://uploads/reports/my fileé.txt: EmptyObject: reports/my fileé.txt is empty",
        );
        let err = serve(&event_with_objects(&[
            ("bad%zzkey", 1),
            ("x.crash", 1),
            ("fine", 1),
        ]))
        .await
        .unwrap_err();
        assert_failure(
            &err,
            "RecordsFailed",
            "2 of 3 records failed: \
             s3://uploads/bad%zzkey: InvalidEvent: the object key is not URL-encoded: the `%` at byte 3 is not followed by two hex digits; \
             s3://uploads/x.crash: Panic: cannot read x.crash",
        );
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let err = serve(br#"{"Records": [{"s3": 5}]}"#).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "Records[0]");
    }
}
