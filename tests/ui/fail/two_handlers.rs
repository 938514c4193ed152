use lambda_fn::lambda;

#[lambda]
async fn first(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}

#[lambda]
async fn second(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
