//! `sqs-io-a`: SQS orders that each await 20 ms of I/O, with
//! `#[lambda(sqs, concurrency = 10)]` (variant a): the ten messages of a
//! batch wait at the same time.

use lambda_fn::lambda;
use lambda_fn_bench::model::{Order, save};

/// Accepts and saves one order.
#[lambda(sqs, concurrency = 10)]
async fn orders(order: Order) -> Result<(), lambda_fn::Error> {
    order.check()?;
    save(&order).await;
    Ok(())
}
