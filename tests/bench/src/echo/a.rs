//! `echo-a`: the echo function with `#[lambda]` (variant a).

use lambda_fn::lambda;
use serde_json::Value;

/// Answers the event as it is; anything but a JSON object is refused.
#[lambda]
async fn echo(event: Value) -> Result<Value, lambda_fn::Error> {
    if !event.is_object() {
        return Err(lambda_fn::Error::msg("the event is not a JSON object"));
    }
    Ok(event)
}
