//! `#[lambda(cognito, init = ...)]`: the hook is the payload type, a
//! `PreSignUpRequest`, with warm state, answering its `PreSignUpResponse`.

#![deny(warnings)]

use std::sync::Mutex;

use lambda_fn::cognito::{PreSignUpRequest, PreSignUpResponse};
use lambda_fn::lambda;

/// The users confirmed. The hook, which local mode runs after the event,
/// checks that the sign-up was.
#[derive(Default)]
struct Confirmed(Mutex<Vec<String>>);

fn confirmed() -> Confirmed {
    Confirmed::default()
}

async fn ada_confirmed(confirmed: &Confirmed) {
    assert_eq!(*confirmed.0.lock().unwrap(), ["ada@example.com"]);
}

#[lambda(cognito, init = confirmed, shutdown = ada_confirmed)]
async fn sign_up(
    request: PreSignUpRequest,
    confirmed: &Confirmed,
) -> Result<PreSignUpResponse, lambda_fn::Error> {
    let email = request
        .user_attributes
        .get("email")
        .ok_or_else(|| lambda_fn::Error::msg("an email is required"))?;
    assert_eq!(request.validation_data["k1"], "v1");
    confirmed.0.lock().unwrap().push(email.clone());
    let mut response = PreSignUpResponse::default();
    response.auto_confirm_user = true;
    response.auto_verify_email = true;
    Ok(response)
}
