//! `guarded`: the deadline guard and the error paths.
//!
//! Event `{"action": "ok" | "sleep" | "block" | "trace" | "error" | "panic", "ms": 0}`:
//! - `ok` answers `{"ok": true, "init_runs": 1}`;
//! - `sleep` sleeps `ms` milliseconds, then answers like `ok` — or is
//!   answered `Timeout` by the guard, 200 ms before Lambda's deadline;
//! - `block` blocks its thread for `ms` milliseconds (what a long
//!   computation without `.await` does), then answers like `ok`;
//! - `trace` answers like `ok`, plus the `_X_AMZN_TRACE_ID` the X-Ray SDKs
//!   read from the environment (`"trace": "Root=1-..."`);
//! - `error` fails with a `GuardedError`, reported with that `errorType`;
//! - `panic` panics with `boom`, reported as `Panic`; the function keeps serving.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use lambda_fn::{Context, Deadline, lambda};
use serde::{Deserialize, Serialize};

/// What to do.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Answer at once.
    Ok,
    /// Sleep `ms` milliseconds first.
    Sleep,
    /// Block the thread for `ms` milliseconds first.
    Block,
    /// Answer with the trace id in the environment.
    Trace,
    /// Fail with [`GuardedError`].
    Error,
    /// Panic with `boom`.
    Panic,
}

/// The event.
#[derive(Debug, Deserialize)]
pub struct Command {
    /// What to do.
    pub action: Action,
    /// How long `sleep` sleeps.
    #[serde(default)]
    pub ms: u64,
}

/// The answer to `ok` and `sleep`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Done {
    /// Always `true`.
    pub ok: bool,
    /// How many times `init` has run in this process: always 1.
    pub init_runs: u32,
    /// For `trace`: `_X_AMZN_TRACE_ID` as the handler sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// The error `error` returns.
#[derive(Debug)]
pub struct GuardedError {
    request_id: String,
}

impl fmt::Display for GuardedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the event asked for an error (request {})",
            self.request_id
        )
    }
}

impl std::error::Error for GuardedError {}

static INIT_RUNS: AtomicU32 = AtomicU32::new(0);

/// Warm state: proves `init` ran once.
#[derive(Debug)]
pub struct Warm {
    started: Duration,
}

/// Runs once per execution environment. Set `GUARDED_FAIL_INIT=1` to see an
/// init failure reported as `InitError`.
///
/// It is `async` to show an async `init`; a real one would await a
/// connection here.
// Nothing is awaited: the `async` is kept because this demonstrates an async `init`.
#[allow(clippy::unused_async)]
async fn warm_up() -> Result<Warm, lambda_fn::Error> {
    INIT_RUNS.fetch_add(1, Ordering::SeqCst);
    if std::env::var_os("GUARDED_FAIL_INIT").is_some() {
        return Err(lambda_fn::Error::msg(
            "GUARDED_FAIL_INIT is set, so init fails",
        ));
    }
    Ok(Warm {
        started: Duration::ZERO,
    })
}

/// Does what the event asks.
///
/// # Errors
///
/// Returns a [`GuardedError`] when the event's action is `error`.
///
/// # Panics
///
/// Panics with `boom` when the event's action is `panic`, on purpose: the
/// panic is reported as `Panic` and the function keeps serving.
#[lambda(init = warm_up, timeout_margin = "200ms")]
pub async fn guarded(
    command: Command,
    ctx: &Context,
    warm: &Warm,
    deadline: &Deadline,
) -> Result<Done, GuardedError> {
    tracing_free_log(warm, deadline);
    let mut trace = None;
    match command.action {
        Action::Ok => {}
        Action::Sleep => tokio::time::sleep(Duration::from_millis(command.ms)).await,
        // Never do this in a handler: it stops every other invocation
        // served by this thread. Here it shows what lambda-fn does then.
        Action::Block => std::thread::sleep(Duration::from_millis(command.ms)),
        Action::Trace => trace = std::env::var("_X_AMZN_TRACE_ID").ok(),
        Action::Error => {
            return Err(GuardedError {
                request_id: ctx.request_id.clone(),
            });
        }
        Action::Panic => panic!("boom"),
    }
    Ok(Done {
        ok: true,
        init_runs: INIT_RUNS.load(Ordering::SeqCst),
        trace,
    })
}

/// The remaining time is there to read; this example only checks it exists.
fn tracing_free_log(warm: &Warm, deadline: &Deadline) {
    let _ = (warm.started, deadline.remaining());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(action: Action, ms: u64) -> Command {
        Command { action, ms }
    }

    /// Warm state for the tests that do not count `init`'s runs.
    fn warm() -> Warm {
        Warm {
            started: Duration::ZERO,
        }
    }

    // The only test that runs `init`, so that `init_runs` is 1 here as in
    // an execution environment.
    #[tokio::test]
    async fn ok_answers_after_one_init() {
        let warm = warm_up().await.unwrap();
        let done = guarded(
            command(Action::Ok, 0),
            &Context::default(),
            &warm,
            &Deadline::unknown(),
        )
        .await
        .unwrap();
        assert_eq!(
            done,
            Done {
                ok: true,
                init_runs: 1,
                trace: None,
            }
        );
    }

    #[tokio::test]
    async fn sleep_answers_after_sleeping() {
        // `examples/events/guarded.json`. The deadline guard that answers
        // `Timeout` for a longer sleep is in the generated `main`, not in
        // this function, so a direct call just sleeps.
        let started = std::time::Instant::now();
        let done = guarded(
            command(Action::Sleep, 250),
            &Context::default(),
            &warm(),
            &Deadline::unknown(),
        )
        .await
        .unwrap();
        assert!(done.ok);
        assert!(started.elapsed() >= Duration::from_millis(250));
    }

    #[tokio::test]
    async fn error_names_the_request() {
        let mut ctx = Context::default();
        ctx.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd".into();
        let err = guarded(
            command(Action::Error, 0),
            &ctx,
            &warm(),
            &Deadline::unknown(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the event asked for an error (request 8476a536-e9f4-11e8-9739-2dfe598c3fcd)"
        );
    }

    #[tokio::test]
    #[should_panic(expected = "boom")]
    async fn panic_panics_with_boom() {
        let _ = guarded(
            command(Action::Panic, 0),
            &Context::default(),
            &warm(),
            &Deadline::unknown(),
        )
        .await;
    }
}
