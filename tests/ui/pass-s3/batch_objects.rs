//! `#[lambda(s3, batch)]`: every object of the notification in one call.

#![deny(warnings)]

use lambda_fn::lambda;
use lambda_fn::s3::S3Object;

#[lambda(s3, batch)]
async fn catalogue(objects: Vec<S3Object>) -> Vec<Result<(), lambda_fn::Error>> {
    objects
        .iter()
        .map(|object| {
            assert!(!object.key.contains('%'));
            Ok(())
        })
        .collect()
}
