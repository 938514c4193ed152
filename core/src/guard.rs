//! The one guard/catch path every trigger runs its handler through: a panic
//! catcher ([`caught`]) around the user's code, and the deadline guard
//! ([`guarded`]) around the invocation. Whole events and HTTP requests run
//! `guarded(caught(handler))`; a batch runs each record `caught` and the
//! whole batch `guarded`, so that the guard can tell which records finished.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use crate::deadline::{Deadline, SHUTDOWN_GRACE, format_duration};
use crate::failure::Failure;

/// Runs `work`, turning a panic in any of its polls into
/// [`Failure::Panic`] with the panic's message.
pub(crate) async fn caught<F: Future>(work: F) -> Result<F::Output, Failure> {
    AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .map_err(|panic| Failure::Panic(panic_message(&*panic)))
}

/// Runs `work` until it completes or the deadline guard fires, whichever is
/// first. On expiry `work` is dropped before this returns
/// [`Failure::Timeout`], so nothing of the handler keeps running after its
/// invocation has been answered.
///
/// Not `tokio::time::timeout_at`: the instant the guard fires at can move
/// while `work` runs. A `SIGTERM` cuts it to [`SHUTDOWN_GRACE`] from the
/// signal (see [`Deadline`]), and [`Deadline::expired`] follows that cut.
/// `work` is polled first (`biased`): work that is ready exactly at the
/// deadline counts as done.
pub(crate) async fn guarded<F: Future>(deadline: &Deadline, work: F) -> Result<F::Output, Failure> {
    if !deadline.can_fire() {
        return Ok(work.await);
    }
    tokio::select! {
        biased;
        output = work => Ok(output),
        () = deadline.expired() => Err(timeout(deadline)),
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "the handler panicked with a non-string payload".to_owned()
    }
}

/// The `Timeout` failure: says what the budget was.
pub(crate) fn timeout(deadline: &Deadline) -> Failure {
    if deadline.shutdown_cut().is_some() {
        return Failure::Timeout(format!(
            "the execution environment is shutting down (SIGTERM) and the handler did not finish within the {} lambda-fn allows before Lambda's SIGKILL",
            format_duration(SHUTDOWN_GRACE)
        ));
    }
    let budget = deadline.budget().unwrap_or_default();
    let reserved = deadline.reserved();
    if !reserved.is_zero() {
        return Failure::Timeout(format!(
            "the handler did not finish within its budget of {} (Lambda's deadline minus the timeout margin and the {} kept to send the response)",
            format_duration(budget),
            format_duration(reserved)
        ));
    }
    Failure::Timeout(format!(
        "the handler did not finish within its budget of {} (Lambda's deadline minus the timeout margin)",
        format_duration(budget)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn panic_messages() {
        assert_eq!(panic_message(&"boom"), "boom");
        assert_eq!(panic_message(&String::from("order 7")), "order 7");
        assert!(panic_message(&42_u8).contains("non-string"));
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_drops_the_handler_before_answering() {
        let dropped = Arc::new(AtomicBool::new(false));
        let witness = SetOnDrop(dropped.clone());
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(50));
        let out = guarded(&deadline, async move {
            let _witness = witness;
            tokio::time::sleep(Duration::from_secs(60)).await;
        })
        .await;
        assert!(matches!(out, Err(Failure::Timeout(_))));
        assert!(dropped.load(Ordering::SeqCst), "handler future still alive");
    }

    #[tokio::test]
    async fn unknown_deadline_never_fires() {
        let out = guarded(&Deadline::unknown(), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            7
        })
        .await;
        assert_eq!(out, Ok(7));
    }

    #[tokio::test]
    async fn panics_are_caught_and_later_polls_work() {
        let out = caught(async {
            tokio::task::yield_now().await;
            panic!("boom");
        })
        .await;
        assert_eq!(out, Err(Failure::Panic("boom".to_owned())));
        assert_eq!(caught(async { 1 }).await, Ok(1));
    }
}
