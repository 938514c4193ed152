//! `scheduled-report`: a function an `EventBridge` schedule runs, say
//! `rate(1 hour)`. It takes no payload at all, only the invocation context,
//! the deadline and its warm state.
//!
//! Each run writes a one-line report to stderr (`CloudWatch` Logs) and counts
//! the reports this execution environment has written, in warm state built
//! once by `init`. A run that has less than 50 ms left before the deadline
//! guard fires does not start the report: it fails with `NoTimeForReport`,
//! and Lambda retries the scheduled invocation. An event that is not a
//! scheduled event fails with `InvalidEvent` and nothing runs.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin scheduled-report -- --event examples/events/scheduled-report.json
//! null
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lambda_fn::{Context, Deadline, lambda};

/// How long a report takes to build.
const REPORT_TAKES: Duration = Duration::from_millis(20);
/// The time left below which a report is not started.
const REPORT_NEEDS: Duration = Duration::from_millis(50);

/// Warm state: what this execution environment has done so far.
#[derive(Debug)]
pub struct Stats {
    reports: AtomicU64,
    started: Instant,
}

fn stats() -> Stats {
    Stats {
        reports: AtomicU64::new(0),
        started: Instant::now(),
    }
}

/// Too little time left to build the report.
#[derive(Debug)]
pub struct NoTimeForReport {
    left: Duration,
}

impl fmt::Display for NoTimeForReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ms left, a report needs {} ms: not started",
            self.left.as_millis(),
            REPORT_NEEDS.as_millis()
        )
    }
}

impl std::error::Error for NoTimeForReport {}

/// Writes the report.
///
/// # Errors
///
/// Returns a [`NoTimeForReport`] without starting the report when the
/// deadline guard fires in less than [`REPORT_NEEDS`] (50 ms); with no known
/// deadline the report always runs.
#[lambda(schedule, init = stats)]
pub async fn scheduled_report(
    ctx: &Context,
    deadline: &Deadline,
    stats: &Stats,
) -> Result<(), lambda_fn::Error> {
    // Better to fail now, and be retried, than to be cut off half-way.
    if let Some(left) = deadline.remaining()
        && left < REPORT_NEEDS
    {
        return Err(NoTimeForReport { left }.into());
    }
    // Stands in for the queries a real report runs.
    tokio::time::sleep(REPORT_TAKES).await;
    let report = stats.reports.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!(
        "request {}: report #{} of this execution environment, warm for {} ms",
        ctx.request_id,
        report,
        stats.started.elapsed().as_millis()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_a_report_and_counts_it() {
        let stats = stats();
        // A scheduled invocation with Lambda's default 3 s timeout.
        let deadline = Deadline::after(Instant::now(), Duration::from_secs(3));
        scheduled_report(&Context::default(), &deadline, &stats)
            .await
            .unwrap();
        scheduled_report(&Context::default(), &Deadline::unknown(), &stats)
            .await
            .unwrap();
        assert_eq!(stats.reports.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn does_not_start_with_too_little_time_left() {
        let stats = stats();
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(30));
        let err = scheduled_report(&Context::default(), &deadline, &stats)
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "NoTimeForReport");
        assert!(
            err.to_string()
                .ends_with("ms left, a report needs 50 ms: not started"),
            "{err}"
        );
        assert_eq!(stats.reports.load(Ordering::Relaxed), 0);
    }
}
