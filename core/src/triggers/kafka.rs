//! `#[lambda(kafka)]`: one handler call per Kafka record, in order within
//! each partition, with partial batch failures. Amazon MSK
//! (`eventSource` `aws:kafka`) and self-managed Apache Kafka
//! (`SelfManagedKafka`) share the keyword; [`KafkaRecord::cluster`] says
//! which sent the record.
//!
//! The handler's payload is the record's value (base64 in the event,
//! decoded before anything else) decoded from JSON into `T`, or the raw
//! value as `String` / `Vec<u8>`; or a [`KafkaRecord<T>`] that also carries
//! the topic, partition, offset, timestamp, key and headers. A record
//! without a value (a tombstone) has an empty one.
//!
//! Lambda delivers records grouped by `<topic>-<partition>`. Records of a
//! partition must not overtake each other, so they run one at a time in
//! offset order: at the first record that fails to decode, returns `Err` or
//! panics, that record and every later one of its partition are reported
//! failed without being processed. Partitions are independent: up to
//! `concurrency` of them run at once.
//!
//! The answer is the partial batch response of Kafka event source mappings,
//! whose item identifier is an object naming the partition (the event's
//! `<topic>-<partition>` key) and the offset:
//! `{"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0", "offset": 15}}]}`.
//! Lambda commits everything before a partition's first reported offset and
//! retries from it. It needs the event source mapping in provisioned mode
//! with `ReportBatchItemFailures` in its function response types
//! (<https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html>);
//! **without it, Lambda ignores the response and counts every record as
//! processed**, so enable it before relying on a failure being retried.
//!
//! A value, key or header that is not valid base64 fails its record as
//! `InvalidEvent`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::SystemTime;

use aws_lambda_events::event::kafka::KafkaRecord as RawRecord;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order, partial_batch_response};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody};

crate::trigger::source!("kafka");

/// A Kafka event with its records in one list, partition by partition
/// (sorted by their `<topic>-<partition>` key, each in offset order).
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(from = "Envelope")]
pub struct Batch {
    records: Vec<Entry>,
    partitions: Vec<Range<usize>>,
}

/// One record with the partition key it was delivered under.
#[doc(hidden)]
#[derive(Debug)]
pub struct Entry {
    partition_key: Arc<str>,
    cluster: Arc<KafkaCluster>,
    record: RawRecord,
}

/// The event as Lambda sends it: `aws_lambda_events`' `KafkaEvent`, except
/// that `records` must be there (every field of that type defaults, so any
/// JSON object, an SQS event say, would be a Kafka event without records).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    event_source: Option<String>,
    #[serde(default)]
    event_source_arn: Option<String>,
    #[serde(default)]
    bootstrap_servers: Option<String>,
    records: HashMap<String, Vec<RawRecord>>,
}

impl From<Envelope> for Batch {
    fn from(event: Envelope) -> Self {
        let cluster = Arc::new(match event.event_source.as_deref() {
            Some("SelfManagedKafka") => KafkaCluster::SelfManaged {
                bootstrap_servers: split_servers(event.bootstrap_servers.as_deref()),
            },
            _ => KafkaCluster::Msk {
                arn: event.event_source_arn,
                bootstrap_servers: split_servers(event.bootstrap_servers.as_deref()),
            },
        });
        let mut by_partition: Vec<(String, Vec<RawRecord>)> = event.records.into_iter().collect();
        by_partition.sort_by(|a, b| a.0.cmp(&b.0));
        let mut records = Vec::new();
        let mut partitions = Vec::with_capacity(by_partition.len());
        for (key, mut in_partition) in by_partition {
            in_partition.sort_by_key(|record| record.offset);
            let key: Arc<str> = key.into();
            let start = records.len();
            records.extend(in_partition.into_iter().map(|record| Entry {
                partition_key: key.clone(),
                cluster: cluster.clone(),
                record,
            }));
            if records.len() > start {
                partitions.push(start..records.len());
            }
        }
        Batch {
            records,
            partitions,
        }
    }
}

fn split_servers(servers: Option<&str>) -> Vec<String> {
    servers
        .unwrap_or_default()
        .split(',')
        .filter(|server| !server.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Trigger for Source {
    type Event = Batch;
    type Record = Entry;
    type Output = ();

    /// `<topic>-<partition>@<offset>`, as failures are logged.
    fn id(entry: &Entry) -> Option<String> {
        Some(format!("{}@{}", entry.partition_key, entry.record.offset))
    }

    fn records(batch: &Batch) -> &[Entry] {
        &batch.records
    }

    fn order(batch: &Batch, concurrency: usize) -> Order {
        Order::Grouped {
            groups: batch.partitions.clone(),
            concurrency,
        }
    }

    async fn answer(batch: &Batch, outcome: BatchOutcome, _: &Deadline) -> Outcome {
        /// Kafka's item identifier: the event's `<topic>-<partition>` key
        /// and the offset.
        #[derive(Serialize)]
        struct Identifier<'a> {
            partition: &'a str,
            offset: i64,
        }
        partial_batch_response(outcome.failures.iter().map(|failed| {
            let entry = &batch.records[failed.index];
            Identifier {
                partition: &entry.partition_key,
                offset: entry.record.offset,
            }
        }))
    }
}

/// Which kind of cluster a record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KafkaCluster {
    /// Amazon MSK (`eventSource` `aws:kafka`).
    Msk {
        /// The cluster's ARN.
        arn: Option<String>,
        /// The brokers, from `bootstrapServers`.
        bootstrap_servers: Vec<String>,
    },
    /// A self-managed Apache Kafka cluster (`SelfManagedKafka`).
    SelfManaged {
        /// The brokers, from `bootstrapServers`.
        bootstrap_servers: Vec<String>,
    },
}

/// One Kafka record with its value decoded: take `KafkaRecord<T>` instead
/// of `T` to see the topic, partition, offset, timestamp, key and headers.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KafkaRecord<T> {
    /// The topic.
    pub topic: String,
    /// The partition number.
    pub partition: i64,
    /// The offset within the partition (what a batch item failure names,
    /// with the partition).
    pub offset: i64,
    /// The record's timestamp.
    pub timestamp: SystemTime,
    /// `CREATE_TIME` or `LOG_APPEND_TIME`: what the timestamp is.
    pub timestamp_type: Option<String>,
    /// The key, base64-decoded (`None` for a record without one).
    pub key: Option<Vec<u8>>,
    /// The value, base64-decoded and then decoded with the handler's
    /// decoder.
    pub value: T,
    /// The headers in the order the producer set them, each value as bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The cluster the record came from.
    pub cluster: KafkaCluster,
}

impl<T> KafkaRecord<T> {
    /// A record of this topic, partition and offset with this value and
    /// nothing else set (no key or headers, the Unix epoch as timestamp, an
    /// MSK cluster without ARN), for calling a handler directly in a test.
    /// Set the public fields the handler reads.
    pub fn new(topic: impl Into<String>, partition: i64, offset: i64, value: T) -> Self {
        Self {
            topic: topic.into(),
            partition,
            offset,
            timestamp: SystemTime::UNIX_EPOCH,
            timestamp_type: None,
            key: None,
            value,
            headers: Vec::new(),
            cluster: KafkaCluster::Msk {
                arn: None,
                bootstrap_servers: Vec::new(),
            },
        }
    }

    /// The first header named `name`, if any.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_slice())
    }
}

/// Base64 as Lambda writes keys and values; `field` names it in a failure.
fn base64(encoded: &str, field: &str) -> Result<Vec<u8>, Failure> {
    STANDARD
        .decode(encoded)
        .map_err(|err| Failure::InvalidEvent {
            path: Some(field.to_owned()),
            message: format!("not base64: {err}"),
        })
}

impl WithBody for Source {
    type Wrapper<B> = KafkaRecord<B>;

    fn body<B>(entry: &Entry, decode: Decoder<B>) -> Result<B, Failure> {
        let value = match entry.record.value.as_deref() {
            Some(value) => base64(value, "value")?,
            None => Vec::new(),
        };
        decode(Body::Bytes(&value)).map_err(|failure| failure.in_field("value"))
    }

    fn wrap<B>(entry: &Entry, decode: Decoder<B>) -> Result<KafkaRecord<B>, Failure> {
        let record = &entry.record;
        let key = record
            .key
            .as_deref()
            .map(|key| base64(key, "key"))
            .transpose()?;
        let headers = record
            .headers
            .iter()
            .flat_map(|header| {
                // Each entry of the list is one header; sorted, should one
                // hold several, so that the order does not depend on a hash.
                let mut header: Vec<(&String, &Vec<i8>)> = header.iter().collect();
                header.sort_by(|a, b| a.0.cmp(b.0));
                header
                    .into_iter()
                    .map(|(name, value)| (name.clone(), value.iter().map(|&b| b as u8).collect()))
            })
            .collect();
        Ok(KafkaRecord {
            topic: record
                .topic
                .clone()
                .unwrap_or_else(|| topic_of(&entry.partition_key).to_owned()),
            partition: record.partition,
            offset: record.offset,
            timestamp: SystemTime::from(*record.timestamp),
            timestamp_type: record.timestamp_type.clone(),
            key,
            value: Self::body(entry, decode)?,
            headers,
            cluster: (*entry.cluster).clone(),
        })
    }
}

/// The topic of a `<topic>-<partition>` key.
fn topic_of(partition_key: &str) -> &str {
    partition_key
        .rsplit_once('-')
        .map_or(partition_key, |(topic, _)| topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{bytes, json, text};
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use serde_json::json;
    use std::cell::RefCell;
    use std::time::{Duration, UNIX_EPOCH};

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-kafka-event.json"
    ));

    fn batch(event: &[u8]) -> Batch {
        serde_json::from_slice(event).unwrap()
    }

    /// An MSK event of `partitions`, each a topic-partition key and the
    /// values of its records (offsets from 100).
    fn event(partitions: &[(&str, &[&str])]) -> Vec<u8> {
        let records: serde_json::Map<String, serde_json::Value> = partitions
            .iter()
            .map(|(key, values)| {
                let (topic, partition) = key.rsplit_once('-').unwrap();
                let records: Vec<_> = values
                    .iter()
                    .enumerate()
                    .map(|(i, value)| {
                        json!({
                            "topic": topic,
                            "partition": partition.parse::<i64>().unwrap(),
                            "offset": 100 + i,
                            "timestamp": 1764230400250i64,
                            "timestampType": "CREATE_TIME",
                            "key": STANDARD.encode(format!("key-{i}")),
                            "value": STANDARD.encode(value),
                            "headers": []
                        })
                    })
                    .collect();
                ((*key).to_owned(), json!(records))
            })
            .collect();
        serde_json::to_vec(&json!({
            "eventSource": "aws:kafka",
            "eventSourceArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc",
            "bootstrapServers": "b-1.orders:9098,b-2.orders:9098",
            "records": records
        }))
        .unwrap()
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        amount: i64,
    }

    /// Serves `event` with a handler that fails negative amounts, panics at
    /// 13, sleeps 10 ms per record and records the amounts it processed.
    async fn serve(event: &[u8], concurrency: usize) -> (Answer, Vec<i64>) {
        let processed = RefCell::new(Vec::new());
        let handler = async |order: Order, _: &Invocation<'_, ()>| {
            if order.amount < 0 {
                return Err(crate::Error::msg("negative").with_error_type("NegativeAmount"));
            }
            if order.amount == 13 {
                panic!("unlucky");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            processed.borrow_mut().push(order.amount);
            Ok(())
        };
        let outcome = serve_batch::<Source, _, _>(
            handler,
            |r| Source::body(r, json::<Order>),
            concurrency,
            event,
        )
        .await;
        (outcome, processed.into_inner())
    }

    fn failures(answer: Answer) -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(&answer.unwrap()).unwrap()["batchItemFailures"]
            .clone()
    }

    #[test]
    fn fixture_record_arrives_decoded() {
        let batch = batch(FIXTURE);
        assert_eq!(batch.records.len(), 1);
        let entry = &batch.records[0];
        let record = Source::record(entry, text).unwrap();
        assert_eq!(record.value, "8d5596b4-1813-4238-b24b-6dad8e3d1c0c");
        assert_eq!(
            record.key.as_deref(),
            Some(&b"8d5596b4-1813-4238-b24b-6dad8e3d1c0c"[..])
        );
        assert_eq!(record.topic, "AWSKafkaTopic");
        assert_eq!((record.partition, record.offset), (0, 0));
        assert_eq!(
            record.timestamp,
            UNIX_EPOCH + Duration::from_millis(1_595_035_749_700)
        );
        assert_eq!(record.timestamp_type.as_deref(), Some("CREATE_TIME"));
        assert_eq!(
            record.headers,
            [("headerKey".to_owned(), b"headerValue".to_vec())]
        );
        assert_eq!(record.header("headerKey"), Some(&b"headerValue"[..]));
        assert_eq!(
            record.cluster,
            KafkaCluster::Msk {
                arn: Some("arn:aws:kafka:us-west-2:012345678901:cluster/ExampleMSKCluster/e9f754c6-d29a-4430-a7db-958a19fd2c54-4".to_owned()),
                bootstrap_servers: vec![
                    "b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092".to_owned(),
                    "b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092".to_owned(),
                ],
            }
        );
        assert_eq!(
            Source::payload(entry, bytes).unwrap(),
            b"8d5596b4-1813-4238-b24b-6dad8e3d1c0c"
        );
        assert_eq!(Source::id(entry).as_deref(), Some("AWSKafkaTopic-0@0"));
    }

    #[tokio::test]
    async fn the_fixture_that_is_not_an_order_is_reported_by_partition_and_offset() {
        let (answer, processed) = serve(FIXTURE, 1).await;
        assert_eq!(
            failures(answer),
            json!([{"itemIdentifier": {"partition": "AWSKafkaTopic-0", "offset": 0}}])
        );
        assert!(processed.is_empty());
    }

    #[tokio::test]
    async fn a_failure_stops_its_partition_and_only_its_partition() {
        let event = event(&[
            (
                "orders-0",
                &[r#"{"amount":1}"#, r#"{"amount":-2}"#, r#"{"amount":3}"#],
            ),
            ("orders-1", &[r#"{"amount":10}"#, r#"{"amount":11}"#]),
            (
                "refunds-0",
                &[r#"{"amount":20}"#, r#"{"amount":13}"#, r#"{"amount":22}"#],
            ),
        ]);
        let (answer, mut processed) = serve(&event, 3).await;
        assert_eq!(
            failures(answer),
            json!([
                {"itemIdentifier": {"partition": "orders-0", "offset": 101}},
                {"itemIdentifier": {"partition": "orders-0", "offset": 102}},
                {"itemIdentifier": {"partition": "refunds-0", "offset": 101}},
                {"itemIdentifier": {"partition": "refunds-0", "offset": 102}},
            ])
        );
        processed.sort_unstable();
        assert_eq!(processed, [1, 10, 11, 20]);
    }

    #[tokio::test(start_paused = true)]
    async fn partitions_run_concurrently_and_each_in_offset_order() {
        // Offsets listed out of order are run in order.
        let mut event: serde_json::Value = serde_json::from_slice(&event(&[
            (
                "orders-0",
                &[r#"{"amount":1}"#, r#"{"amount":2}"#, r#"{"amount":3}"#],
            ),
            (
                "orders-1",
                &[r#"{"amount":4}"#, r#"{"amount":5}"#, r#"{"amount":6}"#],
            ),
        ]))
        .unwrap();
        event["records"]["orders-0"]
            .as_array_mut()
            .unwrap()
            .reverse();
        let event = serde_json::to_vec(&event).unwrap();
        let started = tokio::time::Instant::now();
        let (answer, processed) = serve(&event, 2).await;
        assert_eq!(failures(answer), json!([]));
        // Two partitions of three 10 ms records side by side: 30 ms, not 60.
        assert_eq!(started.elapsed(), Duration::from_millis(30));
        let in_partition = |range: std::ops::RangeInclusive<i64>| {
            processed
                .iter()
                .copied()
                .filter(|amount| range.contains(amount))
                .collect::<Vec<_>>()
        };
        assert_eq!(in_partition(1..=3), [1, 2, 3]);
        assert_eq!(in_partition(4..=6), [4, 5, 6]);

        let started = tokio::time::Instant::now();
        let (answer, _) = serve(&event, 1).await;
        assert_eq!(failures(answer), json!([]));
        assert_eq!(started.elapsed(), Duration::from_millis(60));
    }

    #[test]
    fn self_managed_clusters_and_bad_base64_are_told_apart() {
        let mut event: serde_json::Value =
            serde_json::from_slice(&event(&[("t-3", &["{}", "{}"])])).unwrap();
        event["eventSource"] = "SelfManagedKafka".into();
        event["records"]["t-3"][1]["value"] = "not base64!".into();
        event["records"]["t-3"][1]["key"] = serde_json::Value::Null;
        let batch = batch(&serde_json::to_vec(&event).unwrap());
        let record = Source::record(&batch.records[0], text).unwrap();
        assert!(matches!(
            record.cluster,
            KafkaCluster::SelfManaged { ref bootstrap_servers } if bootstrap_servers.len() == 2
        ));
        let err = Source::record(&batch.records[1], text).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_starts_with(&err.error_message, "value: not base64");
    }

    #[tokio::test]
    async fn an_event_without_records_is_not_a_kafka_event() {
        for event in [
            &b"{}"[..],
            br#"{"Records": [{"messageId": "m1", "body": "{}"}]}"#,
        ] {
            let (answer, _) = serve(event, 1).await;
            let err = answer.unwrap_err();
            assert_eq!(err.error_type, "InvalidEvent");
            crate::test_support::assert_contains(&err.error_message, "missing field `records`");
        }
    }

    #[tokio::test]
    async fn a_tombstone_has_an_empty_value() {
        let mut event: serde_json::Value =
            serde_json::from_slice(&event(&[("t-0", &["x"])])).unwrap();
        event["records"]["t-0"][0]["value"] = serde_json::Value::Null;
        let batch = batch(&serde_json::to_vec(&event).unwrap());
        assert_eq!(Source::payload(&batch.records[0], text).unwrap(), "");
        let err = Source::payload(&batch.records[0], json::<Order>).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_starts_with(&err.error_message, "value: ");
    }
}
