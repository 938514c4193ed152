use lambda_fn::lambda;

#[lambda(s3)]
async fn handler(body: String) -> Result<(), lambda_fn::Error> {
    let _ = body;
    Ok(())
}
