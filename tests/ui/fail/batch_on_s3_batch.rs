use lambda_fn::lambda;
use lambda_fn::s3_batch::S3BatchTask;

#[lambda(s3_batch, batch)]
async fn handler(tasks: Vec<S3BatchTask>) -> Vec<Result<(), lambda_fn::Error>> {
    tasks.iter().map(|_| Ok(())).collect()
}
