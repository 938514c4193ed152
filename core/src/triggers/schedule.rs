//! `#[lambda(schedule)]`: a function that runs on a schedule.
//!
//! An EventBridge rule with a schedule expression (`rate(1 hour)`,
//! `cron(0 8 * * ? *)`, formerly CloudWatch Events) invokes its target with
//! a scheduled event
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html>):
//!
//! ```json
//! {
//!   "version": "0",
//!   "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
//!   "detail-type": "Scheduled Event",
//!   "source": "aws.events",
//!   "account": "123456789012",
//!   "time": "2015-10-08T16:53:06Z",
//!   "region": "us-east-1",
//!   "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
//!   "detail": {}
//! }
//! ```
//!
//! The handler may take that event as a [`ScheduledEvent`] (the time it was
//! scheduled for, the rule, ids), or take no payload at all:
//!
//! ```no_run
//! # use lambda_fn::{lambda, Context};
//! #[lambda(schedule)]
//! async fn nightly(_ctx: &Context) -> Result<(), lambda_fn::Error> {
//!     Ok(())
//! }
//! ```
//!
//! **Only scheduled events are accepted.** An event whose `detail-type` is
//! not `"Scheduled Event"`, or that has no `time`, is not a tick of a
//! schedule: the invocation fails with `InvalidEvent` and the handler does
//! not run. That catches a function wired to the wrong rule or invoked by
//! hand with some other payload, rather than running a job at a time nobody
//! scheduled. The `source` is not checked (see below).
//!
//! **EventBridge Scheduler** (the newer `aws scheduler` service) sends its
//! target whatever input the schedule configures. To invoke this function
//! from it, set the schedule's input to a scheduled event built from its
//! context attributes:
//!
//! ```json
//! {
//!   "id": "<aws.scheduler.execution-id>",
//!   "detail-type": "Scheduled Event",
//!   "source": "aws.scheduler",
//!   "time": "<aws.scheduler.scheduled-time>",
//!   "resources": ["<aws.scheduler.schedule-arn>"],
//!   "detail": {}
//! }
//! ```
//!
//! A failure (`Err`, a panic, an invalid event) fails the invocation with
//! its `errorType`; scheduled invocations are asynchronous, so Lambda
//! retries them by the function's retry settings. A success answers `null`.

use std::time::SystemTime;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Fixed, Trigger, answer_all_or_nothing};

/// The `detail-type` of every scheduled event.
pub const DETAIL_TYPE: &str = "Scheduled Event";

crate::trigger::source!("schedule");

impl Trigger for Source {
    // Checked while the envelope decodes: an event that is not a scheduled
    // event is rejected as a whole, like any envelope of the wrong shape.
    type Event = ScheduledEvent;
    type Record = ScheduledEvent;
    type Output = ();

    fn id(event: &ScheduledEvent) -> Option<String> {
        Some(event.id.clone())
    }

    /// An invocation carries exactly one event: it is the only record.
    fn records(event: &ScheduledEvent) -> &[ScheduledEvent] {
        std::slice::from_ref(event)
    }

    // One record: there is nothing to order or overlap.
    fn order(_: &ScheduledEvent, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(_: &ScheduledEvent, outcome: BatchOutcome, deadline: &Deadline) -> Outcome {
        answer_all_or_nothing(outcome, deadline)
    }
}

/// One tick of a schedule.
///
/// It also deserializes on its own, checked in the same way, so a unit test
/// can build one from JSON, and `#[lambda]` without a keyword can take it as
/// the whole event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledEvent {
    /// The event id, unique per tick (what a failure is reported and logged
    /// under). With EventBridge Scheduler, the execution id.
    pub id: String,
    /// The time the tick was scheduled for (second precision), not when the
    /// invocation started: a retried tick keeps its time. Convert it with
    /// `chrono::DateTime::<chrono::Utc>::from(time)`.
    pub time: SystemTime,
    /// The ARN of the rule (or schedule) that fired, and any others listed.
    pub resources: Vec<String>,
    /// `"aws.events"` for an EventBridge rule; whatever the input says for
    /// EventBridge Scheduler (`"aws.scheduler"` in the template above).
    pub source: String,
    /// The account the rule belongs to.
    pub account: Option<String>,
    /// The region the rule belongs to.
    pub region: Option<String>,
}

impl ScheduledEvent {
    /// The ARN of the rule (or schedule) that fired: the first of
    /// [`resources`](Self::resources).
    pub fn rule(&self) -> Option<&str> {
        self.resources.first().map(String::as_str)
    }

    /// Checks that `event` is a scheduled event. The error says what is
    /// wrong, starting with the JSON path of the offending field.
    fn from_envelope(event: EventBridgeEvent<Value>) -> Result<Self, String> {
        if event.detail_type != DETAIL_TYPE {
            return Err(format!(
                "detail-type: expected \"{DETAIL_TYPE}\", found {:?}: this function runs on a schedule, and this is not a scheduled event",
                event.detail_type
            ));
        }
        let Some(time) = event.time else {
            return Err(
                "time: missing: a scheduled event carries the time it was scheduled for".to_owned(),
            );
        };
        Ok(Self {
            id: event.id.unwrap_or_default(),
            time: time.into(),
            resources: event.resources.unwrap_or_default(),
            source: event.source,
            account: event.account,
            region: event.region,
        })
    }
}

impl<'de> Deserialize<'de> for ScheduledEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = EventBridgeEvent::<Value>::deserialize(deserializer)?;
        Self::from_envelope(event).map_err(serde::de::Error::custom)
    }
}

/// The handler's payload: the scheduled event, already checked when the
/// envelope decoded. Also called for a handler that takes no payload.
impl Fixed for Source {
    type Payload = ScheduledEvent;

    fn payload(event: &ScheduledEvent) -> Result<ScheduledEvent, Failure> {
        Ok(event.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;
    use crate::invocation::Invocation;
    use crate::test_support::{Answer, Tested, serve_batch};
    use crate::test_support::{assert_contains, assert_failure, assert_starts_with};

    fn decode_event<T: serde::de::DeserializeOwned>(event: &[u8]) -> Result<T, Diagnostic> {
        crate::decode::from_slice(event).map_err(Failure::into_diagnostic)
    }
    use std::time::{Duration, UNIX_EPOCH};

    /// The sample scheduled event shipped in aws_lambda_events' fixtures.
    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-eventbridge-schedule.json"
    ));

    /// Not a scheduled event: an EC2 state change.
    const OTHER_EVENT: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-eventbridge-event-obj.json"
    ));

    fn invalid(event: &[u8]) -> Diagnostic {
        decode_event::<ScheduledEvent>(event).unwrap_err()
    }

    #[test]
    fn fixture_decodes() {
        let event: ScheduledEvent = decode_event(FIXTURE).unwrap();
        assert_eq!(event.id, "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa");
        assert_eq!(event.time, UNIX_EPOCH + Duration::from_secs(1_444_323_186));
        assert_eq!(
            event.rule(),
            Some("arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule")
        );
        assert_eq!(event.source, "aws.events");
        assert_eq!(event.account.as_deref(), Some("123456789012"));
        assert_eq!(event.region.as_deref(), Some("us-east-1"));
        assert_eq!(Source::fixed(&event), Ok(event.clone()));
        assert_eq!(Source::id(&event).as_deref(), Some(event.id.as_str()));
    }

    #[test]
    fn scheduler_template_decodes() {
        let event: ScheduledEvent = decode_event(
            br#"{"id": "d32c5kddcf5bb8c3", "detail-type": "Scheduled Event", "source": "aws.scheduler",
                 "time": "2022-03-22T18:59:43Z", "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"],
                 "detail": {}}"#,
        )
        .unwrap();
        assert_eq!(event.id, "d32c5kddcf5bb8c3");
        assert_eq!(
            event.rule(),
            Some("arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly")
        );
        assert_eq!(event.account, None);
    }

    #[test]
    fn other_events_are_invalid() {
        let err = invalid(OTHER_EVENT);
        assert_failure(
            &err,
            "InvalidEvent",
            "detail-type: expected \"Scheduled Event\", found \"EC2 Instance State-change Notification\": this function runs on a schedule, and this is not a scheduled event",
        );
        let err = invalid(
            br#"{"id": "x", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}"#,
        );
        assert_eq!(
            err.error_message,
            "time: missing: a scheduled event carries the time it was scheduled for"
        );
        let err = invalid(br#"{"detail-type": "Scheduled Event", "source": "aws.events", "time": "yesterday", "detail": {}}"#);
        assert_starts_with(&err.error_message, "time: ");
        assert_eq!(invalid(b"{}").error_message, "missing field `detail-type`");
    }

    async fn serve(event: &[u8], fail: bool) -> Answer {
        let handler = async |_: ScheduledEvent, _: &Invocation<'_, ()>| {
            if fail {
                Err(crate::Error::msg("the report did not render").with_error_type("ReportFailed"))
            } else {
                Ok(())
            }
        };
        serve_batch::<Source, _, _>(handler, <Source as Fixed>::payload, 1, event).await
    }

    #[tokio::test]
    async fn a_tick_answers_null_or_fails_the_invocation() {
        assert_eq!(serve(FIXTURE, false).await.unwrap(), b"null");
        let err = serve(FIXTURE, true).await.unwrap_err();
        assert_eq!(err.error_type, "ReportFailed");
        assert_contains(&err.error_message, "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa");
        let err = serve(OTHER_EVENT, false).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(err.error_message.starts_with("detail-type: "));
    }
}
