use lambda_fn::{Context, lambda};

#[lambda]
async fn handler(
    event: serde_json::Value,
    ctx: Context,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = ctx;
    Ok(event)
}
