//! The deadline guard: how long a handler may run before lambda-fn answers
//! for it.
//!
//! Lambda sends each invocation's deadline as wall-clock milliseconds since
//! the epoch (`Lambda-Runtime-Deadline-Ms`). Wall clocks jump; the guard
//! therefore converts the deadline into a budget once, when the event
//! arrives, and from then on counts on the monotonic clock.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The margin kept before Lambda's deadline when `timeout_margin` is not set.
///
/// Enough to drop the handler future and post the `Timeout` answer over
/// loopback, small next to Lambda's shortest timeout (1 s).
pub const DEFAULT_TIMEOUT_MARGIN: Duration = Duration::from_millis(100);

/// How long an invocation in flight may still run once the execution
/// environment is told to shut down (`SIGTERM`): Lambda sends `SIGKILL`
/// about 500 ms after `SIGTERM`, and the answer and the shutdown hook need
/// the rest.
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown>
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(250);

/// Lambda's longest function timeout. A deadline further away than this is
/// not a real deadline (some emulators send nonsense) and is ignored.
pub const MAX_LAMBDA_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The time a handler has left: what the deadline guard will allow.
///
/// Take `&Deadline` as a handler parameter to see how much time is left, or
/// to stop work early:
///
/// ```no_run
/// # async fn example(deadline: &lambda_fn::Deadline) {
/// tokio::select! {
///     _ = deadline.expired() => { /* save progress, return early */ }
///     _ = async { /* slow work */ } => {}
/// }
/// # }
/// ```
///
/// A deadline is *unknown* when Lambda's deadline header was missing,
/// unparsable, already past when the event arrived, or more than 15 minutes
/// away; then no guard runs from it and [`Deadline::remaining`] is `None`.
///
/// In Lambda, the guard also fires when the execution environment shuts
/// down (`SIGTERM`) while the invocation runs: a short grace later, so that
/// the invocation is still answered before Lambda's `SIGKILL`. Then
/// [`remaining`](Deadline::remaining) and [`expired`](Deadline::expired)
/// follow the earlier of the two.
#[derive(Clone, Debug)]
pub struct Deadline {
    expires_at: Option<Instant>,
    budget: Option<Duration>,
    /// What was kept from the budget for the trigger's answer.
    reserved: Duration,
    /// How much earlier than the shutdown's cut this deadline fires: the
    /// part of the reserve the shutdown grace can spare.
    cut_early: Duration,
    shutdown: Option<Arc<ShutdownCut>>,
}

/// The moment the serving loops must have answered by because the execution
/// environment is shutting down: set once, when `SIGTERM` arrives, and shared
/// by every invocation in flight.
#[derive(Debug, Default)]
pub(crate) struct ShutdownCut {
    at: OnceLock<Instant>,
    begun: tokio::sync::Notify,
}

impl ShutdownCut {
    /// Starts the shutdown: every guard fires at `at` at the latest. Only the
    /// first call counts.
    pub(crate) fn begin(&self, at: Instant) {
        if self.at.set(at).is_ok() {
            self.begun.notify_waiters();
        }
    }

    /// When the guards fire because of the shutdown, once it has begun.
    pub(crate) fn at(&self) -> Option<Instant> {
        self.at.get().copied()
    }

    /// Completes when the shutdown begins (at once if it has).
    pub(crate) async fn begun(&self) -> Instant {
        loop {
            let notified = self.begun.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the check, so a `begin` in between is seen.
            notified.as_mut().enable();
            if let Some(at) = self.at() {
                return at;
            }
            notified.await;
        }
    }
}

/// Why a deadline header gave no guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// No deadline header.
    Missing,
    /// The header is not a number of milliseconds.
    Unparsable,
    /// The deadline was already past when the event arrived.
    Past,
    /// The deadline is further away than Lambda's longest timeout.
    TooFar,
}

impl Deadline {
    /// A deadline with no guard.
    pub fn unknown() -> Self {
        Self {
            expires_at: None,
            budget: None,
            reserved: Duration::ZERO,
            cut_early: Duration::ZERO,
            shutdown: None,
        }
    }

    /// A guard that fires `budget` after `arrived`.
    pub fn after(arrived: Instant, budget: Duration) -> Self {
        Self {
            expires_at: arrived.checked_add(budget),
            budget: Some(budget),
            reserved: Duration::ZERO,
            cut_early: Duration::ZERO,
            shutdown: None,
        }
    }

    /// This deadline, firing `reserve` earlier: the handler's, when its
    /// trigger needs time to send the answer after it (see
    /// `Trigger::RESERVE`). A budget of less than twice `reserve` is
    /// halved instead, so that the handler still gets half of it. When the
    /// environment shuts down, the handler's cut comes up to half the
    /// shutdown grace earlier, so that the answer still has time.
    pub(crate) fn reserving(&self, reserve: Duration) -> Self {
        let mut handler = self.clone();
        if reserve.is_zero() {
            return handler;
        }
        let (Some(budget), Some(expires_at)) = (self.budget, self.expires_at) else {
            // No deadline: only a shutdown can cut the handler short.
            handler.cut_early = (self.cut_early + reserve).min(SHUTDOWN_GRACE / 2);
            return handler;
        };
        let kept = if budget >= reserve * 2 {
            reserve
        } else {
            budget / 2
        };
        handler.budget = Some(budget - kept);
        handler.expires_at = Some(expires_at - kept);
        handler.reserved = self.reserved + kept;
        handler.cut_early = (self.cut_early + kept).min(SHUTDOWN_GRACE / 2);
        handler
    }

    /// What was kept from the budget for the trigger's answer (zero unless
    /// the trigger needs time after the handler).
    pub(crate) fn reserved(&self) -> Duration {
        self.reserved
    }

    /// This deadline, also cut short when the environment shuts down.
    pub(crate) fn with_shutdown(mut self, shutdown: Arc<ShutdownCut>) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Whether the guard can fire at all: a known deadline, or a shutdown
    /// that may cut the invocation short.
    pub(crate) fn can_fire(&self) -> bool {
        self.expires_at.is_some() || self.shutdown.is_some()
    }

    /// The instant the shutdown cuts this invocation, when that is before
    /// its own deadline (or it has none).
    pub(crate) fn shutdown_cut(&self) -> Option<Instant> {
        let cut = self.shutdown.as_ref()?.at()?;
        let cut = cut.checked_sub(self.cut_early).unwrap_or(cut);
        match self.expires_at {
            Some(own) if own <= cut => None,
            _ => Some(cut),
        }
    }

    /// The deadline for an event that arrived at `arrived` (monotonic) and
    /// `now` (wall clock), with Lambda's deadline header `header` in epoch
    /// milliseconds, keeping `margin` in reserve.
    ///
    /// When less than `margin` remains, the guard fires halfway to Lambda's
    /// deadline, so that a fast handler may still finish and a slow one is
    /// still answered before Lambda stops the process.
    pub fn from_header(
        header: Option<&[u8]>,
        margin: Duration,
        arrived: Instant,
        now: SystemTime,
    ) -> Result<Self, Unknown> {
        let header = header.ok_or(Unknown::Missing)?;
        let deadline_ms: u64 = std::str::from_utf8(header)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or(Unknown::Unparsable)?;
        let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
        let remaining = deadline
            .duration_since(now)
            .ok()
            .filter(|left| !left.is_zero())
            .ok_or(Unknown::Past)?;
        Self::from_remaining(remaining, margin, arrived)
    }

    /// The deadline for an event that arrived at `arrived` with `remaining`
    /// time before Lambda's deadline, keeping `margin` in reserve.
    pub fn from_remaining(
        remaining: Duration,
        margin: Duration,
        arrived: Instant,
    ) -> Result<Self, Unknown> {
        if remaining.is_zero() {
            return Err(Unknown::Past);
        }
        if remaining > MAX_LAMBDA_TIMEOUT {
            return Err(Unknown::TooFar);
        }
        let budget = if remaining > margin {
            remaining - margin
        } else {
            remaining / 2
        };
        Ok(Self::after(arrived, budget))
    }

    /// Whether Lambda's deadline is known (a guard runs from it).
    pub fn is_known(&self) -> bool {
        self.expires_at.is_some()
    }

    /// The time the handler was given when the event arrived (Lambda's
    /// deadline minus the margin), or `None` when the deadline is unknown.
    pub fn budget(&self) -> Option<Duration> {
        self.budget
    }

    /// The instant the guard fires, on the monotonic clock: the budget's
    /// end, or the shutdown's cut when that is earlier.
    pub fn expires_at(&self) -> Option<Instant> {
        self.shutdown_cut().or(self.expires_at)
    }

    /// Time left before the guard fires (zero once it has), or `None` when
    /// the deadline is unknown and no shutdown has begun.
    pub fn remaining(&self) -> Option<Duration> {
        self.expires_at()
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Completes when the guard fires; never completes when the deadline is
    /// unknown and the environment does not shut down. Cancel-safe: dropping
    /// it has no effect.
    pub async fn expired(&self) {
        let own = async {
            match self.expires_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let Some(shutdown) = &self.shutdown else {
            return own.await;
        };
        let cut = async {
            let at = shutdown.begun().await;
            let at = at.checked_sub(self.cut_early).unwrap_or(at);
            tokio::time::sleep_until(at.into()).await;
        };
        futures_util::future::select(std::pin::pin!(own), std::pin::pin!(cut)).await;
    }
}

/// `1.25s`, `250ms`: how budgets and margins are written in messages.
pub(crate) fn format_duration(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros >= 1_000_000 {
        // Seconds to the millisecond, without trailing zeros: 2.75s, 3s.
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
    } else if micros >= 1000 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{micros}µs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_attribute() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(2750)), "2.75s");
        assert_eq!(format_duration(Duration::from_secs(3)), "3s");
        assert_eq!(format_duration(Duration::from_millis(1299)), "1.299s");
        assert_eq!(format_duration(Duration::from_micros(5)), "5µs");
    }

    fn at(now_ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(now_ms)
    }

    const NOW: u64 = 1_800_000_000_000;

    #[test]
    fn budget_is_deadline_minus_margin() {
        let arrived = Instant::now();
        let header = (NOW + 3_000).to_string();
        let d = Deadline::from_header(
            Some(header.as_bytes()),
            Duration::from_millis(250),
            arrived,
            at(NOW),
        )
        .unwrap();
        assert_eq!(d.budget(), Some(Duration::from_millis(2_750)));
        assert_eq!(d.expires_at(), Some(arrived + Duration::from_millis(2_750)));
        assert!(d.is_known());
    }

    #[test]
    fn less_than_the_margin_left_fires_halfway() {
        let header = (NOW + 100).to_string();
        let d = Deadline::from_header(
            Some(header.as_bytes()),
            Duration::from_millis(250),
            Instant::now(),
            at(NOW),
        )
        .unwrap();
        assert_eq!(d.budget(), Some(Duration::from_millis(50)));
    }

    #[test]
    fn unusable_headers_are_unknown() {
        let m = Duration::from_millis(250);
        let i = Instant::now();
        let now = at(NOW);
        assert_eq!(
            Deadline::from_header(None, m, i, now).unwrap_err(),
            Unknown::Missing
        );
        assert_eq!(
            Deadline::from_header(Some(b"soon"), m, i, now).unwrap_err(),
            Unknown::Unparsable
        );
        assert_eq!(
            Deadline::from_header(Some(b"-5"), m, i, now).unwrap_err(),
            Unknown::Unparsable
        );
        // What some local emulators send: a duration, not an epoch time.
        assert_eq!(
            Deadline::from_header(Some(b"600000"), m, i, now).unwrap_err(),
            Unknown::Past
        );
        let exactly_now = NOW.to_string();
        assert_eq!(
            Deadline::from_header(Some(exactly_now.as_bytes()), m, i, now).unwrap_err(),
            Unknown::Past
        );
        let far = (NOW + 15 * 60 * 1000 + 1).to_string();
        assert_eq!(
            Deadline::from_header(Some(far.as_bytes()), m, i, now).unwrap_err(),
            Unknown::TooFar
        );
        let fifteen_minutes = (NOW + 15 * 60 * 1000).to_string();
        assert!(Deadline::from_header(Some(fifteen_minutes.as_bytes()), m, i, now).is_ok());
    }

    #[test]
    fn a_reserve_is_kept_from_the_budget() {
        let start = Instant::now();
        let d = Deadline::after(start, Duration::from_secs(10));
        let handler = d.reserving(Duration::from_secs(2));
        assert_eq!(handler.budget(), Some(Duration::from_secs(8)));
        assert_eq!(handler.expires_at(), Some(start + Duration::from_secs(8)));
        assert_eq!(handler.reserved(), Duration::from_secs(2));
        // The invocation's own deadline is untouched.
        assert_eq!(d.expires_at(), Some(start + Duration::from_secs(10)));
        // Too short a budget for the reserve: the handler gets half.
        let short =
            Deadline::after(start, Duration::from_secs(3)).reserving(Duration::from_secs(2));
        assert_eq!(short.budget(), Some(Duration::from_millis(1500)));
        assert_eq!(short.reserved(), Duration::from_millis(1500));
        assert_eq!(d.reserving(Duration::ZERO).budget(), d.budget());
        assert!(
            !Deadline::unknown()
                .reserving(Duration::from_secs(2))
                .is_known()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_reserve_also_comes_before_a_shutdown_cut() {
        let shutdown = Arc::new(ShutdownCut::default());
        let start = Instant::now();
        let invocation =
            Deadline::after(start, Duration::from_secs(10)).with_shutdown(shutdown.clone());
        let handler = invocation.reserving(Duration::from_secs(2));
        let cut = start + Duration::from_millis(250);
        shutdown.begin(cut);
        // The invocation's answer has until the cut; its handler stops half
        // the grace before it.
        assert_eq!(invocation.expires_at(), Some(cut));
        assert_eq!(handler.expires_at(), Some(cut - SHUTDOWN_GRACE / 2));
        let started = tokio::time::Instant::now();
        handler.expired().await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(120), "{took:?}");
        assert!(took < Duration::from_millis(250), "{took:?}");
        // Without a deadline too.
        let unknown = Deadline::unknown()
            .with_shutdown(shutdown)
            .reserving(Duration::from_secs(2));
        assert_eq!(unknown.expires_at(), Some(cut - SHUTDOWN_GRACE / 2));
    }

    #[test]
    fn unknown_deadline_has_no_remaining_time() {
        let d = Deadline::unknown();
        assert!(!d.is_known());
        assert_eq!(d.remaining(), None);
        assert_eq!(d.budget(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_shutdown_cuts_the_deadline_short() {
        let shutdown = Arc::new(ShutdownCut::default());
        let start = Instant::now();
        let d = Deadline::after(start, Duration::from_secs(10)).with_shutdown(shutdown.clone());
        let late =
            Deadline::after(start, Duration::from_millis(100)).with_shutdown(shutdown.clone());
        let none = Deadline::unknown().with_shutdown(shutdown.clone());
        assert_eq!(d.expires_at(), Some(start + Duration::from_secs(10)));
        assert_eq!(none.expires_at(), None);
        assert!(none.can_fire());
        let cut = start + Duration::from_millis(250);
        shutdown.begin(cut);
        shutdown.begin(start + Duration::from_secs(1)); // only the first counts
        assert_eq!(d.expires_at(), Some(cut));
        assert_eq!(d.shutdown_cut(), Some(cut));
        assert_eq!(none.expires_at(), Some(cut));
        // Its own deadline is earlier than the cut: it keeps it.
        assert_eq!(late.shutdown_cut(), None);
        assert_eq!(late.expires_at(), Some(start + Duration::from_millis(100)));
        let started = tokio::time::Instant::now();
        d.expired().await;
        assert!(started.elapsed() >= Duration::from_millis(240));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_sees_a_shutdown_that_begins_while_waiting() {
        let shutdown = Arc::new(ShutdownCut::default());
        let d = Deadline::unknown().with_shutdown(shutdown.clone());
        let begin = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            shutdown.begin(tokio::time::Instant::now().into_std() + Duration::from_millis(100));
        };
        let started = tokio::time::Instant::now();
        futures_util::future::join(d.expired(), begin).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(150), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn expired_completes_when_the_guard_fires() {
        let d = Deadline::after(Instant::now(), Duration::from_millis(40));
        let started = tokio::time::Instant::now();
        d.expired().await;
        assert!(started.elapsed() >= Duration::from_millis(40));
    }
}
