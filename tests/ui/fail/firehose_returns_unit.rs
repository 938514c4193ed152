use lambda_fn::lambda;

#[lambda(firehose)]
async fn handler(data: String) -> Result<(), lambda_fn::Error> {
    let _ = data;
    Ok(())
}
