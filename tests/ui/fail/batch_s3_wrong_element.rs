use lambda_fn::lambda;

#[lambda(s3, batch)]
async fn handler(keys: Vec<String>) -> Vec<Result<(), lambda_fn::Error>> {
    keys.iter().map(|_| Ok(())).collect()
}
