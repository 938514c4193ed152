//! `digits-sqs`: handwritten-digit recognition for SQS batches, in the
//! batch form: every message of a batch that decodes goes through the
//! model in one call, which costs about what a handful of single calls do.
//!
//! Each message body is `{"id": "<your id>", "pixels": [64 numbers 0..=16]}`.
//! A body that is not one (wrong length, a value outside 0..=16, not JSON)
//! never reaches the model and is listed in `batchItemFailures`, so SQS
//! redelivers only it (and, after `maxReceiveCount`, moves it to the
//! dead-letter queue). Each prediction is logged at `INFO` as one line with
//! the message id, the body's id, the digit and the confidence; pixel data
//! is never logged.
//!
//! ```text
//! $ cargo run --release -p lambda-fn-digits --bin digits-sqs -- --event examples/digits/events/sqs-digits.json
//! {"batchItemFailures":[{"itemIdentifier":"..."}]}
//! ```

use lambda_fn::lambda;
use lambda_fn::sqs::SqsRecord;
use lambda_fn_digits::{DigitMessage, Model, Pixels};

/// Runs every valid message of a batch through the model at once.
///
/// # Errors
///
/// If the model fails to run, the whole call fails and every message it was
/// given is reported failed (SQS redelivers them).
#[lambda(sqs, batch, init = Model::load)]
pub async fn digits_sqs(
    messages: Vec<SqsRecord<DigitMessage>>,
    model: &Model,
) -> Result<Vec<Result<(), lambda_fn::Error>>, lambda_fn::Error> {
    let images: Vec<Pixels> = messages.iter().map(|message| message.body.pixels).collect();
    let predictions = model.predict(&images)?;
    for (message, prediction) in messages.iter().zip(&predictions) {
        tracing::info!(
            message_id = %message.message_id,
            id = %message.body.id,
            digit = prediction.digit,
            confidence = prediction.confidence,
            "prediction"
        );
    }
    Ok(messages.iter().map(|_| Ok(())).collect())
}
