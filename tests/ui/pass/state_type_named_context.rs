//! The user's own type named `Context` is taken as warm state once it is
//! imported under another name (what the error for `&other::Context` says).

#![deny(warnings)]

use lambda_fn::lambda;
use serde::Deserialize;

mod app {
    pub struct Context {
        pub tenant: String,
    }

    pub fn load() -> Context {
        Context {
            tenant: "acme".to_owned(),
        }
    }
}

use app::Context as AppContext;

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[lambda(init = app::load)]
async fn greet(
    event: Greet,
    app: &AppContext,
    ctx: &lambda_fn::Context,
) -> Result<String, lambda_fn::Error> {
    Ok(format!(
        "{} {} {}",
        app.tenant,
        event.name,
        ctx.request_id.is_empty()
    ))
}
