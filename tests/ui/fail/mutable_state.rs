use lambda_fn::lambda;

struct Counter(u64);

fn counter() -> Counter {
    Counter(0)
}

#[lambda(init = counter)]
async fn handler(
    event: serde_json::Value,
    counter: &mut Counter,
) -> Result<serde_json::Value, lambda_fn::Error> {
    counter.0 += 1;
    Ok(event)
}
