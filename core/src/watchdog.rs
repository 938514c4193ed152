//! The watchdog: answers `Timeout` for an invocation whose deadline guard
//! cannot run because a handler blocks the serving thread.
//!
//! With Lambda Managed Instances concurrency (`AWS_LAMBDA_MAX_CONCURRENCY`
//! above 1), every invocation of the environment is served on one task, so a
//! handler that blocks its thread (a long computation without `.await`,
//! `std::thread::sleep`, a blocking client) stops every other invocation's
//! guard with it: without help, none of them would be answered before
//! Lambda's deadline. The watchdog is a thread of its own, with its own
//! timer and its own connection to the Runtime API. Each invocation with a
//! known deadline is registered with it; when an invocation is still
//! unanswered a little after its guard should have fired (half the timeout
//! margin later, still before Lambda's deadline), the watchdog answers it
//! `Timeout` itself.
//!
//! Exactly one answer is posted per invocation: the serving loop and the
//! watchdog each *claim* the invocation before posting, and only the first
//! claim wins. A serving loop that comes back after the watchdog answered
//! drops its own answer (and logs that it did). What the watchdog cannot do
//! is stop the blocked handler: Rust cannot preempt it, so its work goes on
//! until it yields. For a batch, the watchdog fails the whole invocation
//! (the records that did finish cannot be told from the thread that holds
//! their results), so the event source retries every record of it: never
//! a record reported processed that was not.
//!
//! With one invocation at a time, no watchdog runs (it would cost a thread
//! and a runtime at every cold start): a handler blocking its thread then
//! delays its own `Timeout` answer, and Lambda's own timeout applies.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::deadline::Deadline;
use crate::runtime::{Reply, RuntimeApi};

/// The right to answer one invocation, shared by the serving loop and the
/// watchdog.
pub(crate) struct Claim(Arc<AtomicBool>);

impl Claim {
    /// Takes the right to answer; `false` when the other side has it.
    pub(crate) fn claim(&self) -> bool {
        !self.0.swap(true, Ordering::AcqRel)
    }
}

/// One invocation the watchdog answers if it is still unanswered at `fire_at`.
struct Watch {
    fire_at: Instant,
    budget: Option<Duration>,
    reply: Reply,
    answered: Arc<AtomicBool>,
}

impl Watch {
    /// Whether the serving loop is done with it (answered, or gone).
    fn settled(&self) -> bool {
        Arc::strong_count(&self.answered) == 1 || self.answered.load(Ordering::Acquire)
    }
}

/// A handle on the watchdog thread; the thread ends when it is dropped.
pub(crate) struct Watchdog {
    watches: mpsc::UnboundedSender<Watch>,
}

impl Watchdog {
    /// Starts the watchdog thread, with its own runtime and its own client
    /// for the Runtime API at `endpoint`.
    pub(crate) fn start(endpoint: &str) -> Result<Self, String> {
        let api = RuntimeApi::new(endpoint)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the watchdog's runtime: {err}"))?;
        let (watches, received) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("lambda-fn-watchdog".to_owned())
            .spawn(move || {
                // The same `block_on` as the entry's (a boxed `dyn` future
                // with the same output), so tokio's is compiled only once.
                let watching: Pin<Box<dyn Future<Output = ExitCode>>> = Box::pin(async move {
                    run(api, received).await;
                    ExitCode::SUCCESS
                });
                runtime.block_on(watching)
            })
            .map_err(|err| format!("cannot start the watchdog thread: {err}"))?;
        Ok(Self { watches })
    }

    /// Registers an invocation; returns the serving loop's claim on it, or
    /// `None` when it has no known deadline (nothing to back up).
    pub(crate) fn watch(
        &self,
        reply: &Reply,
        deadline: &Deadline,
        margin: Duration,
    ) -> Option<Claim> {
        let expires_at = deadline.expires_at()?;
        let answered = Arc::new(AtomicBool::new(false));
        let watch = Watch {
            fire_at: expires_at + margin / 2,
            budget: deadline.budget(),
            reply: reply.clone(),
            answered: answered.clone(),
        };
        self.watches.send(watch).ok()?;
        Some(Claim(answered))
    }
}

async fn run(api: RuntimeApi, mut received: mpsc::UnboundedReceiver<Watch>) {
    let mut watching: Vec<Watch> = Vec::new();
    loop {
        let next_fire = watching.iter().map(|watch| watch.fire_at).min();
        let due = async {
            match next_fire {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            watch = received.recv() => match watch {
                Some(watch) => watching.push(watch),
                None => return,
            },
            () = due => {}
        }
        watching.retain(|watch| !watch.settled());
        let now = Instant::now();
        let mut at = 0;
        while at < watching.len() {
            if watching[at].fire_at > now {
                at += 1;
                continue;
            }
            let watch = watching.swap_remove(at);
            if Claim(watch.answered.clone()).claim() {
                answer_timeout(&api, &watch).await;
            }
        }
    }
}

async fn answer_timeout(api: &RuntimeApi, watch: &Watch) {
    let budget = watch.budget.map_or_else(
        || "its budget".to_owned(),
        |budget| format!("its budget of {}", crate::deadline::format_duration(budget)),
    );
    let timeout = crate::failure::Failure::Timeout(format!(
        "the handler did not finish within {budget} and blocked its thread, so its deadline guard could not run: answered by lambda-fn's watchdog"
    ));
    api.answer(
        &watch.reply,
        Err(timeout),
        &crate::deadline::Deadline::unknown(),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_claim_wins() {
        let answered = Arc::new(AtomicBool::new(false));
        let serving = Claim(answered.clone());
        let watchdog = Claim(answered);
        assert!(watchdog.claim());
        assert!(!serving.claim());
        assert!(!watchdog.claim());
    }
}
