use lambda_fn::lambda;

#[lambda(http)]
async fn handler(event: serde_json::Value) -> Result<String, lambda_fn::Error> {
    Ok(event.to_string())
}
