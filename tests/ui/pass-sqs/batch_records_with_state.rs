//! `#[lambda(sqs, batch, init = ...)]` with record wrappers, warm state and
//! the context: an `Err` of the whole call fails every message.

#![deny(warnings)]

use lambda_fn::sqs::SqsRecord;
use lambda_fn::{Context, lambda};
use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    name: String,
}

struct Model {
    ready: bool,
}

fn load() -> Result<Model, lambda_fn::Error> {
    Ok(Model { ready: true })
}

#[lambda(sqs, batch, init = load)]
async fn handle(
    messages: Vec<SqsRecord<Order>>,
    model: &Model,
    ctx: &Context,
) -> Result<Vec<Result<(), lambda_fn::Error>>, lambda_fn::Error> {
    if !model.ready {
        return Err("the model is not loaded".into());
    }
    assert!(!ctx.request_id.is_empty());
    assert_eq!(messages[0].message_id, "ui-1");
    assert_eq!(messages[0].body.name, "Ferris");
    Ok(messages.iter().map(|_| Ok(())).collect())
}
