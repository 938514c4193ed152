//! Raw bodies: `String` is the body's text and `Vec<u8>` its bytes, also
//! inside the record wrapper.

#![deny(warnings)]

use lambda_fn::lambda;
use lambda_fn::sqs::SqsRecord;

#[lambda(sqs)]
async fn text(body: String) -> Result<(), lambda_fn::Error> {
    assert!(body.starts_with('{'));
    Ok(())
}

#[allow(dead_code)]
async fn bytes_also_work(message: SqsRecord<Vec<u8>>) -> Result<(), lambda_fn::Error> {
    assert!(!message.body.is_empty());
    Ok(())
}
