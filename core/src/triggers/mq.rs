//! `#[lambda(mq)]`: one handler call per Amazon MQ message, from an
//! ActiveMQ or a RabbitMQ broker (one keyword; the event says which).
//!
//! The handler's payload is the message's data (base64 in the event,
//! decoded before anything else) decoded from JSON into `T`, or the raw
//! data as `String` / `Vec<u8>`; or an [`MqMessage<T>`] that also carries the
//! message id, the queue and the broker's properties. A message without
//! data has an empty body; data that is not base64 fails its message as
//! `InvalidEvent`.
//!
//! Amazon MQ has no partial batch response
//! (<https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html>): when any
//! message fails to decode, returns `Err` or panics, the invocation fails
//! with an error naming every failed message id, and Lambda returns **the
//! whole batch** to the broker, the messages that succeeded included. They
//! are redelivered (`redelivered` is then `true`) until they succeed or the
//! broker's redelivery policy moves them to its dead-letter queue, so a
//! handler must be idempotent. Messages are independent: up to
//! `concurrency` run at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use aws_lambda_events::event::activemq::ActiveMqMessage;
pub use aws_lambda_events::event::rabbitmq::RabbitMqBasicProperties;
use aws_lambda_events::event::rabbitmq::RabbitMqMessage;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{Body, Decoder, epoch_millis};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Trigger, WithBody, answer_all_or_nothing};

crate::trigger::source!("mq");

/// An Amazon MQ event with its messages in one list: ActiveMQ's `messages`,
/// or RabbitMQ's `rmqMessagesByQueue` queue by queue (sorted by queue).
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(try_from = "Envelope")]
pub struct Batch {
    messages: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    event_source_arn: Option<String>,
    #[serde(default)]
    messages: Option<Vec<ActiveMqMessage>>,
    #[serde(default)]
    rmq_messages_by_queue: Option<HashMap<String, Vec<RabbitMqMessage>>>,
}

/// One message of either broker.
#[doc(hidden)]
#[derive(Debug)]
pub enum Entry {
    ActiveMq {
        broker_arn: Option<Arc<str>>,
        message: ActiveMqMessage,
    },
    RabbitMq {
        broker_arn: Option<Arc<str>>,
        queue: Arc<str>,
        virtual_host: Arc<str>,
        message: RabbitMqMessage,
    },
}

impl TryFrom<Envelope> for Batch {
    type Error = String;

    fn try_from(envelope: Envelope) -> Result<Self, String> {
        let broker_arn: Option<Arc<str>> = envelope.event_source_arn.map(Into::into);
        let messages = match (envelope.messages, envelope.rmq_messages_by_queue) {
            (Some(messages), None) => messages
                .into_iter()
                .map(|message| Entry::ActiveMq {
                    broker_arn: broker_arn.clone(),
                    message,
                })
                .collect(),
            (None, Some(by_queue)) => {
                let mut by_queue: Vec<_> = by_queue.into_iter().collect();
                by_queue.sort_by(|a, b| a.0.cmp(&b.0));
                let mut messages = Vec::new();
                for (key, in_queue) in by_queue {
                    // `<queue>::<virtual host>`.
                    let (queue, virtual_host) = key.split_once("::").unwrap_or((&key, "/"));
                    let (queue, virtual_host): (Arc<str>, Arc<str>) =
                        (queue.into(), virtual_host.into());
                    messages.extend(in_queue.into_iter().map(|message| Entry::RabbitMq {
                        broker_arn: broker_arn.clone(),
                        queue: queue.clone(),
                        virtual_host: virtual_host.clone(),
                        message,
                    }));
                }
                messages
            }
            (Some(_), Some(_)) => {
                return Err(
                    "an Amazon MQ event has `messages` (ActiveMQ) or `rmqMessagesByQueue` (RabbitMQ), not both"
                        .to_owned(),
                );
            }
            (None, None) => {
                return Err(
                    "not an Amazon MQ event: it has neither `messages` (ActiveMQ) nor `rmqMessagesByQueue` (RabbitMQ)"
                        .to_owned(),
                );
            }
        };
        Ok(Batch { messages })
    }
}

impl Trigger for Source {
    type Event = Batch;
    type Record = Entry;
    type Output = ();

    fn id(entry: &Entry) -> Option<String> {
        match entry {
            Entry::ActiveMq { message, .. } => message.message_id.clone(),
            Entry::RabbitMq { message, .. } => message.basic_properties.message_id.clone(),
        }
        .filter(|id| !id.is_empty())
    }

    fn records(batch: &Batch) -> &[Entry] {
        &batch.messages
    }

    fn order(_: &Batch, concurrency: usize) -> Order {
        Order::Unordered { concurrency }
    }

    async fn answer(_: &Batch, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        answer_all_or_nothing(outcome, deadline)
    }
}

/// What the broker says about a message, besides its id and data.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Broker {
    /// An ActiveMQ message.
    ActiveMq {
        /// The JMS type: `jms/text-message`, `jms/bytes-message`.
        message_type: Option<String>,
        /// When the producer sent it.
        timestamp: SystemTime,
        /// The correlation id the producer set.
        correlation_id: Option<String>,
        /// The JMS priority, 0 to 9.
        priority: i64,
        /// The application properties the producer set.
        properties: HashMap<String, String>,
    },
    /// A RabbitMQ message.
    RabbitMq {
        /// The virtual host of its queue.
        virtual_host: String,
        /// Its basic properties (content type, headers, message id...).
        properties: Box<RabbitMqBasicProperties>,
    },
}

/// One Amazon MQ message with its data decoded: take `MqMessage<T>` instead
/// of `T` to see the message id, queue and broker properties too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MqMessage<T> {
    /// The message id (what a failure is named by), if the producer set one.
    pub message_id: Option<String>,
    /// The data, base64-decoded and then decoded with the handler's decoder.
    pub data: T,
    /// The queue: ActiveMQ's destination, or the RabbitMQ queue.
    pub queue: Option<String>,
    /// Whether the broker delivered it before (an earlier invocation of its
    /// batch failed).
    pub redelivered: bool,
    /// The broker's ARN.
    pub broker_arn: Option<String>,
    /// What the broker says about it.
    pub broker: Broker,
}

impl<T> MqMessage<T> {
    /// An ActiveMQ message with this id and data and nothing else set (no
    /// queue or properties; the timestamp is the Unix epoch), for calling a
    /// handler directly in a test. Set the public fields the handler reads.
    pub fn new(message_id: impl Into<String>, data: T) -> Self {
        Self {
            message_id: Some(message_id.into()),
            data,
            queue: None,
            redelivered: false,
            broker_arn: None,
            broker: Broker::ActiveMq {
                message_type: None,
                timestamp: SystemTime::UNIX_EPOCH,
                correlation_id: None,
                priority: 0,
                properties: HashMap::new(),
            },
        }
    }
}

impl WithBody for Source {
    type Wrapper<B> = MqMessage<B>;

    fn body<B>(entry: &Entry, decode: Decoder<B>) -> Result<B, Failure> {
        let data = match entry {
            Entry::ActiveMq { message, .. } => message.data.as_deref(),
            Entry::RabbitMq { message, .. } => message.data.as_deref(),
        };
        let data = match data {
            Some(data) => STANDARD.decode(data).map_err(|err| Failure::InvalidEvent {
                path: Some("data".to_owned()),
                message: format!("not base64: {err}"),
            })?,
            None => Vec::new(),
        };
        decode(Body::Bytes(&data)).map_err(|failure| failure.in_field("data"))
    }

    fn wrap<B>(entry: &Entry, decode: Decoder<B>) -> Result<MqMessage<B>, Failure> {
        let data = Self::body(entry, decode)?;
        let message_id = Self::id(entry);
        Ok(match entry {
            Entry::ActiveMq {
                broker_arn,
                message,
            } => MqMessage {
                message_id,
                data,
                queue: message.destination.physical_name.clone(),
                redelivered: message.redelivered,
                broker_arn: broker_arn.as_deref().map(str::to_owned),
                broker: Broker::ActiveMq {
                    message_type: message.message_type.clone(),
                    timestamp: epoch_millis(message.timestamp),
                    correlation_id: message.correlation_id.clone().filter(|id| !id.is_empty()),
                    priority: message.priority,
                    properties: message.properties.clone(),
                },
            },
            Entry::RabbitMq {
                broker_arn,
                queue,
                virtual_host,
                message,
            } => MqMessage {
                message_id,
                data,
                queue: Some(queue.to_string()),
                redelivered: message.redelivered,
                broker_arn: broker_arn.as_deref().map(str::to_owned),
                broker: Broker::RabbitMq {
                    virtual_host: virtual_host.to_string(),
                    properties: Box::new(message.basic_properties.clone()),
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{json, text};
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, assert_failure, serve_batch};
    use serde_json::json;
    use std::cell::RefCell;

    const ACTIVEMQ: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-activemq-event.json"
    ));
    const RABBITMQ: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-rabbitmq-event.json"
    ));

    fn batch(event: &[u8]) -> Batch {
        serde_json::from_slice(event).unwrap()
    }

    /// An ActiveMQ event of messages `m0`, `m1`, ... with these data.
    fn active_mq(data: &[&str]) -> Vec<u8> {
        let messages: Vec<_> = data
            .iter()
            .enumerate()
            .map(|(i, data)| {
                let mut message: serde_json::Value =
                    serde_json::from_slice::<serde_json::Value>(ACTIVEMQ).unwrap()["messages"][0]
                        .clone();
                message["messageID"] = format!("m{i}").into();
                message["data"] = STANDARD.encode(data).into();
                message
            })
            .collect();
        serde_json::to_vec(&json!({"eventSource": "aws:mq", "messages": messages})).unwrap()
    }

    #[test]
    fn activemq_fixture_arrives_decoded() {
        let batch = batch(ACTIVEMQ);
        let message = Source::record(&batch.messages[0], text).unwrap();
        assert_eq!(message.data, "Enter some text here for the message body...");
        assert_eq!(
            message.message_id.as_deref(),
            Some(
                "ID:b-0f5b7522-2b41-4f85-a615-735a4e6d96b5-2.mq.us-west-2.amazonaws.com-34859-1598944546501-4:12:1:1:3"
            )
        );
        assert_eq!(message.queue.as_deref(), Some("testQueue"));
        assert!(!message.redelivered);
        let Broker::ActiveMq {
            message_type,
            timestamp,
            correlation_id,
            properties,
            ..
        } = message.broker
        else {
            panic!("an ActiveMQ message")
        };
        assert_eq!(message_type.as_deref(), Some("jms/text-message"));
        assert_eq!(timestamp, epoch_millis(1_599_863_938_941));
        assert_eq!(correlation_id, None);
        assert_eq!(properties["testKey"], "testValue");
    }

    #[test]
    fn rabbitmq_fixture_arrives_decoded() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Body {
            timeout: u32,
            data: String,
        }
        let batch = batch(RABBITMQ);
        let message = Source::record(&batch.messages[0], json::<Body>).unwrap();
        assert_eq!(
            message.data,
            Body {
                timeout: 0,
                data: "CZrmf0Gw8Ov4bqLQxD4E".to_owned()
            }
        );
        assert_eq!(message.queue.as_deref(), Some("test"));
        assert_eq!(message.message_id, None);
        let Broker::RabbitMq {
            virtual_host,
            properties,
        } = message.broker
        else {
            panic!("a RabbitMQ message")
        };
        assert_eq!(virtual_host, "/");
        assert_eq!(properties.content_type.as_deref(), Some("text/plain"));
        assert_eq!(properties.body_size, 80);
    }

    /// Serves `event`, failing bodies that are `"fail"` and panicking on
    /// `"panic"`; returns the answer and the bodies processed.
    async fn serve(event: &[u8]) -> (Answer, Vec<String>) {
        let processed = RefCell::new(Vec::new());
        let handler = async |body: String, _: &Invocation<'_, ()>| {
            match body.as_str() {
                "fail" => return Err(crate::Error::msg("refused").with_error_type("Refused")),
                "panic" => panic!("boom"),
                _ => {}
            }
            processed.borrow_mut().push(body);
            Ok(())
        };
        let answer =
            serve_batch::<Source, _, _>(handler, |r| Source::body(r, text), 4, event).await;
        (answer, processed.into_inner())
    }

    #[tokio::test]
    async fn any_failure_fails_the_invocation_naming_every_failed_message() {
        let (answer, processed) = serve(&active_mq(&["a", "fail", "b", "panic", "c"])).await;
        assert_failure(
            &answer.unwrap_err(),
            "RecordsFailed",
            "2 of 5 records failed: m1: Refused: refused; m3: Panic: boom",
        );
        assert_eq!(processed, ["a", "b", "c"], "every message still ran");

        let (answer, processed) = serve(&active_mq(&["a", "b"])).await;
        assert_eq!(answer.unwrap(), b"null");
        assert_eq!(processed.len(), 2);
    }

    #[tokio::test]
    async fn a_message_without_an_id_is_named_by_its_position() {
        let (answer, _) = serve(RABBITMQ).await;
        assert_eq!(answer.unwrap(), b"null");
        let mut event: serde_json::Value = serde_json::from_slice(RABBITMQ).unwrap();
        event["rmqMessagesByQueue"]["test::/"][0]["data"] = STANDARD.encode("fail").into();
        let (answer, _) = serve(&serde_json::to_vec(&event).unwrap()).await;
        assert_failure(&answer.unwrap_err(), "Refused", "the event: refused");
    }

    #[tokio::test]
    async fn data_that_is_not_base64_fails_its_message() {
        let mut event: serde_json::Value = serde_json::from_slice(&active_mq(&["a", "b"])).unwrap();
        event["messages"][1]["data"] = "%%%".into();
        let (answer, processed) = serve(&serde_json::to_vec(&event).unwrap()).await;
        let err = answer.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_eq!(
            err.error_message,
            "1 of 2 records failed: m1: InvalidEvent: data: not base64: Invalid symbol 37, offset 0."
        );
        assert_eq!(processed, ["a"]);
    }

    #[tokio::test]
    async fn an_event_of_neither_broker_is_invalid() {
        let (answer, _) = serve(br#"{"eventSource": "aws:mq"}"#).await;
        let err = answer.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_contains(
            &err.error_message,
            "neither `messages` (ActiveMQ) nor `rmqMessagesByQueue` (RabbitMQ)",
        );
    }
}
