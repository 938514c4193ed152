//! `#[lambda(sqs)]` with the message body decoded from JSON.

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    id: u64,
}

#[lambda(sqs)]
async fn handle(order: Order) -> Result<(), lambda_fn::Error> {
    assert_eq!(order.id, 7);
    Ok(())
}
