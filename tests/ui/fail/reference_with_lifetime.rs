use lambda_fn::{Context, lambda};

#[lambda]
async fn handler<'a>(
    event: serde_json::Value,
    ctx: &'a Context,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = ctx;
    Ok(event)
}
