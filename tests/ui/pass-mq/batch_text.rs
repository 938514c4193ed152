//! `#[lambda(mq, batch)]`: every message's data as text in one call,
//! answered with one outcome per message.

#![deny(warnings)]

use lambda_fn::lambda;

#[lambda(mq, batch)]
async fn handle(
    messages: Vec<String>,
) -> Result<Vec<Result<(), lambda_fn::Error>>, lambda_fn::Error> {
    assert_eq!(messages.len(), 3);
    Ok(messages
        .iter()
        .map(|text| {
            assert!(text.contains("\"name\": "), "{text}");
            Ok(())
        })
        .collect())
}
