use lambda_fn::lambda;

#[lambda(firehose, batch)]
async fn handler(records: Vec<String>) -> Vec<Result<String, lambda_fn::Error>> {
    records.into_iter().map(Ok).collect()
}
