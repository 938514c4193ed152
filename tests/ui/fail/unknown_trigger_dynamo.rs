use lambda_fn::lambda;

#[lambda(dynamo)]
async fn handler(body: serde_json::Value) -> Result<(), lambda_fn::Error> {
    let _ = body;
    Ok(())
}
