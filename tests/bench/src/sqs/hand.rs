//! The typed SQS handler hand-written on lambda_runtime, shared by `sqs-b1`
//! and `sqs-b2`: what a careful user writes for partial batch failures.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_fn_bench::model::Order;
use lambda_runtime::{Error, LambdaEvent};

/// Accepts every order of the batch; answers the messages that failed.
pub async fn orders(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let (event, context) = event.into_parts();
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        if let Err(err) = process(message) {
            // A failed message that cannot be named fails the whole batch,
            // so that SQS redelivers it rather than deleting it.
            let Some(id) = message.message_id.clone() else {
                return Err(format!("a message without a messageId failed: {err}").into());
            };
            tracing::error!(request_id = %context.request_id, message_id = %id, error = %err, "message failed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// Accepts one order.
fn process(message: &SqsMessage) -> Result<(), Error> {
    let body = message.body.as_deref().ok_or("the message has no body")?;
    let order: Order = serde_json::from_str(body)?;
    order.check()?;
    Ok(())
}
