use lambda_fn::lambda;

#[lambda(kafka)]
async fn handler(value: String) -> Result<String, lambda_fn::Error> {
    Ok(value)
}
