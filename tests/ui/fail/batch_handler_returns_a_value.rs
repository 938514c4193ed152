use lambda_fn::lambda;

#[lambda(sqs)]
async fn handler(body: String) -> Result<usize, lambda_fn::Error> {
    Ok(body.len())
}
