//! Graceful shutdown: `shutdown = path` runs a hook once when Lambda (or
//! anyone) asks the process to stop, with the warm state, to flush buffers
//! and close connections.
//!
//! Lambda sends `SIGTERM` to the runtime before it shuts an execution
//! environment down only when an extension is registered; so when a hook is
//! given, lambda-fn registers an internal extension that subscribes to no
//! events (as `lambda_runtime::spawn_graceful_shutdown_handler` does). The
//! hook then has about 500 ms before Lambda sends `SIGKILL`.
//! See <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown>.

use std::future::Future;

/// Marker: a sync hook taking the warm state.
pub enum WithState {}
/// Marker: an async hook taking the warm state.
pub enum AsyncWithState {}
/// Marker: a sync hook without parameters.
pub enum Plain {}
/// Marker: an async hook without parameters.
pub enum AsyncPlain {}

/// What `shutdown = path` may name for a function whose warm state is `S`:
/// `fn(&S)`, `async fn(&S)`, `fn()` or `async fn()`, returning `()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the `shutdown` hook of a function whose warm state is `{S}`",
    label = "not a `fn(&{S})` or `fn()` returning `()`",
    note = "a shutdown hook takes `&{S}` (or nothing), may be `async`, and returns `()`: it runs once, when the environment shuts down"
)]
pub trait Shutdown<S, Marker> {
    /// Runs the hook.
    fn shut_down(self, state: &S) -> impl Future<Output = ()>;
}

#[diagnostic::do_not_recommend]
impl<S, F: FnOnce(&S)> Shutdown<S, WithState> for F {
    async fn shut_down(self, state: &S) {
        self(state);
    }
}

#[diagnostic::do_not_recommend]
impl<S, F: AsyncFnOnce(&S)> Shutdown<S, AsyncWithState> for F {
    async fn shut_down(self, state: &S) {
        self(state).await;
    }
}

#[diagnostic::do_not_recommend]
impl<S, F: FnOnce()> Shutdown<S, Plain> for F {
    async fn shut_down(self, _state: &S) {
        self();
    }
}

#[diagnostic::do_not_recommend]
impl<S, F: AsyncFnOnce()> Shutdown<S, AsyncPlain> for F {
    async fn shut_down(self, _state: &S) {
        self().await;
    }
}

/// For a function without `shutdown`: no hook.
pub fn no_shutdown<S>() -> Option<fn(&S) -> std::future::Ready<()>> {
    None
}

/// Listens for `SIGTERM` and `SIGINT` from now on.
pub(crate) struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts listening; `None` (logged) if the handlers cannot be installed.
    pub(crate) fn listen() -> Option<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(terminate), Ok(interrupt)) => Some(Self {
                    terminate,
                    interrupt,
                }),
                (Err(err), _) | (_, Err(err)) => {
                    tracing::error!(error = %err, "cannot listen for SIGTERM/SIGINT: the shutdown hook will not run");
                    None
                }
            }
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Waits for the first signal; returns its name.
    pub(crate) async fn received(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            std::future::pending().await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn run<S, M>(hook: impl Shutdown<S, M>, state: &S) {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(hook.shut_down(state));
    }

    struct Buffer(Cell<u32>);

    fn flush(buffer: &Buffer) {
        buffer.0.set(buffer.0.get() + 1);
    }

    async fn flush_async(buffer: &Buffer) {
        tokio::task::yield_now().await;
        buffer.0.set(buffer.0.get() + 10);
    }

    #[test]
    fn all_four_shapes_run() {
        let buffer = Buffer(Cell::new(0));
        run(flush, &buffer);
        run(flush_async, &buffer);
        assert_eq!(buffer.0.get(), 11);
        let called = Cell::new(0);
        run(|| called.set(called.get() + 1), &buffer);
        run(async || called.set(called.get() + 1), &buffer);
        assert_eq!(called.get(), 2);
    }
}
