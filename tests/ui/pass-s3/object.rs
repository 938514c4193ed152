//! `#[lambda(s3)]`: the handler takes one `S3Object`, key URL-decoded.

#![deny(warnings)]

use lambda_fn::s3::S3Object;
use lambda_fn::{Context, lambda};

#[lambda(s3, concurrency = 2)]
async fn catalogue(object: S3Object, ctx: &Context) -> Result<(), lambda_fn::Error> {
    assert!(!object.key.contains('%'));
    assert!(!ctx.request_id.is_empty());
    Ok(())
}
