//! `sqs-orders`: one handler call per SQS message, with partial batch
//! failures.
//!
//! Each message body is an order `{"id": 1, "amount": 9.5, "customer": "ada"}`.
//! The function answers an `SqsBatchResponse` naming the messages that did
//! not succeed: a body that is not an order, an order with a negative amount
//! (`NegativeAmount`), and an order with id 0, which hits a bug in this
//! example and panics. SQS deletes every other message and redelivers only
//! those. Enable `ReportBatchItemFailures` on the event source mapping.
//! When the environment shuts down, `flush` runs once with the warm state.
//! `SQS_ORDERS_WRITE_MS` sets how long the stand-in database write of each
//! order takes (20 ms by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin sqs-orders -- --event examples/events/sqs-orders.json
//! {"batchItemFailures":[{"itemIdentifier":"b7c1..."}, ...]}
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// The message body.
#[derive(Debug, Deserialize)]
pub struct Order {
    /// The order id.
    pub id: u64,
    /// The amount to charge; must not be negative.
    pub amount: f64,
    /// Who ordered.
    pub customer: String,
}

/// A negative amount: this message fails, the rest of the batch does not.
#[derive(Debug)]
pub struct NegativeAmount {
    id: u64,
    amount: f64,
}

impl fmt::Display for NegativeAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "order {} has a negative amount ({})",
            self.id, self.amount
        )
    }
}

impl std::error::Error for NegativeAmount {}

/// Warm state: a stand-in for a database client, built once.
#[derive(Debug)]
pub struct Ledger {
    accepted: AtomicU64,
    /// How long one write takes.
    write: Duration,
}

fn ledger() -> Ledger {
    let write_ms = std::env::var("SQS_ORDERS_WRITE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(20);
    Ledger {
        accepted: AtomicU64::new(0),
        write: Duration::from_millis(write_ms),
    }
}

/// The shutdown hook: runs once when Lambda shuts the environment down
/// (`SIGTERM`), with the warm state. A real ledger would flush its buffer
/// here; this one reports what it accepted. It has about 500 ms.
fn flush(ledger: &Ledger) {
    let accepted = ledger.accepted.load(Ordering::Relaxed);
    // Written straight to stderr (CloudWatch): the process exits right after.
    eprintln!("sqs-orders: shutting down, flushed {accepted} accepted orders");
}

/// Accepts one order.
///
/// # Errors
///
/// Returns a [`NegativeAmount`] when the order's amount is below zero; only
/// this message is then listed in `batchItemFailures`.
///
/// # Panics
///
/// Panics when the order's id is 0, a bug left in on purpose: the panic too
/// fails only this message.
#[lambda(sqs, init = ledger, concurrency = 10, shutdown = flush)]
pub async fn sqs_orders(
    order: Order,
    ledger: &Ledger,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    if order.amount < 0.0 {
        return Err(NegativeAmount {
            id: order.id,
            amount: order.amount,
        }
        .into());
    }
    // A bug in this example, to show that a panic fails only its message.
    assert_ne!(order.id, 0, "order id 0 is reserved");
    // Stands in for the database write: 20 ms of I/O per order, which the
    // `concurrency = 10` above overlaps across a batch.
    tokio::time::sleep(ledger.write).await;
    let total = ledger.accepted.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!(
        "request {}: accepted order {} for {} ({} accepted so far)",
        ctx.request_id, order.id, order.customer, total
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger `init` builds, without the stand-in write's 20 ms.
    fn quick_ledger() -> Ledger {
        Ledger {
            accepted: AtomicU64::new(0),
            write: Duration::ZERO,
        }
    }

    // The orders of `examples/events/sqs-orders.json`.

    #[tokio::test]
    async fn accepts_an_order_and_counts_it() {
        let ledger = quick_ledger();
        let order = Order {
            id: 1,
            amount: 19.99,
            customer: "ada".into(),
        };
        sqs_orders(order, &ledger, &Context::default())
            .await
            .unwrap();
        assert_eq!(ledger.accepted.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn refuses_a_negative_amount_without_counting_it() {
        let ledger = quick_ledger();
        let order = Order {
            id: 2,
            amount: -5.0,
            customer: "bob".into(),
        };
        let err = sqs_orders(order, &ledger, &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "NegativeAmount");
        assert_eq!(err.to_string(), "order 2 has a negative amount (-5)");
        assert_eq!(ledger.accepted.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    #[should_panic(expected = "order id 0 is reserved")]
    async fn order_id_0_hits_the_bug_left_in() {
        let order = Order {
            id: 0,
            amount: 1.0,
            customer: "ada".into(),
        };
        let _ = sqs_orders(order, &quick_ledger(), &Context::default()).await;
    }
}
