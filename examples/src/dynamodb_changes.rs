//! `dynamodb-changes`: an audit of the `orders` table, one handler call per
//! `DynamoDB` Streams record, in order, with partial batch failures.
//!
//! Items of the table look like `{"id": {"N": "7"}, "status": {"S":
//! "paid"}, "amount": {"N": "19.99"}}` and decode into [`Order`] as plain
//! JSON would. The stream's view type is `NEW_AND_OLD_IMAGES`, so a
//! modification carries the order before and after the change. An order
//! whose status moves backwards (`delivered` to `new`) breaks the order
//! life cycle and fails its record (`InvalidTransition`); an order with id 0
//! hits a bug in this example and panics. Records of a shard are processed
//! one at a time in order: at the first failure, that record and every later
//! one are reported in the `DynamoDbEventResponse` without being processed,
//! so Lambda checkpoints the changes before it and retries from there.
//! Enable `ReportBatchItemFailures` on the event source mapping.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin dynamodb-changes -- --event examples/events/dynamodb-changes.json
//! {"batchItemFailures":[{"itemIdentifier":"300..."}, ...]}
//! ```

use std::fmt;

use lambda_fn::dynamodb::DynamoDbRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// An item of the `orders` table.
#[derive(Debug, Deserialize)]
pub struct Order {
    /// The order id, the table's partition key.
    pub id: u64,
    /// Where the order is in its life cycle.
    pub status: Status,
    /// The amount charged.
    pub amount: f64,
}

/// The life cycle of an order: `new`, then `paid` or `cancelled`, then
/// `shipped` (or `cancelled`), then `delivered`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Placed, not paid yet.
    New,
    /// Paid, not shipped yet.
    Paid,
    /// On its way.
    Shipped,
    /// Arrived.
    Delivered,
    /// Cancelled before it shipped.
    Cancelled,
}

impl Status {
    /// Whether an order may go from `self` to `next` in one change.
    fn may_become(self, next: Status) -> bool {
        use Status::{Cancelled, Delivered, New, Paid, Shipped};
        self == next
            || matches!(
                (self, next),
                (New, Paid) | (New | Paid, Cancelled) | (Paid, Shipped) | (Shipped, Delivered)
            )
    }
}

/// A change that breaks the order life cycle: this record (with every later
/// one of the batch) is retried, and someone should look at the writer.
#[derive(Debug)]
pub struct InvalidTransition {
    id: u64,
    from: Status,
    to: Status,
}

impl fmt::Display for InvalidTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "order {} went from {:?} to {:?}, which its life cycle does not allow",
            self.id, self.from, self.to
        )
    }
}

impl std::error::Error for InvalidTransition {}

/// Audits one change of the `orders` table.
///
/// # Errors
///
/// Fails with the error type `KeysOnlyStream` when the record carries neither
/// image (the stream's view type is not `NEW_AND_OLD_IMAGES`), and returns an
/// [`InvalidTransition`] when the status changes in a way
/// [`Status`]'s life cycle does not allow. Either way this record and every
/// later one of the shard's batch are reported in `batchItemFailures`.
///
/// # Panics
///
/// Panics when the order's id is 0, a bug left in on purpose: the panic
/// fails the record (and the later ones) like an error.
#[lambda(dynamodb)]
pub async fn dynamodb_changes(
    change: DynamoDbRecord<Order>,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    let (before, after) = (change.old_image.as_ref(), change.new_image.as_ref());
    let Some(order) = after.or(before) else {
        return Err(lambda_fn::Error::msg(
            "the stream carries no images: set its view type to NEW_AND_OLD_IMAGES",
        )
        .with_error_type("KeysOnlyStream"));
    };
    // A bug in this example, to show that a panic fails its record (and, in
    // order, the rest of the batch) but not the function.
    assert_ne!(order.id, 0, "order id 0 is reserved");
    if let (Some(before), Some(after)) = (before, after)
        && !before.status.may_become(after.status)
    {
        return Err(InvalidTransition {
            id: after.id,
            from: before.status,
            to: after.status,
        }
        .into());
    }
    let what = match (before, after) {
        (Some(before), Some(after)) => format!("{:?} -> {:?}", before.status, after.status),
        (None, Some(after)) => format!("created {:?}, {:.2}", after.status, after.amount),
        _ => "deleted".to_owned(),
    };
    eprintln!(
        "request {}: audited record {} ({}) of order {}: {}",
        ctx.request_id, change.sequence_number, change.event_name, order.id, what
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: u64, status: Status) -> Order {
        Order {
            id,
            status,
            amount: 42.5,
        }
    }

    fn change(event_name: &str, old: Option<Order>, new: Option<Order>) -> DynamoDbRecord<Order> {
        let mut change = DynamoDbRecord::new(event_name, "10000000000000000000001");
        change.old_image = old;
        change.new_image = new;
        change
    }

    #[tokio::test]
    async fn audits_a_change_along_the_life_cycle() {
        for record in [
            change("INSERT", None, Some(order(7, Status::New))),
            change(
                "MODIFY",
                Some(order(7, Status::New)),
                Some(order(7, Status::Paid)),
            ),
            change("REMOVE", Some(order(7, Status::Delivered)), None),
        ] {
            let result = dynamodb_changes(record, &Context::default()).await;
            assert!(result.is_ok(), "{result:?}");
        }
    }

    #[tokio::test]
    async fn refuses_a_change_that_breaks_the_life_cycle() {
        let record = change(
            "MODIFY",
            Some(order(7, Status::Delivered)),
            Some(order(7, Status::New)),
        );
        let err = dynamodb_changes(record, &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "InvalidTransition");
        assert!(err.to_string().contains("order 7"), "{err}");
    }

    #[tokio::test]
    async fn a_keys_only_stream_is_refused() {
        let err = dynamodb_changes(change("REMOVE", None, None), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "KeysOnlyStream");
    }

    #[tokio::test]
    #[should_panic(expected = "order id 0 is reserved")]
    async fn order_id_zero_is_a_bug() {
        let _ = dynamodb_changes(
            change("INSERT", None, Some(order(0, Status::New))),
            &Context::default(),
        )
        .await;
    }
}
