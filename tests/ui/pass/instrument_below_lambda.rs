//! `#[tracing::instrument]` stacked under `#[lambda]`: the handler keeps
//! it, and each invocation runs in its span.

#![deny(warnings)]

use lambda_fn::{Context, lambda};

#[lambda]
#[tracing::instrument(skip_all, fields(request_id = %ctx.request_id))]
async fn handler(
    event: serde_json::Value,
    ctx: &Context,
) -> Result<serde_json::Value, lambda_fn::Error> {
    tracing::debug!("answering");
    Ok(event)
}
