use lambda_fn::lambda;

#[lambda(mq)]
async fn handler(message: lambda_fn::mq::MqRecord<String>) -> Result<(), lambda_fn::Error> {
    let _ = message;
    Ok(())
}
