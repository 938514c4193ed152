//! `#[lambda(dynamodb)]`: one handler call per DynamoDB Streams record, in
//! order, with partial batch failures.
//!
//! The handler's payload is the changed item decoded into `T`: the record's
//! `NewImage`, or its `OldImage` when there is no new one (a `REMOVE`, or a
//! stream of view type `OLD_IMAGE`). Take a [`DynamoDbRecord<T>`] instead to
//! see both images, the keys, the kind of change and the sequence number.
//!
//! Images arrive in DynamoDB's attribute-value JSON (`{"amount": {"N":
//! "9.5"}}`) and decode as if they were plain JSON (`{"amount": 9.5}`), so
//! `T` is an ordinary `serde::Deserialize` type and a mismatch is reported
//! with its path (`NewImage: amount: invalid type: ...`). Numbers (`N`,
//! `NS`) become JSON numbers, integers when they are ones; strings and
//! booleans stay themselves; `NULL` is `null`; lists and sets are arrays,
//! maps are objects; binary values (`B`, `BS`) are arrays of bytes, so they
//! decode into `Vec<u8>`.
//!
//! Records of a shard must not overtake each other, so they run one at a
//! time in batch order. At the first record that fails to decode, returns
//! `Err` or panics, that record and every later one are reported failed
//! without being processed. The answer is a `DynamoDbEventResponse` naming
//! them by `SequenceNumber`: Lambda checkpoints everything before the first
//! one and retries from there. Enable `ReportBatchItemFailures` on the event
//! source mapping
//! (<https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html>);
//! without it, any failure retries the whole batch.

use std::time::SystemTime;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use serde_dynamo::{AttributeValue, Item};
use serde_json::{Map, Number, Value};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order, batch_item_failures};
use crate::decode::{Body, Decoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody};

crate::trigger::source!("dynamodb");

impl Trigger for Source {
    type Event = Event;
    type Record = EventRecord;
    type Output = ();

    fn id(record: &EventRecord) -> Option<String> {
        record
            .change
            .sequence_number
            .clone()
            .filter(|sequence_number| !sequence_number.is_empty())
    }

    fn records(event: &Event) -> &[EventRecord] {
        &event.records
    }

    fn order(_: &Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(_: &Event, outcome: BatchOutcome, _: &Deadline) -> Outcome {
        batch_item_failures(&outcome, "SequenceNumber")
    }
}

/// One DynamoDB Streams record with its images decoded: take
/// `DynamoDbRecord<T>` instead of `T` to see the kind of change, the keys
/// and both images.
///
/// Which images a record has depends on the kind of change and on the
/// stream's view type: an `INSERT` has no old image, a `REMOVE` no new one,
/// and a `KEYS_ONLY` stream neither (both are `None`, the keys are there).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DynamoDbRecord<T> {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    /// The sequence number (what a batch item failure names).
    pub sequence_number: String,
    /// The primary key of the changed item, as plain JSON:
    /// `{"id": 42}` for `{"id": {"N": "42"}}`.
    pub keys: Map<String, Value>,
    /// The item after the change, decoded.
    pub new_image: Option<T>,
    /// The item before the change, decoded.
    pub old_image: Option<T>,
    /// When the change was made, to the second; `None` when the record does
    /// not say.
    pub approximate_creation_time: Option<SystemTime>,
    /// The stream's view type: `NEW_IMAGE`, `OLD_IMAGE`,
    /// `NEW_AND_OLD_IMAGES` or `KEYS_ONLY`.
    pub stream_view_type: Option<String>,
    /// Whether DynamoDB itself removed the item because its time to live
    /// expired, rather than a request.
    pub removed_by_ttl: bool,
    /// The event id, unique to this record.
    pub event_id: String,
    /// The stream's ARN.
    pub event_source_arn: Option<String>,
    /// The region.
    pub aws_region: String,
    /// The table's name, when the record carries it.
    pub table_name: Option<String>,
}

impl<T> DynamoDbRecord<T> {
    /// A change of kind `event_name` (`INSERT`, `MODIFY`, `REMOVE`) with this
    /// sequence number and nothing else set (no keys, no images), for calling
    /// a handler directly in a test. Set the public fields the handler reads,
    /// such as `new_image` and `old_image`.
    pub fn new(event_name: impl Into<String>, sequence_number: impl Into<String>) -> Self {
        Self {
            event_name: event_name.into(),
            sequence_number: sequence_number.into(),
            keys: Map::new(),
            new_image: None,
            old_image: None,
            approximate_creation_time: None,
            stream_view_type: None,
            removed_by_ttl: false,
            event_id: String::new(),
            event_source_arn: None,
            aws_region: String::new(),
            table_name: None,
        }
    }
}

/// The handler's payload is the item: the new image, or the old one when
/// there is no new one. A record with neither (a `KEYS_ONLY` stream) fails
/// with `InvalidEvent`. The wrapper decodes each image the record has.
impl WithBody for Source {
    type Wrapper<B> = DynamoDbRecord<B>;

    fn body<B>(record: &EventRecord, decode: Decoder<B>) -> Result<B, Failure> {
        let change = &record.change;
        if !change.new_image.is_empty() {
            decode_image("NewImage", &change.new_image, decode)
        } else if !change.old_image.is_empty() {
            decode_image("OldImage", &change.old_image, decode)
        } else {
            Err(Failure::invalid_event(
                "the record has neither a NewImage nor an OldImage: set the stream's view type to NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES, or take a DynamoDbRecord to see only the keys",
            ))
        }
    }

    fn wrap<B>(record: &EventRecord, decode: Decoder<B>) -> Result<DynamoDbRecord<B>, Failure> {
        let change = &record.change;
        let image = |name, image: &Item| {
            (!image.is_empty())
                .then(|| decode_image(name, image, decode))
                .transpose()
        };
        let keys = item_to_json(&change.keys, "Keys")?;
        // A missing `ApproximateCreationDateTime` deserializes as the epoch
        // (<https://github.com/aws/aws-lambda-rust-runtime/issues/889>), a time
        // no stream record was ever created at.
        let created = change.approximate_creation_date_time;
        let approximate_creation_time =
            (created.timestamp() != 0).then(|| SystemTime::from(created));
        // TTL deletions are documented as made by the DynamoDB service
        // principal (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html>).
        let removed_by_ttl = record.event_name == "REMOVE"
            && record.user_identity.as_ref().is_some_and(|identity| {
                identity.type_ == "Service" && identity.principal_id == "dynamodb.amazonaws.com"
            });
        Ok(DynamoDbRecord {
            event_name: record.event_name.clone(),
            sequence_number: change.sequence_number.clone().unwrap_or_default(),
            keys,
            new_image: image("NewImage", &change.new_image)?,
            old_image: image("OldImage", &change.old_image)?,
            approximate_creation_time,
            stream_view_type: change.stream_view_type.as_ref().map(ToString::to_string),
            removed_by_ttl,
            event_id: record.event_id.clone(),
            event_source_arn: record.event_source_arn.clone(),
            aws_region: record.aws_region.clone(),
            table_name: record.table_name.clone(),
        })
    }
}

/// Decodes one image with `decode`, naming the image in the error. The
/// image is converted to plain JSON and decoded from that value.
fn decode_image<B>(name: &str, image: &Item, decode: Decoder<B>) -> Result<B, Failure> {
    let json = Value::Object(item_to_json(image, name)?);
    decode(Body::Value(&json)).map_err(|failure| failure.in_part(name))
}

/// An item in DynamoDB's attribute-value JSON as a plain JSON object:
/// `{"id": 42}` for `{"id": {"N": "42"}}`. `name` names the item in errors
/// (`NewImage`).
pub(crate) fn item_to_json(item: &Item, name: &str) -> Result<Map<String, Value>, Failure> {
    map_to_json(item.iter()).map_err(|below| Failure::InvalidEvent {
        path: Some(format!("{name}{below}")),
        message: "number out of the range of a JSON number".to_owned(),
    })
}

/// On failure, the path below the converted value of the number that does
/// not convert (`.items[2].price`), built only then.
type Converted<T> = Result<T, String>;

fn map_to_json<'a>(
    entries: impl Iterator<Item = (&'a String, &'a AttributeValue)>,
) -> Converted<Map<String, Value>> {
    entries
        .map(|(key, value)| {
            let value = to_json(value).map_err(|below| format!(".{key}{below}"))?;
            Ok((key.clone(), value))
        })
        .collect()
}

fn to_json(value: &AttributeValue) -> Converted<Value> {
    let element = |index: usize| move |below: String| format!("[{index}]{below}");
    Ok(match value {
        AttributeValue::N(number) => number_to_json(number).ok_or_else(String::new)?,
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(bytes) => bytes_to_json(bytes),
        AttributeValue::M(map) => Value::Object(map_to_json(map.iter())?),
        AttributeValue::L(list) => Value::Array(
            list.iter()
                .enumerate()
                .map(|(index, value)| to_json(value).map_err(element(index)))
                .collect::<Converted<_>>()?,
        ),
        AttributeValue::Ss(texts) => texts.iter().cloned().map(Value::String).collect(),
        AttributeValue::Ns(numbers) => Value::Array(
            numbers
                .iter()
                .enumerate()
                .map(|(index, number)| {
                    number_to_json(number).ok_or_else(|| element(index)(String::new()))
                })
                .collect::<Converted<_>>()?,
        ),
        AttributeValue::Bs(values) => values.iter().map(|bytes| bytes_to_json(bytes)).collect(),
    })
}

/// A DynamoDB number as the JSON number serde_dynamo would decode it as: an
/// integer when it is one, a float otherwise.
fn number_to_json(number: &str) -> Option<Value> {
    if let Ok(integer) = number.parse::<i64>() {
        return Some(integer.into());
    }
    if let Ok(integer) = number.parse::<u64>() {
        return Some(integer.into());
    }
    number
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

fn bytes_to_json(bytes: &[u8]) -> Value {
    bytes.iter().map(|byte| Value::from(*byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::json;
    use crate::invocation::Invocation;
    use crate::test_support::assert_starts_with;
    use crate::test_support::{Answer, Tested, serve_batch};
    use serde::Deserialize;
    use serde_json::json;
    use std::cell::RefCell;
    use std::time::{Duration, UNIX_EPOCH};

    /// The sample event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-dynamodb-event.json"
    ));

    /// Every attribute type of the fixture's second record.
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Everything {
        #[serde(rename = "key")]
        key: String,
        binary: Vec<u8>,
        boolean: bool,
        binary_set: Vec<Vec<u8>>,
        list: Vec<Value>,
        map: Person,
        float_number: f64,
        integer_number: u32,
        number_set: Vec<f64>,
        null: Option<String>,
        string: String,
        string_set: Vec<String>,
        empty_string_set: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Person {
        name: String,
        age: u8,
    }

    fn fixture() -> Event {
        serde_json::from_slice(FIXTURE).unwrap()
    }

    #[test]
    fn fixture_images_decode_into_plain_types() {
        let event = fixture();
        let item = Source::payload(&event.records[1], json::<Everything>).unwrap();
        assert_eq!(
            item,
            Everything {
                key: "binary".to_owned(),
                binary: vec![0, 1, 42, 65],
                boolean: true,
                binary_set: vec![vec![0, 1, 42, 65], vec![0, 1, 42, 65]],
                // The fixture's 3.14159, as text: clippy takes the literal
                // for an approximation of π.
                list: serde_json::from_str(r#"["Cookies", "Coffee", 3.14159]"#).unwrap(),
                map: Person {
                    name: "Joe".to_owned(),
                    age: 35
                },
                float_number: 123.45,
                integer_number: 123,
                number_set: vec![1234.0, 567.8],
                null: None,
                string: "Hello".to_owned(),
                string_set: vec!["Giraffe".to_owned(), "Zebra".to_owned()],
                empty_string_set: vec![],
            }
        );
    }

    #[test]
    fn fixture_record_carries_keys_and_metadata() {
        let event = fixture();
        let wrapped = Source::record(&event.records[0], json::<Value>).unwrap();
        assert_eq!(wrapped.event_name, "INSERT");
        assert_eq!(wrapped.sequence_number, "1405400000000002063282832");
        assert_eq!(
            Value::Object(wrapped.keys),
            json!({"key": "binary", "val": "data"})
        );
        assert_eq!(wrapped.new_image.unwrap()["val"], "data");
        assert!(wrapped.old_image.is_none());
        assert_eq!(
            wrapped.approximate_creation_time,
            Some(UNIX_EPOCH + Duration::from_secs(1_480_642_020))
        );
        assert_eq!(
            wrapped.stream_view_type.as_deref(),
            Some("NEW_AND_OLD_IMAGES")
        );
        assert_eq!(wrapped.event_id, "f07f8ca4b0b26cb9c4e5e77e69f274ee");
        assert_eq!(wrapped.aws_region, "us-east-1");
        // The fixture's record names the DynamoDB service principal, but
        // only a removal can be a TTL expiry.
        assert!(!wrapped.removed_by_ttl);
        let mut expired = event.records[0].clone();
        expired.event_name = "REMOVE".to_owned();
        assert!(
            Source::record(&expired, json::<Value>)
                .unwrap()
                .removed_by_ttl
        );
        assert!(
            !Source::record(&event.records[1], json::<Value>)
                .unwrap()
                .removed_by_ttl
        );
        assert_eq!(
            Source::id(&event.records[0]).as_deref(),
            Some("1405400000000002063282832")
        );
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        id: u64,
        status: String,
    }

    fn order_item(id: u64, status: &str) -> Value {
        json!({"id": {"N": id.to_string()}, "status": {"S": status}})
    }

    /// A stream record; `None` leaves the image out.
    fn change(
        index: usize,
        event_name: &str,
        new: Option<Value>,
        old: Option<Value>,
        id: u64,
    ) -> Value {
        let mut dynamodb = json!({
            "ApproximateCreationDateTime": 1764230400,
            "Keys": {"id": {"N": id.to_string()}},
            "SequenceNumber": format!("1000{index:04}"),
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        });
        if let Some(new) = new {
            dynamodb["NewImage"] = new;
        }
        if let Some(old) = old {
            dynamodb["OldImage"] = old;
        }
        json!({
            "eventID": format!("event-{index}"),
            "eventName": event_name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-1",
            "dynamodb": dynamodb,
            "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2025-01-01T00:00:00.000"
        })
    }

    fn event(records: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({ "Records": records })).unwrap()
    }

    /// Serves `event` with a handler that fails on status "lost", panics on
    /// id 13, and records the ids it processed.
    async fn serve(event: &[u8]) -> (Answer, Vec<u64>) {
        let processed = RefCell::new(Vec::new());
        let handler = async |order: Order, _: &Invocation<'_, ()>| {
            if order.status == "lost" {
                return Err(crate::Error::msg("lost").with_error_type("LostOrder"));
            }
            assert_ne!(order.id, 13, "unlucky");
            processed.borrow_mut().push(order.id);
            Ok(())
        };
        let outcome =
            serve_batch::<Source, _, _>(handler, |r| Source::body(r, json::<Order>), 8, event)
                .await;
        (outcome, processed.into_inner())
    }

    fn failed_ids(outcome: Answer) -> Vec<String> {
        let answer: Value = serde_json::from_slice(&outcome.unwrap()).unwrap();
        answer["batchItemFailures"]
            .as_array()
            .expect("a DynamoDbEventResponse")
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn a_remove_decodes_the_old_image() {
        let records = vec![
            change(0, "INSERT", Some(order_item(1, "new")), None, 1),
            change(
                1,
                "MODIFY",
                Some(order_item(1, "paid")),
                Some(order_item(1, "new")),
                1,
            ),
            change(2, "REMOVE", None, Some(order_item(2, "paid")), 2),
        ];
        let (outcome, processed) = serve(&event(records)).await;
        assert!(failed_ids(outcome).is_empty());
        assert_eq!(processed, [1, 1, 2]);
    }

    #[tokio::test]
    async fn a_failure_reports_it_and_every_later_record_unprocessed() {
        let records: Vec<Value> = (0..10)
            .map(|i| {
                let status = if i == 4 { "lost" } else { "new" };
                change(i, "INSERT", Some(order_item(i as u64, status)), None, 1)
            })
            .collect();
        let (outcome, processed) = serve(&event(records)).await;
        let expected: Vec<String> = (4..10).map(|i| format!("1000{i:04}")).collect();
        assert_eq!(failed_ids(outcome), expected);
        assert_eq!(processed, [0, 1, 2, 3]);
    }

    #[tokio::test]
    async fn undecodable_images_missing_images_and_panics_fail_from_that_record_on() {
        let bad_type = json!({"id": {"S": "seven"}, "status": {"S": "new"}});
        let records = vec![
            change(0, "INSERT", Some(order_item(1, "new")), None, 1),
            change(1, "INSERT", Some(bad_type), None, 2),
            change(2, "INSERT", Some(order_item(3, "new")), None, 3),
        ];
        let (outcome, processed) = serve(&event(records)).await;
        assert_eq!(failed_ids(outcome), ["10000001", "10000002"]);
        assert_eq!(processed, [1]);

        let records = vec![
            change(0, "INSERT", Some(order_item(1, "new")), None, 1),
            change(1, "REMOVE", None, None, 2),
        ];
        let (outcome, processed) = serve(&event(records)).await;
        assert_eq!(failed_ids(outcome), ["10000001"]);
        assert_eq!(processed, [1]);

        let records = vec![
            change(0, "INSERT", Some(order_item(13, "new")), None, 13),
            change(1, "INSERT", Some(order_item(2, "new")), None, 2),
        ];
        let (outcome, processed) = serve(&event(records)).await;
        assert_eq!(failed_ids(outcome), ["10000000", "10000001"]);
        assert!(processed.is_empty());
    }

    #[test]
    fn decode_errors_name_the_image_and_the_path() {
        let bad_type = json!({"id": {"S": "seven"}, "status": {"S": "new"}});
        let record: EventRecord =
            serde_json::from_value(change(0, "MODIFY", None, Some(bad_type), 7)).unwrap();
        let err = Source::payload(&record, json::<Order>).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "OldImage: id: invalid type: string");
        let err = Source::record(&record, json::<Order>).unwrap_err();
        assert!(err.error_message.starts_with("OldImage: id:"));

        let keys_only: EventRecord =
            serde_json::from_value(change(1, "REMOVE", None, None, 7)).unwrap();
        let err = Source::payload(&keys_only, json::<Order>).unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(
            err.error_message
                .contains("neither a NewImage nor an OldImage")
        );
        // The wrapper still serves a keys-only stream.
        let wrapped = Source::record(&keys_only, json::<Order>).unwrap();
        assert!(wrapped.new_image.is_none() && wrapped.old_image.is_none());
        assert_eq!(Value::Object(wrapped.keys), json!({"id": 7}));
    }

    #[test]
    fn numbers_keep_their_kind() {
        let item: Item = serde_json::from_value(json!({
            "small": {"N": "-3"},
            "big": {"N": "18446744073709551615"},
            "decimal": {"N": "0.5"},
            "huge": {"N": "1e400"},
            "nested": {"L": [{"M": {"n": {"NS": ["1", "1e999"]}}}]}
        }))
        .unwrap();
        let mut fine = item.clone();
        fine.remove("huge");
        fine.remove("nested");
        assert_eq!(
            Value::Object(item_to_json(&fine, "NewImage").unwrap()),
            json!({"small": -3, "big": 18446744073709551615_u64, "decimal": 0.5})
        );
        let err = item_to_json(&item, "NewImage")
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(err.error_type, "InvalidEvent");
        let mut nested = item;
        nested.remove("huge");
        let err = item_to_json(&nested, "NewImage")
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(
            err.error_message,
            "NewImage.nested[0].n[1]: number out of the range of a JSON number"
        );
    }

    #[tokio::test]
    async fn wrong_envelope_is_invalid_event() {
        let (outcome, _) = serve(br#"{"Records": [{"dynamodb": 5}]}"#).await;
        let err = outcome.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(&err.error_message, "Records[0]");
    }
}
