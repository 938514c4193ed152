//! `sqs-c`: the typed SQS function on a bare Runtime API loop, no framework
//! (variant c, the floor).

use std::io::Write;
use std::process::ExitCode;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_fn_bench::model::Order;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn process(message: &SqsMessage) -> Result<(), Error> {
    let body = message.body.as_deref().ok_or("the message has no body")?;
    let order: Order = serde_json::from_str(body)?;
    order.check()?;
    Ok(())
}

fn main() -> ExitCode {
    let served = lambda_fn_bench::floor::serve(|event| {
        let event: SqsEvent = serde_json::from_slice(event)
            .map_err(|err| ("InvalidEvent".to_owned(), err.to_string()))?;
        let mut response = SqsBatchResponse::default();
        for message in &event.records {
            if let Err(err) = process(message) {
                let Some(id) = message.message_id.clone() else {
                    return Err(("HandlerError".to_owned(), err.to_string()));
                };
                let _ = writeln!(std::io::stderr().lock(), "message {id} failed: {err}");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
        serde_json::to_vec(&response).map_err(|err| ("InvalidResponse".to_owned(), err.to_string()))
    });
    if let Err(err) = served {
        eprintln!("sqs-c: {err}");
    }
    ExitCode::FAILURE
}
