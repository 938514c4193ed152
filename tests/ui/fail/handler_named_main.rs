use lambda_fn::lambda;

#[lambda]
async fn main(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
