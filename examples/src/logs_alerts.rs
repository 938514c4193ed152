//! `logs-alerts`: a CloudWatch Logs subscription filter, one handler call
//! per log event, counting `ERROR` lines per log stream.
//!
//! Each delivery is gzip-compressed and base64-encoded by CloudWatch Logs
//! and expanded (at most 32 MiB) before the handler sees its events. The
//! function counts the events whose message contains `ERROR`, per log
//! stream, in its warm state, and logs the running count of the stream
//! with each one (where an alarm or a pager would be called). Control
//! messages are acknowledged without reaching it. When the stand-in pager
//! is down (`LOGS_ALERTS_PAGER_DOWN=1`), an `ERROR` event fails
//! (`PagerDown`), the invocation fails naming every failed event, and
//! Lambda retries the whole delivery. `LOGS_ALERTS_PAGE_MS` sets how long
//! paging takes (0 by default).
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin logs-alerts -- --event examples/events/logs-alerts.json
//! null
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use lambda_fn::cloudwatch_logs::LogEvent;
use lambda_fn::{Context, lambda};

/// The pager could not be reached: this event fails.
#[derive(Debug)]
pub struct PagerDown;

impl fmt::Display for PagerDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the pager is down")
    }
}

impl std::error::Error for PagerDown {}

/// Warm state: `ERROR` lines seen per `<log group> <log stream>`, kept
/// across invocations of this environment, and the stand-in pager.
#[derive(Debug, Default)]
pub struct Alerts {
    errors: Mutex<HashMap<String, u64>>,
    pager_down: bool,
    page: Duration,
}

fn alerts() -> Alerts {
    let page_ms = std::env::var("LOGS_ALERTS_PAGE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Alerts {
        errors: Mutex::default(),
        pager_down: std::env::var("LOGS_ALERTS_PAGER_DOWN").is_ok_and(|v| v == "1"),
        page: Duration::from_millis(page_ms),
    }
}

impl Alerts {
    /// The `ERROR` lines counted for a stream so far.
    pub fn count(&self, log_group: &str, log_stream: &str) -> u64 {
        let errors = self
            .errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        errors
            .get(&format!("{log_group} {log_stream}"))
            .copied()
            .unwrap_or(0)
    }
}

/// Counts one log event if it is an `ERROR` line.
///
/// # Errors
///
/// Returns [`PagerDown`] for an `ERROR` line while the pager is down.
#[lambda(cloudwatch_logs, init = alerts, concurrency = 8)]
pub async fn logs_alerts(
    event: LogEvent<String>,
    alerts: &Alerts,
    ctx: &Context,
) -> Result<(), lambda_fn::Error> {
    if !event.message.contains("ERROR") {
        return Ok(());
    }
    if alerts.pager_down {
        return Err(PagerDown.into());
    }
    tokio::time::sleep(alerts.page).await;
    let count = {
        let mut errors = alerts
            .errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = errors
            .entry(format!("{} {}", event.log_group, event.log_stream))
            .or_default();
        *count += 1;
        *count
    };
    eprintln!(
        "request {}: ERROR line {} in {} {}: {count} so far",
        ctx.request_id, event.id, event.log_group, event.log_stream
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, stream: &str, message: &str) -> LogEvent<String> {
        let mut event = LogEvent::new(id, message.to_owned());
        event.log_group = "/aws/lambda/orders".into();
        event.log_stream = stream.into();
        event
    }

    #[tokio::test]
    async fn counts_error_lines_per_stream() {
        let alerts = Alerts::default();
        let ctx = Context::default();
        for (id, stream, message) in [
            ("1", "a", "[ERROR] disk full"),
            ("2", "a", "[INFO] retrying"),
            ("3", "b", "[ERROR] timeout"),
            ("4", "a", "[ERROR] disk full"),
        ] {
            logs_alerts(event(id, stream, message), &alerts, &ctx)
                .await
                .unwrap();
        }
        assert_eq!(alerts.count("/aws/lambda/orders", "a"), 2);
        assert_eq!(alerts.count("/aws/lambda/orders", "b"), 1);
    }

    #[tokio::test]
    async fn an_error_line_fails_while_the_pager_is_down() {
        let alerts = Alerts {
            pager_down: true,
            ..Alerts::default()
        };
        let ctx = Context::default();
        logs_alerts(event("1", "a", "[INFO] fine"), &alerts, &ctx)
            .await
            .unwrap();
        let err = logs_alerts(event("2", "a", "[ERROR] bad"), &alerts, &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "PagerDown");
    }
}
