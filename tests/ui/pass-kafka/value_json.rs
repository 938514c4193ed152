//! `#[lambda(kafka, concurrency = 2)]` with each record's value decoded
//! from JSON and the context: up to two partitions run at once, each in
//! offset order.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::{Context, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
    customer: String,
}

/// A failed Kafka record is only listed in `batchItemFailures` and the
/// invocation still succeeds: the hook, which local mode runs after the
/// event, checks that all three records were handled.
static HANDLED: AtomicUsize = AtomicUsize::new(0);

fn all_handled() {
    assert_eq!(HANDLED.load(Ordering::SeqCst), 3);
}

#[lambda(kafka, concurrency = 2, shutdown = all_handled)]
async fn handle(order: Order, ctx: &Context) -> Result<(), lambda_fn::Error> {
    assert!((7..=9).contains(&order.id));
    assert!(!order.customer.is_empty());
    assert!(!ctx.request_id.is_empty());
    HANDLED.fetch_add(1, Ordering::SeqCst);
    Ok(())
}
