//! `#[lambda(dynamodb, batch)]`: every change of a batch in one call.

#![deny(warnings)]

use lambda_fn::dynamodb::DynamoDbRecord;
use lambda_fn::lambda;

#[lambda(dynamodb, batch)]
async fn audit(
    changes: Vec<DynamoDbRecord<serde_json::Value>>,
) -> Vec<Result<(), lambda_fn::Error>> {
    changes
        .iter()
        .map(|change| {
            assert!(change.new_image.is_some() || change.old_image.is_some());
            Ok(())
        })
        .collect()
}
