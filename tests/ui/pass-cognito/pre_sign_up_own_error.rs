//! `#[lambda(cognito)]` with the context, the deadline and an error type of
//! its own, whose message Cognito shows the user.

#![deny(warnings)]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_fn::cognito::{PreSignUpRequest, PreSignUpResponse};
use lambda_fn::{Context, Deadline, lambda};

#[derive(Debug)]
struct NotAllowed;

impl fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only @example.com addresses may sign up")
    }
}

impl std::error::Error for NotAllowed {}

static ANSWERED: AtomicUsize = AtomicUsize::new(0);

fn one_answered() {
    assert_eq!(ANSWERED.load(Ordering::SeqCst), 1);
}

#[lambda(cognito, shutdown = one_answered)]
async fn sign_up(
    request: PreSignUpRequest,
    ctx: &Context,
    deadline: &Deadline,
) -> Result<PreSignUpResponse, NotAllowed> {
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    let email = request.user_attributes.get("email").ok_or(NotAllowed)?;
    if !email.ends_with("@example.com") {
        return Err(NotAllowed);
    }
    ANSWERED.fetch_add(1, Ordering::SeqCst);
    Ok(PreSignUpResponse::default())
}
