use lambda_fn::lambda;
use lambda_fn::sqs::SqsRecord;

#[lambda(cloudwatch_logs)]
async fn handler(event: SqsRecord<String>) -> Result<(), lambda_fn::Error> {
    let _ = event;
    Ok(())
}
