use lambda_fn::lambda;

#[lambda(crate = "not a path")]
async fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
