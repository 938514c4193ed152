//! `#[lambda(sqs, batch)]`: every message body of a batch in one call,
//! answered with one outcome per message.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
}

#[lambda(sqs, batch)]
async fn handle(orders: Vec<Order>) -> Vec<Result<(), lambda_fn::Error>> {
    assert_eq!(orders.len(), 1);
    orders
        .iter()
        .map(|order| {
            assert_eq!(order.id, 7);
            Ok(())
        })
        .collect()
}
