use lambda_fn::lambda;

struct Order {
    id: u64,
}

#[lambda(sqs, batch)]
async fn handler(orders: Vec<Order>) -> Vec<Result<(), lambda_fn::Error>> {
    orders.iter().map(|order| { let _ = order.id; Ok(()) }).collect()
}
