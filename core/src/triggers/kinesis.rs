//! `#[lambda(kinesis)]`: one handler call per Kinesis record, in order, with
//! partial batch failures.
//!
//! The handler's payload is the record's data (base64 in the event, decoded
//! before anything else) decoded from JSON into `T`, or the raw data as
//! `String` / `Vec<u8>`; or a [`KinesisRecord<T>`] that also carries the
//! sequence number, partition key and arrival time.
//!
//! Records of a shard must not overtake each other, so they run one at a
//! time in batch order. At the first record that fails to decode, returns
//! `Err` or panics, that record and every later one are reported failed
//! without being processed. The answer is a `KinesisEventResponse` naming
//! them by `sequenceNumber`: Lambda checkpoints everything before the first
//! one and retries from there. Enable `ReportBatchItemFailures` on the event
//! source mapping
//! (<https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>);
//! without it, any failure retries the whole batch.
//!
//! Data that is not valid base64 makes the whole event undecodable: Kinesis
//! always encodes it, so such an event is not a Kinesis event.

use std::time::SystemTime;

use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order, batch_item_failures};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody};

crate::trigger::source!("kinesis");

impl Trigger for Source {
    type Event = KinesisEvent;
    type Record = KinesisEventRecord;
    type Output = ();

    fn id(record: &KinesisEventRecord) -> Option<String> {
        // A missing sequence number deserializes as "": not an id Lambda
        // could match against the batch.
        let sequence_number = &record.kinesis.sequence_number;
        (!sequence_number.is_empty()).then(|| sequence_number.clone())
    }

    fn records(event: &KinesisEvent) -> &[KinesisEventRecord] {
        &event.records
    }

    fn order(_: &KinesisEvent, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(_: &KinesisEvent, outcome: BatchOutcome, _: &Deadline) -> Outcome {
        batch_item_failures(&outcome, "sequenceNumber")
    }
}

/// One Kinesis record with its data decoded: take `KinesisRecord<T>`
/// instead of `T` to see the sequence number, partition key and arrival
/// time too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KinesisRecord<T> {
    /// The sequence number (what a batch item failure names).
    pub sequence_number: String,
    /// The partition key the producer chose, which picked the shard.
    pub partition_key: String,
    /// When the stream accepted the record.
    pub approximate_arrival_timestamp: SystemTime,
    /// The data, base64-decoded and then decoded with the handler's decoder.
    pub data: T,
    /// The event id: `shardId-...:<sequenceNumber>`.
    pub event_id: Option<String>,
    /// The stream's ARN.
    pub event_source_arn: Option<String>,
    /// The region.
    pub aws_region: Option<String>,
    /// The IAM role the event source mapping reads the stream with.
    pub invoke_identity_arn: Option<String>,
}

impl<T> KinesisRecord<T> {
    /// A record with this sequence number and data and nothing else set (no
    /// partition key or ids; the arrival time is the Unix epoch), for calling
    /// a handler directly in a test. Set the public fields the handler reads.
    pub fn new(sequence_number: impl Into<String>, data: T) -> Self {
        Self {
            sequence_number: sequence_number.into(),
            partition_key: String::new(),
            approximate_arrival_timestamp: SystemTime::UNIX_EPOCH,
            data,
            event_id: None,
            event_source_arn: None,
            aws_region: None,
            invoke_identity_arn: None,
        }
    }

    /// The shard the record was read from (`shardId-000000000000`), from
    /// the event id.
    pub fn shard_id(&self) -> Option<&str> {
        let (shard, _) = self.event_id.as_deref()?.split_once(':')?;
        Some(shard)
    }
}

/// `aws_lambda_events` has already base64-decoded the data while decoding
/// the event, so the body decoder sees the bytes the producer put.
impl WithBody for Source {
    type Wrapper<B> = KinesisRecord<B>;

    fn body<B>(record: &KinesisEventRecord, decode: Decoder<B>) -> Result<B, Failure> {
        decode(Body::Bytes(&record.kinesis.data))
    }

    fn wrap<B>(
        record: &KinesisEventRecord,
        decode: Decoder<B>,
    ) -> Result<KinesisRecord<B>, Failure> {
        let kinesis = &record.kinesis;
        Ok(KinesisRecord {
            sequence_number: kinesis.sequence_number.clone(),
            partition_key: kinesis.partition_key.clone(),
            // A `SystemTime`, so that reading it needs no date crate.
            approximate_arrival_timestamp: SystemTime::from(*kinesis.approximate_arrival_timestamp),
            data: Self::body(record, decode)?,
            event_id: record.event_id.clone(),
            event_source_arn: record.event_source_arn.clone(),
            aws_region: record.aws_region.clone(),
            invoke_identity_arn: record.invoke_identity_arn.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{bytes, json, text};
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_starts_with, records_event};
    use serde::Deserialize;
    use std::cell::RefCell;
    use std::time::{Duration, UNIX_EPOCH};

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-kinesis-event.json"
    ));

    /// Standard base64, so the tests need no base64 crate.
    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn event_with_data(data: &[&str]) -> Vec<u8> {
        records_event(data, |i, data| {
            serde_json::json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "sensor-a",
                    "sequenceNumber": format!("4959{i:04}"),
                    "data": base64(data.as_bytes()),
                    "approximateArrivalTimestamp": 1764230400.25
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("shardId-000000000003:4959{i:04}"),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/reader",
                "awsRegion": "eu-west-1",
                "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/readings"
            })
        })
    }

    #[derive(Debug, Deserialize)]
    struct Reading {
        celsius: f64,
    }

    /// Serves `event` with a handler that fails below absolute zero, panics
    /// at 13 °C, and records the temperatures it processed.
    async fn serve(event: &[u8]) -> (Answer, Vec<f64>) {
        let processed = RefCell::new(Vec::new());
        let handler = async |reading: Reading, _: &Invocation<'_, ()>| {
            if reading.celsius < -273.15 {
                return Err(crate::Error::msg("impossible").with_error_type("BelowAbsoluteZero"));
            }
            if reading.celsius == 13.0 {
                panic!("unlucky");
            }
            processed.borrow_mut().push(reading.celsius);
            Ok(())
        };
        // The attribute's `concurrency` cannot reach Kinesis (the macro
        // rejects it); a large one here shows that order does not depend
        // on it.
        let outcome =
            serve_batch::<Source, _, _>(handler, |r| Source::body(r, json::<Reading>), 8, event)
                .await;
        (outcome, processed.into_inner())
    }

    fn failed_ids(outcome: Answer) -> Vec<String> {
        let answer: serde_json::Value = serde_json::from_slice(&outcome.unwrap()).unwrap();
        answer["batchItemFailures"]
            .as_array()
            .expect("a KinesisEventResponse")
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn fixture_data_arrives_base64_decoded() {
        let event: KinesisEvent = serde_json::from_slice(FIXTURE).unwrap();
        assert_eq!(event.records.len(), 2);
        // "SGVsbG8gV29ybGQ=" in the event.
        assert_eq!(
            Source::payload(&event.records[0], text).unwrap(),
            "Hello World"
        );
        assert_eq!(
            Source::payload(&event.records[0], bytes).unwrap(),
            b"Hello World".to_vec()
        );
        let wrapped = Source::record(&event.records[1], text).unwrap();
        assert_eq!(wrapped.data, "Hello World");
        assert_eq!(
            wrapped.sequence_number,
            "49568167373333333334444444444444444444444444444444444444"
        );
        assert_eq!(wrapped.partition_key, "s1");
        assert_eq!(wrapped.shard_id(), Some("shardId-000000000000"));
        assert_eq!(wrapped.aws_region.as_deref(), Some("us-east-1"));
        assert_eq!(
            wrapped.event_source_arn.as_deref(),
            Some("arn:aws:kinesis:us-east-1:123456789012:stream/simple-stream")
        );
        // 1480841523.477 in the event.
        assert_eq!(
            wrapped.approximate_arrival_timestamp,
            UNIX_EPOCH + Duration::from_millis(1_480_841_523_477)
        );
        assert_eq!(
            Source::id(&event.records[0]).as_deref(),
            Some("49568167373333333333333333333333333333333333333333333333")
        );
    }

    #[tokio::test]
    async fn fixture_that_does_not_decode_fails_from_its_first_record() {
        // "Hello World" is not a JSON reading: the first record fails and
        // the second is not processed.
        let (outcome, processed) = serve(FIXTURE).await;
        assert_eq!(
            failed_ids(outcome),
            [
                "49568167373333333333333333333333333333333333333333333333",
                "49568167373333333334444444444444444444444444444444444444"
            ]
        );
        assert!(processed.is_empty());
    }

    #[tokio::test]
    async fn a_failure_reports_it_and_every_later_record_unprocessed() {
        let mut data = vec![r#"{"celsius": 20.5}"#; 10];
        data[3] = r#"{"celsius": -300}"#;
        let (outcome, processed) = serve(&event_with_data(&data)).await;
        let expected: Vec<String> = (3..10).map(|i| format!("4959{i:04}")).collect();
        assert_eq!(failed_ids(outcome), expected);
        // In order: the records after the failure were never handled.
        assert_eq!(processed, [20.5, 20.5, 20.5]);
    }

    #[tokio::test]
    async fn undecodable_data_and_panics_fail_from_that_record_on() {
        let data = [
            r#"{"celsius": 1}"#,
            r#"{"celsius": "hot"}"#,
            r#"{"celsius": 2}"#,
        ];
        let (outcome, processed) = serve(&event_with_data(&data)).await;
        assert_eq!(failed_ids(outcome), ["49590001", "49590002"]);
        assert_eq!(processed, [1.0]);

        let data = [
            r#"{"celsius": 1}"#,
            r#"{"celsius": 2}"#,
            r#"{"celsius": 13}"#,
        ];
        let (outcome, processed) = serve(&event_with_data(&data)).await;
        assert_eq!(failed_ids(outcome), ["49590002"]);
        assert_eq!(processed, [1.0, 2.0]);
    }

    #[tokio::test]
    async fn a_clean_batch_reports_no_failures() {
        let (outcome, processed) = serve(&event_with_data(&[r#"{"celsius": 0}"#; 3])).await;
        let answer: serde_json::Value = serde_json::from_slice(&outcome.unwrap()).unwrap();
        assert_eq!(answer, serde_json::json!({ "batchItemFailures": [] }));
        assert_eq!(processed.len(), 3);
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let (outcome, _) = serve(br#"{"Records": [{"kinesis": {"data": 5}}]}"#).await;
        let err = outcome.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "Records[0].kinesis");
        // Data that is not base64 is not a Kinesis event either.
        let mut event: serde_json::Value =
            serde_json::from_slice(&event_with_data(&["{}"])).unwrap();
        event["Records"][0]["kinesis"]["data"] = "not base64!".into();
        let (outcome, _) = serve(&serde_json::to_vec(&event).unwrap()).await;
        let err = outcome.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "Records[0].kinesis.data");
    }
}
