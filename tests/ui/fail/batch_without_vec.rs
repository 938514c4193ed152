use lambda_fn::lambda;

#[lambda(sqs, batch)]
async fn handler(order: serde_json::Value) -> Vec<Result<(), lambda_fn::Error>> {
    let _ = order;
    Vec::new()
}
