use lambda_fn::{Context, lambda};

#[lambda]
async fn handler(ctx: &Context) -> Result<String, lambda_fn::Error> {
    Ok(ctx.request_id.clone())
}
