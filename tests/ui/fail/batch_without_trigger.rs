use lambda_fn::lambda;

#[lambda(batch)]
async fn handler(events: Vec<serde_json::Value>) -> Result<(), lambda_fn::Error> {
    let _ = events;
    Ok(())
}
