//! `#[lambda(dynamodb)]` with both images of each change.

#![deny(warnings)]

use lambda_fn::dynamodb::DynamoDbRecord;
use lambda_fn::lambda;

#[lambda(dynamodb)]
async fn audit(change: DynamoDbRecord<serde_json::Value>) -> Result<(), lambda_fn::Error> {
    assert!(change.new_image.is_some() || change.old_image.is_some());
    Ok(())
}
