//! `digits-sqs-per-record`: the same function as `digits-sqs`, written in
//! the per-record form: the model runs once per message instead of once per
//! batch. It answers exactly what `digits-sqs` answers, and logs the same
//! lines.
//!
//! It is here to be measured against `digits-sqs` (see `BENCHMARKS.md`,
//! "ML inference"): a model run has a fixed cost per call, so on batches of
//! 100 the batch form serves several times the records per second. Prefer
//! the per-record form when records are independent work with I/O between
//! them (it can run them concurrently with `concurrency = N`), and the batch
//! form when a call into a model, a database or an API can take many
//! records at once.
//!
//! ```text
//! $ cargo run --release -p lambda-fn-digits --bin digits-sqs-per-record -- --event examples/digits/events/sqs-digits.json
//! {"batchItemFailures":[{"itemIdentifier":"digit-bad"}]}
//! ```

use lambda_fn::lambda;
use lambda_fn::sqs::SqsRecord;
use lambda_fn_digits::{DigitMessage, Model};

/// Runs one message through the model.
///
/// # Errors
///
/// If the model fails to run, this message is reported failed and SQS
/// redelivers it.
#[lambda(sqs, init = Model::load)]
pub async fn digits_sqs_per_record(
    message: SqsRecord<DigitMessage>,
    model: &Model,
) -> Result<(), lambda_fn::Error> {
    let prediction = model.predict_one(&message.body.pixels)?;
    tracing::info!(
        message_id = %message.message_id,
        id = %message.body.id,
        digit = prediction.digit,
        confidence = prediction.confidence,
        "prediction"
    );
    Ok(())
}
