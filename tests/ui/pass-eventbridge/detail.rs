//! `#[lambda(eventbridge)]` with the detail decoded, in the record wrapper.

#![deny(warnings)]

use lambda_fn::eventbridge::EventBridgeRecord;
use lambda_fn::lambda;

#[lambda(eventbridge)]
async fn placed(event: EventBridgeRecord<serde_json::Value>) -> Result<(), lambda_fn::Error> {
    assert!(!event.detail_type.is_empty());
    assert!(event.detail.is_object());
    Ok(())
}
