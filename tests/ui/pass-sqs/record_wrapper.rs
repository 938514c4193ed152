//! `SqsRecord<T>`: the decoded body plus the message id and attributes.

#![deny(warnings)]

use lambda_fn::lambda;
use lambda_fn::sqs::SqsRecord;
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    name: String,
}

#[lambda(sqs)]
async fn handle(message: SqsRecord<Order>) -> Result<(), lambda_fn::Error> {
    assert_eq!(message.message_id, "ui-1");
    assert_eq!(message.body.name, "Ferris");
    assert_eq!(message.receive_count(), Some(1));
    Ok(())
}
