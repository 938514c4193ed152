use lambda_fn::lambda;

#[lambda(kinesis, concurrency = 4)]
async fn handler(data: String) -> Result<(), lambda_fn::Error> {
    let _ = data;
    Ok(())
}
