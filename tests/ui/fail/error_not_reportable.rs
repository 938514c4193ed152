use lambda_fn::lambda;

#[lambda]
async fn handler(event: serde_json::Value) -> Result<serde_json::Value, i32> {
    Ok(event)
}
