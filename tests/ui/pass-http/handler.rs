//! `#[lambda(http)]` with the request, the context and a typed body.

#![deny(warnings)]

use lambda_fn::http::{self, Request, StatusCode};
use lambda_fn::{Context, lambda};

#[lambda(http)]
async fn api(req: Request, ctx: &Context) -> Result<(StatusCode, String), lambda_fn::Error> {
    let body: serde_json::Value = http::json(&req)?;
    Ok((StatusCode::CREATED, format!("{} {}", body, ctx.request_id)))
}
