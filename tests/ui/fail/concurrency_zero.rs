use lambda_fn::lambda;

#[lambda(sqs, concurrency = 0)]
async fn handler(body: String) -> Result<(), lambda_fn::Error> {
    let _ = body;
    Ok(())
}
