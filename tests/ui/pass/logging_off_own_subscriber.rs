//! `logging = false`: lambda-fn installs no tracing subscriber, so the
//! function's own `init` can install one (it would fail, and the run with
//! it, if one were already installed).

#![deny(warnings)]

use lambda_fn::lambda;

fn own_subscriber() -> Result<(), tracing::subscriber::SetGlobalDefaultError> {
    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default())
}

#[lambda(init = own_subscriber, logging = false)]
async fn handler(
    event: serde_json::Value,
    state: &(),
) -> Result<serde_json::Value, lambda_fn::Error> {
    let () = *state;
    Ok(event)
}
