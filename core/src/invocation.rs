//! One invocation as the Runtime API loop (and local mode) serves it: the
//! [`Handler`] contract every trigger adapter implements, and what a
//! handler sees of the invocation besides its event.
//!
//! The loop drives a `Handler` with the raw event; the adapter decodes it,
//! runs the user's function through [`crate::guard`], and encodes the answer.
//! The two modes drive the same `Handler`, so they cannot behave differently.

use std::future::Future;

use crate::Context;
use crate::deadline::Deadline;
use crate::failure::Failure;
use crate::guard::caught;

/// What a handler sees of one invocation besides its event.
#[derive(Debug)]
pub struct Invocation<'a, S> {
    /// The invocation context from the Runtime API.
    pub context: &'a Context,
    /// The warm state built once by `init` (`()` without `init`).
    pub state: &'a S,
    /// The deadline guard's view of the time left.
    pub deadline: &'a Deadline,
}

impl<'a, S> Invocation<'a, S> {
    /// What a handler sees of an invocation with this context, state and
    /// deadline.
    pub(crate) fn new(context: &'a Context, state: &'a S, deadline: &'a Deadline) -> Self {
        Self {
            context,
            state,
            deadline,
        }
    }

    /// This invocation with another deadline (the handler's, when a
    /// trigger keeps part of the budget for its answer).
    pub(crate) fn with_deadline<'b>(&self, deadline: &'b Deadline) -> Invocation<'b, S>
    where
        'a: 'b,
    {
        Invocation::new(self.context, self.state, deadline)
    }
}

/// The answer to one invocation: the response, or why there is none.
pub type Outcome = Result<Response, Failure>;

/// An invocation's response: a body sent whole, or a stream sent to the
/// caller as it is produced.
#[derive(Debug)]
pub enum Response {
    /// The whole body, posted at once.
    Buffered(Vec<u8>),
    /// Sent in streaming mode, chunk by chunk (see [`crate::stream`]).
    Streamed(crate::stream::Streaming),
}

impl Response {
    /// The body of a buffered response (what the tests of buffered
    /// adapters read).
    #[cfg(test)]
    pub(crate) fn buffered(self) -> Vec<u8> {
        match self {
            Self::Buffered(body) => body,
            Self::Streamed(streaming) => panic!("expected a buffered response, got {streaming:?}"),
        }
    }
}

impl From<Vec<u8>> for Response {
    fn from(body: Vec<u8>) -> Self {
        Self::Buffered(body)
    }
}

/// A function the Runtime API loop can serve: raw event bytes in, an
/// [`Outcome`] out. Each trigger adapter implements it, and applies the
/// deadline guard in the way its trigger reports failures.
pub trait Handler<S> {
    /// Serves one invocation.
    fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> impl Future<Output = Outcome>;
}

/// Serves one invocation with `handler`. Handlers catch the panics of the
/// user's code themselves; a panic that still escapes (from a dependency's
/// decoder, or a bug in lambda-fn) is answered `Panic` too, so that every
/// invocation gets its answer and the process keeps serving.
pub(crate) async fn serve<S, H: Handler<S>>(
    handler: &H,
    event: &[u8],
    invocation: &Invocation<'_, S>,
) -> Outcome {
    caught(handler.call(event, invocation)).await?
}

/// Serves `event` with `handler` as an invocation without warm state or
/// deadline: what the trigger modules' unit tests need.
#[cfg(test)]
pub(crate) async fn call_without_deadline<H: Handler<()>>(
    handler: &H,
    event: &[u8],
) -> Result<Vec<u8>, crate::Diagnostic> {
    let context = Context::default();
    let deadline = Deadline::unknown();
    let invocation = Invocation::new(&context, &(), &deadline);
    handler
        .call(event, &invocation)
        .await
        .map(Response::buffered)
        .map_err(Failure::into_diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::assert_failure;

    /// A handler whose own code panics, outside any user function.
    struct Broken;

    impl Handler<()> for Broken {
        async fn call(&self, event: &[u8], _: &Invocation<'_, ()>) -> Outcome {
            assert!(!event.is_empty(), "a bug outside the user's handler");
            Ok(event.to_vec().into())
        }
    }

    #[tokio::test]
    async fn a_panic_escaping_a_handler_is_still_answered_panic() {
        let ctx = Context::default();
        let deadline = Deadline::unknown();
        let inv = Invocation::new(&ctx, &(), &deadline);
        let err = serve(&Broken, b"", &inv)
            .await
            .unwrap_err()
            .into_diagnostic();
        assert_failure(&err, "Panic", "a bug outside the user's handler");
        assert_eq!(serve(&Broken, b"1", &inv).await.unwrap().buffered(), b"1");
    }
}
