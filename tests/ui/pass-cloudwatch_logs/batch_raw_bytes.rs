//! `#[lambda(cloudwatch_logs, batch)]`: every log event of a delivery as
//! raw bytes in one call, answered with one outcome per event.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};

#[lambda(cloudwatch_logs, batch)]
async fn handle(
    messages: Vec<Vec<u8>>,
    deadline: &Deadline,
) -> Result<Vec<Result<(), lambda_fn::Error>>, lambda_fn::Error> {
    assert_eq!(messages.len(), 3);
    assert!(deadline.remaining().is_some());
    Ok(messages
        .iter()
        .map(|message| {
            assert!(message.starts_with(b"{\"level\": "));
            Ok(())
        })
        .collect())
}
