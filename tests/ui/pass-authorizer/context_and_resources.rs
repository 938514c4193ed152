//! `#[lambda(authorizer)]` with the context and the deadline, allowing the
//! caller's other methods too (`Decision::for_resources`).

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::authorizer::{AuthorizerRequest, Decision};
use lambda_fn::{Context, Deadline, lambda};

static ALLOWED: AtomicUsize = AtomicUsize::new(0);

fn one_allowed() {
    assert_eq!(ALLOWED.load(Ordering::SeqCst), 1);
}

#[lambda(authorizer, shutdown = one_allowed)]
async fn authorize(
    request: AuthorizerRequest,
    ctx: &Context,
    deadline: &Deadline,
) -> Result<Decision, lambda_fn::Error> {
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    assert_eq!(request.header("Authorization"), Some("Bearer allow-ada"));
    let stage = request
        .method_arn
        .rsplitn(3, '/')
        .nth(2)
        .ok_or_else(|| lambda_fn::Error::msg("a route ARN names its stage"))?;
    ALLOWED.fetch_add(1, Ordering::SeqCst);
    Ok(Decision::allow("ada").for_resources([format!("{stage}/*")]))
}
