use lambda_fn::lambda;

struct Rejected;

#[lambda(sqs, batch)]
async fn handler(orders: Vec<String>) -> Vec<Result<(), Rejected>> {
    orders.iter().map(|_| Err(Rejected)).collect()
}
