use lambda_fn::lambda;

mod other {
    pub struct Context;
}

#[lambda]
async fn handler(
    event: serde_json::Value,
    ctx: &other::Context,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = ctx;
    Ok(event)
}
