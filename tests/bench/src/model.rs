//! The business types of the SQS scenarios, shared by every variant so that
//! each one decodes the same type and applies the same rule.

use std::fmt;

use serde::Deserialize;

/// An SQS message body: `{"id": 7, "amount": 12.5, "customer": "ada"}`.
#[derive(Debug, Deserialize)]
pub struct Order {
    /// The order id.
    pub id: u64,
    /// The amount to charge; must not be negative.
    pub amount: f64,
    /// Who ordered.
    pub customer: String,
}

impl Order {
    /// The business rule: an order must not have a negative amount.
    ///
    /// # Errors
    ///
    /// [`NegativeAmount`] when the amount is below zero.
    pub fn check(&self) -> Result<(), NegativeAmount> {
        if self.amount < 0.0 {
            return Err(NegativeAmount {
                id: self.id,
                amount: self.amount,
            });
        }
        Ok(())
    }
}

/// An order with a negative amount: this message fails, the rest of its
/// batch does not.
#[derive(Debug)]
pub struct NegativeAmount {
    /// The order id.
    pub id: u64,
    /// The amount, below zero.
    pub amount: f64,
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

/// Stands in for the database write of an order in the `sqs-io` scenario:
/// 20 ms of I/O.
pub async fn save(order: &Order) {
    let _ = order;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}
