//! `eventbridge-orders`: one handler call per `Order Placed` event from an
//! `EventBridge` rule.
//!
//! The event's `detail` is an order
//! `{"order_id": "ord-1042", "total": 59.97, "items": [{"sku": "KB-101", "quantity": 1, "price": 49.99}]}`.
//! The function answers `null` once the order is accepted. It fails the
//! invocation (`EventBridge` then retries it, and finally sends it to the
//! rule's dead-letter queue) for a detail that is not an order
//! (`InvalidEvent`, naming the field: `detail.total: ...`), an order without
//! items (`EmptyOrder`), and an order with id `ord-0`, which hits a bug in
//! this example and panics (`Panic`).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin eventbridge-orders -- --event examples/events/eventbridge-orders.json
//! null
//! ```

use std::fmt;

use lambda_fn::eventbridge::EventBridgeRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

/// The event's detail: an order was placed.
#[derive(Debug, Deserialize)]
pub struct OrderPlaced {
    /// The order id.
    pub order_id: String,
    /// The amount charged.
    pub total: f64,
    /// What was ordered; must not be empty.
    pub items: Vec<LineItem>,
}

/// One line of an order.
#[derive(Debug, Deserialize)]
pub struct LineItem {
    /// The product.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The unit price.
    pub price: f64,
}

/// An order without items: the invocation fails with this `errorType`.
#[derive(Debug)]
pub struct EmptyOrder {
    order_id: String,
}

impl fmt::Display for EmptyOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order {} has no items", self.order_id)
    }
}

impl std::error::Error for EmptyOrder {}

/// Accepts one placed order.
///
/// # Errors
///
/// Returns an [`EmptyOrder`] when the order has no items; the invocation
/// fails with that `errorType`.
///
/// # Panics
///
/// Panics when the order's id is `ord-0`, a bug left in on purpose: the
/// invocation fails as a `Panic`, and the function keeps serving.
#[lambda(eventbridge)]
pub async fn eventbridge_orders(
    event: EventBridgeRecord<OrderPlaced>,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    let order = &event.detail;
    if order.items.is_empty() {
        return Err(EmptyOrder {
            order_id: order.order_id.clone(),
        }
        .into());
    }
    // A bug in this example, to show that a panic fails the invocation and
    // the function keeps serving.
    assert_ne!(order.order_id, "ord-0", "order id ord-0 is reserved");
    let units: u32 = order.items.iter().map(|item| item.quantity).sum();
    eprintln!(
        "request {}: accepted order {} from {} ({} units, total {:.2})",
        ctx.request_id, order.order_id, event.source, units, order.total
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(order_id: &str, items: Vec<LineItem>) -> EventBridgeRecord<OrderPlaced> {
        let total = items
            .iter()
            .map(|item| f64::from(item.quantity) * item.price)
            .sum();
        EventBridgeRecord::new(
            "Order Placed",
            "com.example.orders",
            OrderPlaced {
                order_id: order_id.into(),
                total,
                items,
            },
        )
    }

    fn books(quantity: u32) -> LineItem {
        LineItem {
            sku: "book-1".into(),
            quantity,
            price: 12.5,
        }
    }

    #[tokio::test]
    async fn accepts_a_placed_order() {
        let result = eventbridge_orders(placed("ord-1", vec![books(2)]), &Context::default()).await;
        assert!(result.is_ok(), "{result:?}");
    }

    #[tokio::test]
    async fn refuses_an_order_without_items() {
        let err = eventbridge_orders(placed("ord-2", vec![]), &Context::default())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "EmptyOrder");
        assert_eq!(err.to_string(), "order ord-2 has no items");
    }

    #[tokio::test]
    #[should_panic(expected = "order id ord-0 is reserved")]
    async fn order_id_ord_0_is_a_bug() {
        let _ = eventbridge_orders(placed("ord-0", vec![books(1)]), &Context::default()).await;
    }
}
