use lambda_fn::lambda;
use lambda_fn::s3::S3Object;

#[lambda(s3_batch)]
async fn handler(object: S3Object) -> Result<String, lambda_fn::Error> {
    Ok(object.key)
}
