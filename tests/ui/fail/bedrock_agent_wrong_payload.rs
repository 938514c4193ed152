use lambda_fn::lambda;

#[lambda(bedrock_agent)]
async fn handler(action: serde_json::Value) -> Result<String, lambda_fn::Error> {
    Ok(action.to_string())
}
