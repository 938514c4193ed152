//! `kafka-orders`: one handler call per Kafka record, in order within each
//! partition, with partial batch failures (Amazon MSK or self-managed
//! Kafka).
//!
//! Each record's value is an order `{"id": 1, "amount": 9.5, "customer":
//! "ada"}`, base64-encoded by Lambda and decoded before the handler sees
//! it. An order with a negative amount fails its record (`NegativeAmount`);
//! an order with id 0 hits a bug left in this example and panics. Records of
//! a partition are processed one at a time in offset order: at the first
//! failure, that record and every later one of its partition are reported
//! in `batchItemFailures` (by partition and offset) without being
//! processed, while the other partitions go on, up to four at once. The
//! event source mapping needs provisioned mode and `ReportBatchItemFailures`.
//! `KAFKA_ORDERS_WRITE_MS` sets how long the stand-in write of each order
//! takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin kafka-orders -- --event examples/events/kafka-orders.json
//! {"batchItemFailures":[{"itemIdentifier":{"partition":"orders-1","offset":41}}]}
//! ```

use std::fmt;
use std::time::Duration;

use lambda_fn::kafka::KafkaRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// A record's value.
#[derive(Debug, Deserialize)]
pub struct Order {
    /// The order id.
    pub id: u64,
    /// The amount to charge; must not be negative.
    pub amount: f64,
    /// Who ordered.
    pub customer: String,
}

/// A negative amount: this record fails, and the rest of its partition is
/// retried after it.
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

/// Warm state: how long the stand-in write of an order takes.
#[derive(Debug)]
pub struct Store {
    write: Duration,
}

fn store() -> Store {
    let write_ms = std::env::var("KAFKA_ORDERS_WRITE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Store {
        write: Duration::from_millis(write_ms),
    }
}

/// Stores one order.
///
/// # Errors
///
/// Returns a [`NegativeAmount`] when the order's amount is below zero.
///
/// # Panics
///
/// Panics when the order's id is 0, a bug left in on purpose: the panic too
/// fails only its record (and the later ones of its partition).
#[lambda(kafka, init = store, concurrency = 4)]
pub async fn kafka_orders(
    record: KafkaRecord<Order>,
    store: &Store,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    let order = &record.value;
    if order.amount < 0.0 {
        return Err(NegativeAmount {
            id: order.id,
            amount: order.amount,
        }
        .into());
    }
    assert_ne!(order.id, 0, "order id 0 is reserved");
    tokio::time::sleep(store.write).await;
    eprintln!(
        "request {}: stored order {} of {}-{}@{} for {}",
        ctx.request_id, order.id, record.topic, record.partition, record.offset, order.customer
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, amount: f64) -> KafkaRecord<Order> {
        KafkaRecord::new(
            "orders",
            0,
            40,
            Order {
                id,
                amount,
                customer: "ada".into(),
            },
        )
    }

    fn quick() -> Store {
        Store {
            write: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn stores_an_order() {
        kafka_orders(record(1, 19.99), &quick(), &Context::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn refuses_a_negative_amount() {
        let err = kafka_orders(record(2, -5.0), &quick(), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "NegativeAmount");
        assert_eq!(err.to_string(), "order 2 has a negative amount (-5)");
    }
}
