use lambda_fn::lambda;
use lambda_fn::s3_batch::S3BatchTask;

struct Tagged {
    key: String,
}

#[lambda(s3_batch)]
async fn handler(task: S3BatchTask) -> Result<Tagged, lambda_fn::Error> {
    Ok(Tagged { key: task.key })
}
