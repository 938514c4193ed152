//! `hello`: greets by name and counts the invocations this execution
//! environment has served, in warm state built once by `init`.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin hello -- --event examples/events/hello.json
//! {"message":"Hello, Ferris!","invocation":1}
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_fn::lambda;
use serde::{Deserialize, Serialize};

/// The event: `{"name": "Ferris"}`.
#[derive(Debug, Deserialize)]
pub struct Greet {
    /// Who to greet.
    pub name: String,
}

/// The response.
#[derive(Debug, Serialize, PartialEq)]
pub struct Greeting {
    /// `Hello, <name>!`
    pub message: String,
    /// How many invocations this execution environment has served, this one
    /// included: 1 on a cold start.
    pub invocation: u64,
}

/// Warm state, shared by every invocation of one execution environment.
#[derive(Debug, Default)]
pub struct Counter {
    served: AtomicU64,
}

/// Runs once per execution environment, before the first event.
fn counter() -> Counter {
    Counter::default()
}

/// Greets `event.name`.
///
/// # Errors
///
/// Never: every `Greet` gets its greeting. The `Result` is there for the
/// failures a real handler has.
#[lambda(init = counter)]
pub async fn hello(event: Greet, counter: &Counter) -> Result<Greeting, lambda_fn::Error> {
    let invocation = counter.served.fetch_add(1, Ordering::Relaxed) + 1;
    Ok(Greeting {
        message: format!("Hello, {}!", event.name),
        invocation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_invocations_of_one_environment() {
        let counter = counter();
        let first = hello(
            Greet {
                name: "Ferris".into(),
            },
            &counter,
        )
        .await
        .unwrap();
        assert_eq!(
            first,
            Greeting {
                message: "Hello, Ferris!".into(),
                invocation: 1
            }
        );
        let second = hello(
            Greet {
                name: "Corro".into(),
            },
            &counter,
        )
        .await
        .unwrap();
        assert_eq!(second.invocation, 2);
    }
}
