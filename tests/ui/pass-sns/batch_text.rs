//! `#[lambda(sns, batch)]` with every message as text.

#![deny(warnings)]

use lambda_fn::lambda;

#[lambda(sns, batch)]
async fn notify(messages: Vec<String>) -> Vec<Result<(), lambda_fn::Error>> {
    messages
        .iter()
        .map(|message| {
            assert!(!message.is_empty());
            Ok(())
        })
        .collect()
}
