//! `#[lambda(authorizer, init = ...)]`: the `AuthorizerRequest` of an HTTP
//! API (payload 2.0: its kind, route, the bearer token of its
//! `Authorization` header) with warm state, answering a `Decision` with a
//! context.

#![deny(warnings)]

use std::sync::Mutex;

use lambda_fn::authorizer::{AuthorizerRequest, Decision, RequestKind};
use lambda_fn::lambda;

/// The principals allowed. Whatever goes wrong is answered as a Deny and
/// the invocation still succeeds: the hook, which local mode runs after the
/// event, checks that the request was allowed.
#[derive(Default)]
struct Allowed(Mutex<Vec<String>>);

fn allowed() -> Allowed {
    Allowed::default()
}

async fn ada_allowed(allowed: &Allowed) {
    assert_eq!(*allowed.0.lock().unwrap(), ["ada"]);
}

#[lambda(authorizer, init = allowed, shutdown = ada_allowed)]
async fn authorize(
    request: AuthorizerRequest,
    allowed: &Allowed,
) -> Result<Decision, lambda_fn::Error> {
    assert_eq!(request.kind, RequestKind::HttpApi);
    assert_eq!(request.route_key.as_deref(), Some("GET /orders"));
    assert_eq!(request.identity_source, ["Bearer allow-ada"]);
    let Some(user) = request
        .bearer_token()
        .and_then(|token| token.strip_prefix("allow-"))
    else {
        return Ok(Decision::deny());
    };
    allowed.0.lock().unwrap().push(user.to_owned());
    Ok(Decision::allow(user)
        .with_context("user", user)
        .with_context("admin", false))
}
