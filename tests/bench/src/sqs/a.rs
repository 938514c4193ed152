//! `sqs-a`: the typed SQS function with `#[lambda(sqs)]` (variant a). A body
//! that is not an order, or an order with a negative amount, fails only its
//! message, which is listed in `batchItemFailures`.

use lambda_fn::lambda;
use lambda_fn_bench::model::Order;

/// Accepts one order.
#[lambda(sqs)]
async fn orders(order: Order) -> Result<(), lambda_fn::Error> {
    order.check()?;
    Ok(())
}
