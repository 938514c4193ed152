use lambda_fn::lambda;

#[lambda]
async fn handler(event: serde_json::Value) -> serde_json::Value {
    event
}
