use lambda_fn::lambda;

#[lambda(sqs, batch = true)]
async fn handler(orders: Vec<String>) -> Vec<Result<(), lambda_fn::Error>> {
    orders.iter().map(|_| Ok(())).collect()
}
