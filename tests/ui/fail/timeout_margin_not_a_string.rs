use lambda_fn::lambda;

#[lambda(timeout_margin = 250)]
async fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
