//! The annotated function stays an ordinary function: a unit test calls it
//! directly, with its own context, state and deadline.

#![deny(warnings)]

use lambda_fn::{Context, Deadline, lambda};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Greet {
    name: String,
}

#[derive(Debug, PartialEq, Serialize)]
struct Greeting {
    message: String,
}

struct Prefix(String);

fn prefix() -> Prefix {
    Prefix("Hello".to_owned())
}

#[lambda(init = prefix)]
async fn greet(
    event: Greet,
    prefix: &Prefix,
    _ctx: &Context,
    _deadline: &Deadline,
) -> Result<Greeting, lambda_fn::Error> {
    Ok(Greeting {
        message: format!("{}, {}!", prefix.0, event.name),
    })
}

// A unit test of the handler, as a user writes one. It is compiled here
// without `--test`, so it is an ordinary (unused) function: it type-checks
// the direct call.
#[cfg_attr(test, tokio::test)]
#[allow(dead_code)]
async fn greets_directly() {
    let greeting = greet(
        Greet {
            name: "Ferris".to_owned(),
        },
        &prefix(),
        &Context::default(),
        &Deadline::unknown(),
    )
    .await
    .unwrap();
    assert_eq!(
        greeting,
        Greeting {
            message: "Hello, Ferris!".to_owned()
        }
    );
}
