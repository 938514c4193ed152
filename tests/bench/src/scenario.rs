//! The scenarios: the event of every invocation, and the check of every
//! answer. Each event is generated from its index and each answer is checked
//! against the answer that index must get, so an answer is only counted when
//! it is right.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Value, json};

/// The records of an SQS batch.
pub const BATCH: usize = 10;
/// The record of every `sqs` batch whose body is not an order.
pub const BAD_BODY: usize = 3;
/// The record of every `sqs` batch whose order has a negative amount.
pub const NEGATIVE: usize = 7;

/// One function, in four ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// `#[lambda]`.
    A,
    /// Hand-written as lambda_runtime's README shows:
    /// `#[tokio::main]` + `lambda_runtime::run(service_fn(..))`.
    B1,
    /// The same hand-written code on a current-thread tokio runtime.
    B2,
    /// The floor: a blocking Runtime API loop without any framework.
    C,
}

impl Variant {
    /// Every variant, in the order runs alternate.
    pub const ALL: [Variant; 4] = [Variant::A, Variant::B1, Variant::B2, Variant::C];

    /// `a`, `b1`, `b2`, `c`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::A => "a",
            Variant::B1 => "b1",
            Variant::B2 => "b2",
            Variant::C => "c",
        }
    }

    /// What the variant is, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Variant::A => "#[lambda]",
            Variant::B1 => "lambda_runtime, #[tokio::main]",
            Variant::B2 => "lambda_runtime, current-thread",
            Variant::C => "floor: bare Runtime API loop",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the function does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    /// The whole event, a small JSON object, answered as it is.
    Echo,
    /// SQS batches of 10 typed orders: one body that is not an order and
    /// one negative amount per batch, both reported in `batchItemFailures`.
    Sqs,
    /// SQS batches of 10 orders that each await 20 ms of simulated I/O:
    /// `concurrency = 10` against the hand-written sequential loop.
    SqsIo,
}

impl Scenario {
    /// Every scenario, in the order they run.
    pub const ALL: [Scenario; 3] = [Scenario::Echo, Scenario::Sqs, Scenario::SqsIo];

    /// `echo`, `sqs`, `sqs-io`: also the prefix of the binaries' names.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Echo => "echo",
            Scenario::Sqs => "sqs",
            Scenario::SqsIo => "sqs-io",
        }
    }

    /// The variants this scenario is measured in. The I/O scenario has no
    /// floor: a blocking loop would only measure `thread::sleep`.
    pub fn variants(self) -> &'static [Variant] {
        match self {
            Scenario::Echo | Scenario::Sqs => &Variant::ALL,
            Scenario::SqsIo => &[Variant::A, Variant::B1, Variant::B2],
        }
    }

    /// The binary of `variant`: `echo-a`, `sqs-io-b2`, ...
    pub fn binary(self, variant: Variant) -> String {
        format!("{}-{}", self.name(), variant.name())
    }

    /// The event of invocation `index`.
    pub fn event(self, index: usize) -> Vec<u8> {
        let value = match self {
            Scenario::Echo => echo_event(index),
            Scenario::Sqs | Scenario::SqsIo => {
                let records: Vec<Value> = (0..BATCH)
                    .map(|record| sqs_record(self, index, record))
                    .collect();
                json!({ "Records": records })
            }
        };
        serde_json::to_vec(&value).expect("events serialize")
    }

    /// Checks the answer to invocation `index`: `outcome` is the response
    /// body, or the `(errorType, errorMessage)` the function posted.
    ///
    /// # Errors
    ///
    /// What is wrong with the answer.
    pub fn check(self, index: usize, outcome: Result<&[u8], (&str, &str)>) -> Result<(), String> {
        let answer = answer_json(index, outcome)?;
        match self {
            Scenario::Echo => {
                let expected = echo_event(index);
                if answer != expected {
                    return Err(format!(
                        "invocation {index}: echoed {answer}, expected {expected}"
                    ));
                }
            }
            Scenario::Sqs | Scenario::SqsIo => {
                let items = failed_items(&answer);
                let failed: Option<BTreeSet<&str>> =
                    items.as_ref().map(|ids| ids.iter().copied().collect());
                let expected: BTreeSet<String> = match self {
                    Scenario::Sqs => [BAD_BODY, NEGATIVE]
                        .map(|record| message_id(index, record))
                        .into(),
                    _ => BTreeSet::new(),
                };
                let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
                let count = items.as_ref().map_or(0, Vec::len);
                if failed.as_ref() != Some(&expected) || count != expected.len() {
                    return Err(format!(
                        "invocation {index}: answered {answer}, expected batchItemFailures {expected:?}"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The answer to invocation `index` as JSON: `outcome` is the response
/// body, or the `(errorType, errorMessage)` the function posted.
///
/// # Errors
///
/// The invocation failed, or its answer is not JSON.
pub fn answer_json(index: usize, outcome: Result<&[u8], (&str, &str)>) -> Result<Value, String> {
    let body = outcome.map_err(|(error_type, message)| {
        format!("invocation {index} failed: {error_type}: {message}")
    })?;
    serde_json::from_slice(body).map_err(|err| {
        format!(
            "invocation {index}: the answer is not JSON ({err}): {}",
            String::from_utf8_lossy(body)
        )
    })
}

/// The `itemIdentifier`s of an SQS partial batch response, in order, or
/// `None` if `answer` is not one.
pub fn failed_items(answer: &Value) -> Option<Vec<&str>> {
    answer["batchItemFailures"].as_array().and_then(|items| {
        items
            .iter()
            .map(|item| item["itemIdentifier"].as_str())
            .collect()
    })
}

/// The echo event of invocation `index`: a small JSON object.
fn echo_event(index: usize) -> Value {
    json!({
        "id": index,
        "name": "Ferris",
        "tags": ["lambda", "rust"],
        "active": index.is_multiple_of(2),
        "score": 9.5,
    })
}

/// The message id of `record` in the batch of invocation `index`, shaped
/// like SQS's UUIDs.
pub fn message_id(index: usize, record: usize) -> String {
    format!("{index:08x}-0000-4000-8000-{record:012x}")
}

fn sqs_record(scenario: Scenario, index: usize, record: usize) -> Value {
    let order_id = index * BATCH + record + 1;
    let body = match (scenario, record) {
        (Scenario::Sqs, BAD_BODY) => "this is not an order".to_owned(),
        (Scenario::Sqs, NEGATIVE) => {
            json!({ "id": order_id, "amount": -3.5, "customer": "ada" }).to_string()
        }
        _ => {
            json!({ "id": order_id, "amount": 12.5 + record as f64, "customer": "ada" }).to_string()
        }
    };
    sqs_message(message_id(index, record), body, "orders")
}

/// One SQS message as Lambda delivers it: `body` from queue `queue`, with
/// the attributes of a first delivery.
pub fn sqs_message(message_id: String, body: String, queue: &str) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": "MessageReceiptHandle-AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1523232000000",
            "SenderId": "123456789012",
            "ApproximateFirstReceiveTimestamp": "1523232000001"
        },
        "messageAttributes": {},
        "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
        "eventSource": "aws:sqs",
        "eventSourceARN": format!("arn:aws:sqs:us-east-1:123456789012:{queue}"),
        "awsRegion": "us-east-1"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_answers_are_checked_by_value() {
        let event = Scenario::Echo.event(5);
        assert_eq!(Scenario::Echo.check(5, Ok(&event)), Ok(()));
        // Another invocation's event is a wrong answer.
        let other = Scenario::Echo.event(6);
        assert!(Scenario::Echo.check(5, Ok(&other)).is_err());
        assert!(
            Scenario::Echo
                .check(5, Err(("Panic", "boom")))
                .unwrap_err()
                .contains("Panic: boom")
        );
    }

    #[test]
    fn sqs_answers_must_name_exactly_the_two_bad_records() {
        let right = json!({ "batchItemFailures": [
            { "itemIdentifier": message_id(9, NEGATIVE) },
            { "itemIdentifier": message_id(9, BAD_BODY) },
        ]})
        .to_string();
        assert_eq!(Scenario::Sqs.check(9, Ok(right.as_bytes())), Ok(()));
        let one_missing = json!({ "batchItemFailures": [
            { "itemIdentifier": message_id(9, BAD_BODY) },
        ]})
        .to_string();
        assert!(Scenario::Sqs.check(9, Ok(one_missing.as_bytes())).is_err());
        let twice = json!({ "batchItemFailures": [
            { "itemIdentifier": message_id(9, BAD_BODY) },
            { "itemIdentifier": message_id(9, BAD_BODY) },
            { "itemIdentifier": message_id(9, NEGATIVE) },
        ]})
        .to_string();
        assert!(Scenario::Sqs.check(9, Ok(twice.as_bytes())).is_err());
        assert!(Scenario::Sqs.check(9, Ok(b"null")).is_err());
        let none = br#"{"batchItemFailures":[]}"#;
        assert_eq!(Scenario::SqsIo.check(9, Ok(none)), Ok(()));
        assert!(Scenario::SqsIo.check(9, Ok(right.as_bytes())).is_err());
    }

    #[test]
    fn sqs_events_carry_the_bad_records() {
        let event: Value = serde_json::from_slice(&Scenario::Sqs.event(2)).unwrap();
        let records = event["Records"].as_array().unwrap();
        assert_eq!(records.len(), BATCH);
        assert_eq!(records[BAD_BODY]["body"], "this is not an order");
        assert!(records[NEGATIVE]["body"].as_str().unwrap().contains("-3.5"));
        assert_eq!(records[0]["messageId"], message_id(2, 0));
    }
}
