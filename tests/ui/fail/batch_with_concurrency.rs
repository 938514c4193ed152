use lambda_fn::lambda;

#[lambda(sqs, batch, concurrency = 8)]
async fn handler(orders: Vec<String>) -> Vec<Result<(), lambda_fn::Error>> {
    orders.iter().map(|_| Ok(())).collect()
}
