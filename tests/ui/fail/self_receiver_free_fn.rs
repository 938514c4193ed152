use lambda_fn::lambda;

#[lambda]
async fn handler(self, event: serde_json::Value) -> Result<(), lambda_fn::Error> {
    let _ = event;
    Ok(())
}
