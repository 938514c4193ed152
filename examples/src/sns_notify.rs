//! `sns-notify`: delivers each SNS notification to a user by email or SMS.
//!
//! Each message is `{"user_id": 42, "channel": "email", "text": "..."}`.
//! A message for an unknown channel or with empty text is rejected with
//! `Undeliverable`; a message for user 0 hits a bug in this example and
//! panics. SNS has no partial-failure protocol: when any message of an event
//! fails, the invocation fails with an error naming the failed message ids,
//! and Lambda retries the event.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin sns-notify -- --event examples/events/sns-notify.json
//! null
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lambda_fn::sns::SnsRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// The SNS message.
#[derive(Debug, Deserialize)]
pub struct Notification {
    /// Who to notify.
    pub user_id: u64,
    /// How: `email` or `sms`.
    pub channel: String,
    /// What to say; must not be empty.
    pub text: String,
}

/// A notification that cannot be delivered: it fails its invocation.
#[derive(Debug)]
pub enum Undeliverable {
    /// The channel is neither `email` nor `sms`.
    UnknownChannel {
        /// The user the notification was for.
        user_id: u64,
        /// The channel asked for.
        channel: String,
    },
    /// The text is empty.
    EmptyText {
        /// The user the notification was for.
        user_id: u64,
    },
}

impl fmt::Display for Undeliverable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownChannel { user_id, channel } => write!(
                f,
                "notification for user {user_id}: unknown channel `{channel}` (expected `email` or `sms`)"
            ),
            Self::EmptyText { user_id } => {
                write!(f, "notification for user {user_id} has no text")
            }
        }
    }
}

impl std::error::Error for Undeliverable {}

/// Warm state: a stand-in for the email and SMS clients, built once.
#[derive(Debug, Default)]
pub struct Gateway {
    sent: AtomicU64,
}

fn gateway() -> Gateway {
    Gateway::default()
}

/// Delivers one notification.
///
/// # Errors
///
/// Returns [`Undeliverable::UnknownChannel`] when the channel is neither
/// `email` nor `sms`, and [`Undeliverable::EmptyText`] when the text is empty
/// or only whitespace. Either fails the invocation, naming this message.
///
/// # Panics
///
/// Panics when the notification is for user 0, a bug left in on purpose:
/// the panic fails the invocation like an error, and the process keeps
/// serving.
#[lambda(sns, init = gateway, concurrency = 4)]
pub async fn sns_notify(
    record: SnsRecord<Notification>,
    gateway: &Gateway,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    let notification = record.message;
    let user_id = notification.user_id;
    if !matches!(notification.channel.as_str(), "email" | "sms") {
        return Err(Undeliverable::UnknownChannel {
            user_id,
            channel: notification.channel,
        }
        .into());
    }
    if notification.text.trim().is_empty() {
        return Err(Undeliverable::EmptyText { user_id }.into());
    }
    // A bug in this example, to show that a panic fails only its message
    // and the process keeps serving.
    assert_ne!(user_id, 0, "user 0 is the system account");
    // Stands in for the call to the email or SMS provider.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let total = gateway.sent.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!(
        "request {}: sent message {} to user {} by {} ({} sent so far)",
        ctx.request_id, record.message_id, user_id, notification.channel, total
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first message of `examples/events/sns-notify.json`.
    fn shipped(channel: &str, text: &str) -> SnsRecord<Notification> {
        SnsRecord::new(
            "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            Notification {
                user_id: 42,
                channel: channel.into(),
                text: text.into(),
            },
        )
    }

    #[tokio::test]
    async fn delivers_an_email_and_counts_it() {
        let gateway = gateway();
        let record = shipped("email", "Order 1042 is on its way.");
        sns_notify(record, &gateway, &Context::default())
            .await
            .unwrap();
        assert_eq!(gateway.sent.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn refuses_an_unknown_channel() {
        let gateway = gateway();
        let record = shipped("pigeon", "Order 1042 is on its way.");
        let err = sns_notify(record, &gateway, &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "Undeliverable");
        assert_eq!(
            err.to_string(),
            "notification for user 42: unknown channel `pigeon` (expected `email` or `sms`)"
        );
        assert_eq!(gateway.sent.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn refuses_a_blank_text() {
        let record = shipped("sms", "  \n");
        let err = sns_notify(record, &gateway(), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "Undeliverable");
        assert_eq!(err.to_string(), "notification for user 42 has no text");
    }

    #[tokio::test]
    #[should_panic(expected = "user 0 is the system account")]
    async fn user_0_hits_the_bug_left_in() {
        let mut record = shipped("email", "hello");
        record.message.user_id = 0;
        let _ = sns_notify(record, &gateway(), &Context::default()).await;
    }
}
