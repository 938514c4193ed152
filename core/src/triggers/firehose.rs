//! `#[lambda(firehose)]`: Amazon Data Firehose record transformation, one
//! handler call per record, answering the transformed record.
//!
//! The handler's payload is the record's data (base64 in the event, decoded
//! before anything else) decoded from JSON into `T`, or the raw data as
//! `String` / `Vec<u8>`; or a [`FirehoseRecord<T>`] that also carries the
//! record id, arrival time and, for a Kinesis source, its shard metadata.
//!
//! The handler returns the transformed record: any `R: Serialize` (written
//! as JSON), a `String` or `Vec<u8>` (written as they are), or a
//! [`Transformed<R>`] that can also drop the record or give it partition
//! keys for dynamic partitioning (`!{partitionKeyFromLambda:<key>}` in the
//! delivery stream's S3 prefix).
//!
//! The answer is Firehose's transformation response
//! (<https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html>):
//! `{"records": [{"recordId", "result", "data", "metadata"}]}`, one entry per
//! record in input order, with `data` base64-encoded. `result` is `Ok` for a
//! transformed record, `Dropped` for one the handler dropped, and
//! `ProcessingFailed` for a record that does not decode, whose handler
//! returns `Err` or panics, or that has not finished when the deadline
//! guard fires: Firehose delivers it to the stream's error output with its
//! original data, which the answer carries. Such a record never fails the
//! invocation, which would make Firehose retry the whole batch.
//!
//! Firehose names every record by its `recordId`; a record without one
//! cannot be answered, so it fails the whole invocation (`InvalidEvent`),
//! and Firehose retries the batch.
//!
//! Lambda returns at most 6 MB to Firehose
//! (<https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html>):
//! an answer past it fails the invocation as `InvalidResponse`, naming its
//! size, and Firehose retries the batch; lower the processor's
//! `BufferSizeInMBs` so that a transformed batch fits. Records run
//! independently, up to `concurrency` at once.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_lambda_events::event::firehose::{KinesisFirehoseEvent, KinesisFirehoseEventRecord};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{self, Body, Decoder, Encoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody, WithOutput};

crate::trigger::source!("firehose");

/// The most Lambda returns to Firehose: 6 MB.
pub const RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

impl Trigger for Source {
    type Event = KinesisFirehoseEvent;
    type Record = KinesisFirehoseEventRecord;
    type Output = Transform;

    fn id(record: &KinesisFirehoseEventRecord) -> Option<String> {
        record.record_id.clone().filter(|id| !id.is_empty())
    }

    fn records(event: &KinesisFirehoseEvent) -> &[KinesisFirehoseEventRecord] {
        &event.records
    }

    fn order(_: &KinesisFirehoseEvent, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(
        event: &KinesisFirehoseEvent,
        outcome: BatchOutcome<Transform>,
        _: &Deadline,
    ) -> Outcome {
        #[derive(Serialize)]
        struct Response<'a> {
            records: Vec<Answered<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Answered<'a> {
            record_id: &'a str,
            result: &'static str,
            data: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            metadata: Option<Metadata>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Metadata {
            partition_keys: BTreeMap<String, String>,
        }
        let mut records = Vec::with_capacity(event.records.len());
        for (index, (record, result)) in
            event.records.iter().zip(outcome.into_results()).enumerate()
        {
            let record_id = record
                .record_id
                .as_deref()
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    Failure::invalid_event(format!(
                        "record {index} has no recordId to answer it by, so the whole batch fails"
                    ))
                })?;
            let original = || STANDARD.encode(&record.data.0);
            records.push(match result {
                Ok(Transform::Record {
                    data,
                    partition_keys,
                }) => Answered {
                    record_id,
                    result: "Ok",
                    data: STANDARD.encode(data),
                    metadata: (!partition_keys.is_empty()).then_some(Metadata { partition_keys }),
                },
                Ok(Transform::Dropped) => Answered {
                    record_id,
                    result: "Dropped",
                    data: original(),
                    metadata: None,
                },
                Err(_) => Answered {
                    record_id,
                    result: "ProcessingFailed",
                    data: original(),
                    metadata: None,
                },
            });
        }
        let answer = decode::encode(&Response { records })?;
        if answer.len() > RESPONSE_LIMIT {
            return Err(Failure::InvalidResponse(format!(
                "the transformed batch of {} records is {} bytes, past the 6 MB ({RESPONSE_LIMIT} bytes) Lambda returns to Firehose, which retries the whole batch: lower the processor's BufferSizeInMBs so that a transformed batch fits",
                event.records.len(),
                answer.len()
            )));
        }
        Ok(answer.into())
    }
}

/// What the answer keeps of a transformed record (hidden: users return
/// [`Transformed`] or the data itself).
#[doc(hidden)]
#[derive(Debug)]
pub enum Transform {
    Record {
        data: Vec<u8>,
        partition_keys: BTreeMap<String, String>,
    },
    Dropped,
}

/// What a Firehose handler may answer instead of the transformed data
/// itself: the record, with partition keys for dynamic partitioning, or
/// "drop it".
///
/// ```
/// use lambda_fn::firehose::Transformed;
/// # #[derive(serde::Serialize)] struct Line { level: String }
/// # let line = Line { level: "info".into() };
/// let kept = Transformed::record(line).with_partition_key("level", "info");
/// let dropped = Transformed::<Line>::dropped();
/// # let _ = (kept, dropped);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Transformed<R> {
    data: Option<R>,
    partition_keys: BTreeMap<String, String>,
}

impl<R> Transformed<R> {
    /// The transformed record: answered `Ok` with `data`, encoded as a
    /// handler's plain answer would be.
    pub fn record(data: R) -> Self {
        Self {
            data: Some(data),
            partition_keys: BTreeMap::new(),
        }
    }

    /// Drop the record: answered `Dropped`, so Firehose delivers nothing
    /// for it and counts it processed.
    pub fn dropped() -> Self {
        Self {
            data: None,
            partition_keys: BTreeMap::new(),
        }
    }

    /// Adds a partition key (`metadata.partitionKeys`), for a delivery
    /// stream with dynamic partitioning. Ignored for a dropped record.
    pub fn with_partition_key(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.partition_keys.insert(key.into(), value.into());
        self
    }

    /// The data, unless the record is dropped.
    pub fn data(&self) -> Option<&R> {
        self.data.as_ref()
    }

    /// Whether the record is dropped.
    pub fn is_dropped(&self) -> bool {
        self.data.is_none()
    }

    /// The partition keys.
    pub fn partition_keys(&self) -> &BTreeMap<String, String> {
        &self.partition_keys
    }
}

impl WithOutput for Source {
    type Wrapper<R> = Transformed<R>;

    fn output(encoded: Vec<u8>) -> Result<Transform, Failure> {
        Ok(Transform::Record {
            data: encoded,
            partition_keys: BTreeMap::new(),
        })
    }

    fn unwrap<R>(answer: Transformed<R>, encode: Encoder<R>) -> Result<Transform, Failure> {
        Ok(match answer.data {
            Some(data) => Transform::Record {
                data: encode(data)?,
                partition_keys: answer.partition_keys,
            },
            None => Transform::Dropped,
        })
    }
}

/// One Firehose record with its data decoded: take `FirehoseRecord<T>`
/// instead of `T` to see the record id, arrival time and Kinesis metadata.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FirehoseRecord<T> {
    /// The record id (what the answer names the record by).
    pub record_id: String,
    /// The data, base64-decoded and then decoded with the handler's decoder.
    pub data: T,
    /// When Firehose received the record.
    pub approximate_arrival_timestamp: SystemTime,
    /// For a delivery stream reading a Kinesis stream: the record's shard.
    pub shard_id: Option<String>,
    /// For a Kinesis source: the partition key the producer chose.
    pub partition_key: Option<String>,
    /// For a Kinesis source: the record's sequence number.
    pub sequence_number: Option<String>,
}

impl<T> FirehoseRecord<T> {
    /// A record with this id and data and nothing else set (the arrival
    /// time is the Unix epoch), for calling a handler directly in a test.
    pub fn new(record_id: impl Into<String>, data: T) -> Self {
        Self {
            record_id: record_id.into(),
            data,
            approximate_arrival_timestamp: SystemTime::UNIX_EPOCH,
            shard_id: None,
            partition_key: None,
            sequence_number: None,
        }
    }
}

/// `aws_lambda_events` has already base64-decoded the data while decoding
/// the event, so the body decoder sees the bytes the producer put.
impl WithBody for Source {
    type Wrapper<B> = FirehoseRecord<B>;

    fn body<B>(record: &KinesisFirehoseEventRecord, decode: Decoder<B>) -> Result<B, Failure> {
        decode(Body::Bytes(&record.data.0))
    }

    fn wrap<B>(
        record: &KinesisFirehoseEventRecord,
        decode: Decoder<B>,
    ) -> Result<FirehoseRecord<B>, Failure> {
        let kinesis = record.kinesis_firehose_record_metadata.as_ref();
        Ok(FirehoseRecord {
            record_id: record.record_id.clone().unwrap_or_default(),
            data: Self::body(record, decode)?,
            approximate_arrival_timestamp: SystemTime::from(*record.approximate_arrival_timestamp),
            shard_id: kinesis.and_then(|k| k.shard_id.clone()),
            partition_key: kinesis.and_then(|k| k.partition_key.clone()),
            sequence_number: kinesis.and_then(|k| k.sequence_number.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{from_text, json, text, to_json};
    use crate::invocation::{Invocation, call_without_deadline};
    use crate::test_support::{Answer, Tested};
    use crate::trigger::Batch;
    use serde::Deserialize;
    use serde_json::{Value, json};
    use std::time::{Duration, UNIX_EPOCH};

    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-firehose-event.json"
    ));

    fn event_with_data(data: &[&[u8]]) -> Vec<u8> {
        let records: Vec<_> = data
            .iter()
            .enumerate()
            .map(|(i, data)| {
                json!({
                    "recordId": format!("r{i}"),
                    "approximateArrivalTimestamp": 1764230400250i64,
                    "data": STANDARD.encode(data)
                })
            })
            .collect();
        serde_json::to_vec(&json!({
            "invocationId": "inv-1",
            "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/logs",
            "region": "eu-west-1",
            "records": records
        }))
        .unwrap()
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct Line {
        level: String,
        #[serde(default)]
        drop: bool,
    }

    /// Serves `event` with a handler that drops `drop` lines, fails `error`
    /// ones, panics on `panic` ones and keys the rest by level.
    async fn serve(event: &[u8], concurrency: usize) -> Answer {
        let handler = async |line: Line, _: &Invocation<'_, ()>| {
            match line.level.as_str() {
                "error" => return Err(crate::Error::msg("no errors here")),
                "panic" => panic!("boom"),
                _ => {}
            }
            if line.drop {
                return Ok(Transformed::dropped());
            }
            let level = line.level.clone();
            Ok(Transformed::record(line).with_partition_key("level", level))
        };
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            handler,
            |r| Source::body(r, json::<Line>),
            |answer| Source::unwrap(answer, to_json::<Line>),
            crate::IntoDiagnostic::into_diagnostic,
            concurrency,
        );
        call_without_deadline(&adapter, event).await
    }

    fn records(answer: Answer) -> Vec<Value> {
        let answer: Value = serde_json::from_slice(&answer.unwrap()).unwrap();
        answer["records"].as_array().unwrap().clone()
    }

    fn decoded(record: &Value) -> String {
        String::from_utf8(STANDARD.decode(record["data"].as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn fixture_records_arrive_decoded() {
        let event: KinesisFirehoseEvent = serde_json::from_slice(FIXTURE).unwrap();
        let record = Source::record(&event.records[1], text).unwrap();
        assert_eq!(record.data, "Hello World");
        assert_eq!(record.record_id, "record2");
        assert_eq!(
            record.approximate_arrival_timestamp,
            UNIX_EPOCH + Duration::from_millis(1_507_217_624_302)
        );
        assert_eq!(record.shard_id.as_deref(), Some("shardId-000000000001"));
        assert_eq!(
            record.sequence_number.as_deref(),
            Some("49546986683135544286507457936321625675700192471156785155")
        );
    }

    #[tokio::test]
    async fn the_fixture_transformed_as_text() {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |text: String, _: &Invocation<'_, ()>| Ok(text.to_uppercase() + "\n"),
            |r| Source::body(r, text),
            |answer| Source::output(from_text(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        let records = records(call_without_deadline(&adapter, FIXTURE).await);
        assert_eq!(
            records,
            [
                json!({"recordId": "record1", "result": "Ok", "data": STANDARD.encode("HELLO WORLD\n")}),
                json!({"recordId": "record2", "result": "Ok", "data": STANDARD.encode("HELLO WORLD\n")}),
            ]
        );
    }

    #[tokio::test]
    async fn every_record_is_answered_in_input_order_and_failures_keep_their_data() {
        let data: [&[u8]; 6] = [
            br#"{"level":"info"}"#,
            br#"{"level":"debug","drop":true}"#,
            br#"{"level":"error"}"#,
            b"not json",
            br#"{"level":"panic"}"#,
            br#"{"level":"warn"}"#,
        ];
        let records = records(serve(&event_with_data(&data), 3).await);
        let results: Vec<(&str, &str)> = records
            .iter()
            .map(|r| {
                (
                    r["recordId"].as_str().unwrap(),
                    r["result"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            results,
            [
                ("r0", "Ok"),
                ("r1", "Dropped"),
                ("r2", "ProcessingFailed"),
                ("r3", "ProcessingFailed"),
                ("r4", "ProcessingFailed"),
                ("r5", "Ok"),
            ]
        );
        assert_eq!(decoded(&records[0]), r#"{"level":"info","drop":false}"#);
        assert_eq!(
            records[0]["metadata"],
            json!({"partitionKeys": {"level": "info"}})
        );
        for failed in [2, 3, 4] {
            assert_eq!(decoded(&records[failed]).as_bytes(), data[failed]);
            assert!(records[failed].get("metadata").is_none());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn records_unfinished_at_the_deadline_are_processing_failed() {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |ms: u64, _: &Invocation<'_, ()>| {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(ms)
            },
            |r| Source::body(r, json::<u64>),
            |answer| Source::output(to_json(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            4,
        );
        let ctx = crate::Context::default();
        let deadline = Deadline::after(std::time::Instant::now(), Duration::from_millis(1500));
        let inv = Invocation::new(&ctx, &(), &deadline);
        let event = event_with_data(&[b"10", b"5000", b"20", b"9000"]);
        let answer = crate::invocation::Handler::call(&adapter, &event, &inv).await;
        let results: Vec<String> = records(
            answer
                .map(|o| o.buffered())
                .map_err(|f| f.into_diagnostic()),
        )
        .iter()
        .map(|r| r["result"].as_str().unwrap().to_owned())
        .collect();
        assert_eq!(
            results,
            ["Ok", "ProcessingFailed", "Ok", "ProcessingFailed"]
        );
    }

    #[tokio::test]
    async fn an_answer_past_6_mb_is_refused_with_its_size() {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |_: Vec<u8>, _: &Invocation<'_, ()>| Ok(vec![b'x'; 1 << 20]),
            |r| Source::body(r, crate::decode::bytes),
            |answer| Source::output(crate::decode::from_bytes(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        // 1 MiB is 1.4 MB in base64: four fit in 6 MB, five do not.
        let four: Vec<&[u8]> = vec![b"a"; 4];
        assert!(
            call_without_deadline(&adapter, &event_with_data(&four))
                .await
                .is_ok()
        );
        let five: Vec<&[u8]> = vec![b"a"; 5];
        let err = call_without_deadline(&adapter, &event_with_data(&five))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, "InvalidResponse");
        crate::test_support::assert_starts_with(
            &err.error_message,
            "the transformed batch of 5 records is 6990",
        );
        crate::test_support::assert_contains(
            &err.error_message,
            "lower the processor's BufferSizeInMBs",
        );
    }
}
