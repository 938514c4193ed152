use lambda_fn::lambda;

#[lambda(http)]
async fn handler(event: serde_json::Value) -> Result<(), lambda_fn::Error> {
    let _ = event;
    Ok(())
}
