use lambda_fn::lambda;

#[lambda]
async fn handler(event: impl serde::de::DeserializeOwned) -> Result<(), lambda_fn::Error> {
    let _ = event;
    Ok(())
}
