//! `cognito-signup`: a Cognito user pool's pre sign-up trigger.
//!
//! A sign-up whose `email` ends in `@example.com` is confirmed and its email
//! verified at once (`autoConfirmUser`, `autoVerifyEmail`); any other is
//! refused with a message Cognito shows the user, prefixed with the
//! trigger's name: `PreSignUp failed with error only @example.com addresses
//! may sign up.` lambda-fn answers the event it received with this
//! response. `COGNITO_SIGNUP_CHECK_MS` sets how long the stand-in
//! directory check takes (0 by default); an email of `@` alone hits a bug
//! left in on purpose and panics, which the user sees as a generic message.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin cognito-signup -- --event examples/events/cognito-signup.json
//! {"version":"1","triggerSource":"PreSignUp_SignUp",...,"response":{"autoConfirmUser":true,"autoVerifyEmail":true,"autoVerifyPhone":false}}
//! ```

use std::fmt;
use std::time::Duration;

use lambda_fn::cognito::{PreSignUpRequest, PreSignUpResponse};
use lambda_fn::lambda;

/// A sign-up from outside the company: Cognito shows the user this message.
#[derive(Debug)]
pub struct NotAllowed;

impl fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only @example.com addresses may sign up")
    }
}

impl std::error::Error for NotAllowed {}

/// Warm state: how long the stand-in directory check takes.
#[derive(Debug)]
pub struct Directory {
    check: Duration,
}

fn directory() -> Directory {
    let ms = std::env::var("COGNITO_SIGNUP_CHECK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Directory {
        check: Duration::from_millis(ms),
    }
}

/// Decides on one sign-up.
///
/// # Errors
///
/// Returns [`NotAllowed`] for an email outside `@example.com`.
///
/// # Panics
///
/// Panics on the email `@`, a bug left in on purpose.
#[lambda(cognito, init = directory)]
pub async fn cognito_signup(
    request: PreSignUpRequest,
    directory: &Directory,
) -> Result<PreSignUpResponse, lambda_fn::Error> {
    let email = request
        .user_attributes
        .get("email")
        .map_or("", String::as_str);
    assert!(email != "@", "the directory cannot look up `@`");
    tokio::time::sleep(directory.check).await;
    if !email.to_ascii_lowercase().ends_with("@example.com") {
        return Err(NotAllowed.into());
    }
    let mut response = PreSignUpResponse::default();
    response.auto_confirm_user = true;
    response.auto_verify_email = true;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(email: &str) -> PreSignUpRequest {
        let mut request = PreSignUpRequest::default();
        request.user_attributes.insert("email".into(), email.into());
        request
    }

    fn quick() -> Directory {
        Directory {
            check: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn example_com_is_confirmed_and_verified() {
        let response = cognito_signup(request("ada@example.com"), &quick())
            .await
            .unwrap();
        assert!(response.auto_confirm_user && response.auto_verify_email);
        assert!(!response.auto_verify_phone);
    }

    #[tokio::test]
    async fn other_addresses_are_refused_with_a_message() {
        let err = cognito_signup(request("bob@elsewhere.org"), &quick())
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "only @example.com addresses may sign up");
    }
}
