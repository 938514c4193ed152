//! `#[lambda(cloudwatch_logs)]` with each log event's message as text.

#![deny(warnings)]

use lambda_fn::lambda;

#[lambda(cloudwatch_logs)]
async fn handle(message: String) -> Result<(), lambda_fn::Error> {
    assert!(message.starts_with("{\"level\": "), "{message}");
    Ok(())
}
