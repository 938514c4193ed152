use lambda_fn::lambda;

#[lambda]
async extern "C" fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
