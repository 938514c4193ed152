//! `MqMessage<T>` with warm state: the message id, queue and broker
//! properties beside the decoded data.

#![deny(warnings)]

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_fn::lambda;
use lambda_fn::mq::{Broker, MqMessage};
use serde::Deserialize;

#[derive(Deserialize)]
struct Task {
    id: u64,
    name: String,
}

#[derive(Default)]
struct Done(AtomicU64);

fn done() -> Done {
    Done::default()
}

async fn all_done(done: &Done) {
    assert_eq!(done.0.load(Ordering::SeqCst), 1 + 2 + 3);
}

#[lambda(mq, init = done, shutdown = all_done)]
async fn handle(message: MqMessage<Task>, done: &Done) -> Result<(), lambda_fn::Error> {
    let id = message.message_id.as_deref().unwrap_or_default();
    assert!(id.ends_with(&format!(":{}", message.data.id)), "{id}");
    assert!(!message.data.name.is_empty());
    assert_eq!(message.queue.as_deref(), Some("tasks"));
    assert!(!message.redelivered);
    assert!(message.broker_arn.is_some());
    match &message.broker {
        Broker::ActiveMq { properties, .. } => assert_eq!(properties["origin"], "ui"),
        other => panic!("not an ActiveMQ message: {other:?}"),
    }
    done.0.fetch_add(message.data.id, Ordering::SeqCst);
    Ok(())
}
