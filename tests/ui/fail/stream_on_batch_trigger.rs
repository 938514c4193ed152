use lambda_fn::lambda;

#[lambda(sqs, stream)]
async fn handler(body: String) -> Result<(), lambda_fn::Error> {
    let _ = body;
    Ok(())
}
