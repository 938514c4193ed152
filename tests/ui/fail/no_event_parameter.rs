use lambda_fn::lambda;

#[lambda]
async fn handler() -> Result<(), lambda_fn::Error> {
    Ok(())
}
