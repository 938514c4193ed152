//! `#[lambda(sns)]` with the record wrapper, warm state and concurrency.

#![deny(warnings)]

use lambda_fn::lambda;
use lambda_fn::sns::SnsRecord;

struct Channels;

fn channels() -> Channels {
    Channels
}

#[lambda(sns, init = channels, concurrency = 4)]
async fn notify(message: SnsRecord<serde_json::Value>, _channels: &Channels) -> Result<(), lambda_fn::Error> {
    assert!(message.message.is_object());
    Ok(())
}
