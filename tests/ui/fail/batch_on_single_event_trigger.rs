use lambda_fn::lambda;

#[lambda(eventbridge, batch)]
async fn handler(details: Vec<serde_json::Value>) -> Vec<Result<(), lambda_fn::Error>> {
    details.iter().map(|_| Ok(())).collect()
}
