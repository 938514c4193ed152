use lambda_fn::lambda;

struct Order {
    id: u64,
}

#[lambda]
async fn handler(order: Order) -> Result<u64, lambda_fn::Error> {
    Ok(order.id)
}
