//! `token-authorizer`: an API Gateway Lambda authorizer (REST `TOKEN` or
//! `REQUEST`, or an HTTP API's), deciding on the caller's token.
//!
//! A token `allow-<user>` (or `Authorization: Bearer allow-<user>`) is
//! allowed for the principal `<user>`, with the context `{"user": <user>}`
//! that the integration receives; any other token, or none, is denied. The
//! stand-in key check takes `TOKEN_AUTHORIZER_CHECK_MS` (0 by default), and
//! `allow-` without a user hits a bug left in on purpose and panics: like
//! an error, a timeout or a request that does not decode, that is a Deny,
//! never an error API Gateway would turn into a 500. The token is never
//! logged.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin token-authorizer -- --event examples/events/token-authorizer.json
//! {"principalId":"ada","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow",...}]},"context":{"user":"ada"}}
//! ```

use std::time::Duration;

use lambda_fn::authorizer::{AuthorizerRequest, Decision};
use lambda_fn::lambda;

/// Warm state: how long the stand-in key check takes.
#[derive(Debug)]
pub struct Keys {
    check: Duration,
}

fn keys() -> Keys {
    let ms = std::env::var("TOKEN_AUTHORIZER_CHECK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Keys {
        check: Duration::from_millis(ms),
    }
}

/// Decides on one request.
///
/// # Errors
///
/// Never: a token that is not `allow-<user>` is a Deny, not an error.
///
/// # Panics
///
/// Panics on `allow-` without a user, a bug left in on purpose (answered
/// Deny).
#[lambda(authorizer, init = keys)]
pub async fn token_authorizer(
    request: AuthorizerRequest,
    keys: &Keys,
) -> Result<Decision, lambda_fn::Error> {
    tokio::time::sleep(keys.check).await;
    let Some(user) = request
        .bearer_token()
        .and_then(|token| token.strip_prefix("allow-"))
    else {
        return Ok(Decision::deny());
    };
    assert!(!user.is_empty(), "a token names its user");
    Ok(Decision::allow(user).with_context("user", user))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/orders";

    fn quick() -> Keys {
        Keys {
            check: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn allow_user_is_allowed_for_that_user() {
        let decision = token_authorizer(AuthorizerRequest::token("allow-ada", ARN), &quick())
            .await
            .unwrap();
        assert!(decision.is_allowed());
        assert_eq!(decision.principal_id(), Some("ada"));
    }

    #[tokio::test]
    async fn anything_else_is_denied() {
        let decision = token_authorizer(AuthorizerRequest::token("let-me-in", ARN), &quick())
            .await
            .unwrap();
        assert!(!decision.is_allowed());
    }
}
