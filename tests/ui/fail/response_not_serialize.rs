use lambda_fn::lambda;

struct Receipt {
    id: u64,
}

#[lambda]
async fn handler(event: serde_json::Value) -> Result<Receipt, lambda_fn::Error> {
    let _ = event;
    Ok(Receipt { id: 7 })
}
