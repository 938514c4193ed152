use lambda_fn::lambda;

#[lambda(sqs, batch)]
async fn handler(orders: Vec<String>) -> Result<(), lambda_fn::Error> {
    let _ = orders;
    Ok(())
}
