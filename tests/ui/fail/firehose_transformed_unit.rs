use lambda_fn::firehose::Transformed;
use lambda_fn::lambda;

#[lambda(firehose)]
async fn handler(data: String) -> Result<Transformed<()>, lambda_fn::Error> {
    let _ = data;
    Ok(Transformed::record(()))
}
