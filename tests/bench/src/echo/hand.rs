//! The echo handler hand-written on lambda_runtime, shared by `echo-b1` and
//! `echo-b2`.

use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

/// Answers the event as it is; anything but a JSON object is refused.
pub async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (event, _context) = event.into_parts();
    if !event.is_object() {
        return Err("the event is not a JSON object".into());
    }
    Ok(event)
}
