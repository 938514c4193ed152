//! `mq-messages`: one handler call per Amazon MQ message, from ActiveMQ or
//! RabbitMQ.
//!
//! Each message's data is text, base64-encoded by Lambda and decoded before
//! the handler sees it; the function logs it with its queue. An empty
//! message fails (`EmptyMessage`), and a message `crash` hits a bug left in
//! this example and panics. Amazon MQ has no partial batch response: any
//! failure fails the invocation with an error naming every failed message,
//! and the broker redelivers the whole batch, the messages that succeeded
//! included, so the handler must be idempotent. `MQ_MESSAGES_WORK_MS` sets
//! how long each message takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin mq-messages -- --event examples/events/mq-messages.json
//! null
//! ```

use std::fmt;
use std::time::Duration;

use lambda_fn::mq::MqMessage;
use lambda_fn::{Context, lambda};

/// A message without text.
#[derive(Debug)]
pub struct EmptyMessage;

impl fmt::Display for EmptyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the message is empty")
    }
}

impl std::error::Error for EmptyMessage {}

/// Warm state: how long a message takes.
#[derive(Debug)]
pub struct Work {
    each: Duration,
}

fn work() -> Work {
    let ms = std::env::var("MQ_MESSAGES_WORK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Work {
        each: Duration::from_millis(ms),
    }
}

/// Handles one message.
///
/// # Errors
///
/// Returns [`EmptyMessage`] for a message without text.
///
/// # Panics
///
/// Panics on the message `crash`, a bug left in on purpose.
#[lambda(mq, init = work, concurrency = 4)]
pub async fn mq_messages(
    message: MqMessage<String>,
    work: &Work,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    if message.data.is_empty() {
        return Err(EmptyMessage.into());
    }
    assert!(
        message.data != "crash",
        "the message parser cannot read `crash`"
    );
    tokio::time::sleep(work.each).await;
    eprintln!(
        "request {}: handled message {} from {}{}: {}",
        ctx.request_id,
        message.message_id.as_deref().unwrap_or("<no id>"),
        message.queue.as_deref().unwrap_or("<no queue>"),
        if message.redelivered {
            " (redelivered)"
        } else {
            ""
        },
        message.data
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> Work {
        Work {
            each: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn handles_a_message() {
        let message = MqMessage::new("ID:1", "restock shelf 4".to_owned());
        mq_messages(message, &quick(), &Context::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn refuses_an_empty_message() {
        let message = MqMessage::new("ID:2", String::new());
        let err = mq_messages(message, &quick(), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "EmptyMessage");
    }
}
