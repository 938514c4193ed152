//! Running the records of one batch: each record decoded and handled on its
//! own, so that a record that fails to decode, returns `Err` or panics fails
//! only itself, under the deadline guard of the whole invocation.
//!
//! The trigger adapter ([`crate::trigger::Batch`]) drives [`process`], and
//! each trigger turns the [`BatchOutcome`] into its answer: the partial batch
//! response of [`batch_item_failures`] (SQS, Kinesis, DynamoDB Streams,
//! Kafka), a failed invocation (SNS, S3, EventBridge, schedules, Amazon MQ,
//! CloudWatch Logs), or one result per record built from what each record's
//! handler answered (Firehose, S3 Batch Operations).

use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use serde::Serialize;

use crate::error;
use crate::failure::Failure;
use crate::guard::{caught, guarded, timeout};
use crate::invocation::{Invocation, Outcome};

/// How the records of a batch are run.
#[derive(Clone, Debug, PartialEq, Eq)]
// `InOrder` says what it means; `Order::InOrder` reads as English.
#[allow(clippy::enum_variant_names)]
pub enum Order {
    /// Records are independent: up to `concurrency` run at once, and every
    /// record runs whatever happens to the others.
    Unordered {
        /// How many records may be in flight at once (at least 1).
        concurrency: usize,
    },
    /// Records run one at a time in batch order. At the first failure, that
    /// record and every later one are failed without being processed (FIFO
    /// queues and streams, where a later record must not overtake an earlier
    /// one).
    InOrder,
    /// Records run in order within each group (a Kafka partition), as for
    /// [`Order::InOrder`]: at a group's first failure, that record and every
    /// later one of the group are failed without being processed. Groups
    /// are independent: up to `concurrency` run at once.
    Grouped {
        /// Contiguous ranges of record indices, in batch order, covering
        /// every record once.
        groups: Vec<Range<usize>>,
        /// How many groups may be in flight at once (at least 1).
        concurrency: usize,
    },
}

impl Order {
    /// The groups of records that run in order (a record of an unordered
    /// batch is a group of its own) and how many groups run at once.
    fn into_groups(self, records: usize) -> (Vec<Range<usize>>, usize) {
        match self {
            Order::Unordered { concurrency } => {
                ((0..records).map(|i| i..i + 1).collect(), concurrency.max(1))
            }
            Order::InOrder => (std::iter::once(0..records).collect(), 1),
            Order::Grouped {
                groups,
                concurrency,
            } => {
                debug_assert!(
                    groups.iter().map(|g| g.len()).sum::<usize>() == records
                        && groups.windows(2).all(|w| w[0].end == w[1].start),
                    "the groups of an ordered batch cover its records once, in order"
                );
                (groups, concurrency.max(1))
            }
        }
    }
}

/// A record that did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFailure {
    /// The record's position in the batch.
    pub index: usize,
    /// The record's id (message id, sequence number...), if it has one.
    pub id: Option<String>,
    /// Why it failed.
    pub failure: Failure,
}

/// What happened to a batch. `O` is what a record's handler answered on
/// success, for a trigger that answers one result per record (Firehose's
/// transformed data); `()` for the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome<O = ()> {
    /// How many records the batch had.
    pub records: usize,
    /// Every record that did not succeed, in batch order.
    pub failures: Vec<RecordFailure>,
    /// Whether the deadline guard fired before every record finished.
    pub timed_out: bool,
    /// What each record's handler answered, by index: `Some` exactly for
    /// the records that succeeded.
    pub outputs: Vec<Option<O>>,
}

impl<O> BatchOutcome<O> {
    /// Each record in batch order with what became of it: its handler's
    /// answer, or why it failed.
    pub fn into_results(self) -> impl Iterator<Item = Result<O, Failure>> {
        let mut failures = self.failures.into_iter().peekable();
        self.outputs
            .into_iter()
            .enumerate()
            .map(move |(index, output)| match output {
                Some(output) => Ok(output),
                None => Err(failures
                    .next_if(|failed| failed.index == index)
                    .map_or_else(
                        || Failure::InvalidResponse(format!("record {index} has no outcome")),
                        |failed| failed.failure,
                    )),
            })
    }

    /// Whether any record did not succeed.
    pub fn any_failed(&self) -> bool {
        !self.failures.is_empty()
    }
}

impl BatchOutcome {
    /// The ids of every failed record, for a trigger's `batchItemFailures`
    /// (`id_name` says what the id is: `messageId`, `sequenceNumber`...).
    /// A failed record without an id cannot be named, so then the whole
    /// invocation fails instead and Lambda retries the batch: no record is
    /// reported processed when it was not.
    pub fn failed_ids(&self, id_name: &str) -> Result<Vec<&str>, Failure> {
        self.failures
            .iter()
            .map(|failed| {
                failed.id.as_deref().ok_or_else(|| {
                    Failure::invalid_event(format!(
                        "record {} failed and has no {id_name} to report it by, so the whole batch fails: {}: {}",
                        failed.index,
                        failed.failure.error_type(),
                        failed.failure.message()
                    ))
                })
            })
            .collect()
    }

    /// The diagnostic for a trigger without a batch protocol, where any
    /// failed record fails the whole invocation. Names every failed record.
    pub fn into_invocation_result(self, deadline: &crate::Deadline) -> Result<(), Failure> {
        if self.failures.is_empty() {
            return Ok(());
        }
        let quotes_payload = self.failures.iter().any(|f| f.failure.quotes_payload());
        if self.timed_out {
            let unfinished = self
                .failures
                .iter()
                .filter(|f| matches!(f.failure, Failure::Timeout(_)))
                .count();
            return Err(Failure::Records {
                error_type: error::TIMEOUT.to_owned(),
                message: format!(
                    "{}; {unfinished} of {} records did not finish: {}",
                    timeout(deadline).message(),
                    self.records,
                    describe(&self.failures)
                ),
                quotes_payload,
            });
        }
        // A single-event trigger (EventBridge, schedules): the event's own
        // error, prefixed with its id.
        if let ([only], 1) = (self.failures.as_slice(), self.records) {
            let id = only.id.as_deref().unwrap_or("the event");
            return Err(Failure::Records {
                error_type: only.failure.error_type().to_owned(),
                message: format!("{id}: {}", only.failure.message()),
                quotes_payload,
            });
        }
        let first = self.failures[0].failure.error_type();
        let same_type = self
            .failures
            .iter()
            .all(|f| f.failure.error_type() == first);
        let error_type = if same_type { first } else { "RecordsFailed" };
        Err(Failure::Records {
            error_type: error_type.to_owned(),
            message: format!(
                "{} of {} records failed: {}",
                self.failures.len(),
                self.records,
                describe(&self.failures)
            ),
            quotes_payload,
        })
    }
}

fn describe(failures: &[RecordFailure]) -> String {
    failures
        .iter()
        .map(|f| {
            let id =
                f.id.clone()
                    .unwrap_or_else(|| format!("record {}", f.index));
            format!("{id}: {}: {}", f.failure.error_type(), f.failure.message())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a trigger without per-record results keeps of a record's success:
/// nothing.
pub fn nothing(_: ()) -> Result<(), Failure> {
    Ok(())
}

enum Status<O> {
    Pending,
    Succeeded(O),
    Failed(Failure),
}

fn pending<O>(records: usize) -> Vec<Status<O>> {
    (0..records).map(|_| Status::Pending).collect()
}

/// Runs `handler` on every record of `records`.
///
/// `decode` turns a raw record into the handler's payload; `id` names a
/// record in the answer and in logs; `keep` turns what the handler answered
/// into what the trigger's answer is built from (nothing, for most
/// triggers; a failure there fails the record); `report` turns the
/// handler's error into a diagnostic. The deadline guard of `invocation`
/// covers the whole batch: when it fires, the records still running are
/// dropped and every record that did not finish is a failure with
/// `errorType` `Timeout`. A record is only ever counted as a success when
/// its handler returned `Ok`.
#[allow(clippy::too_many_arguments)]
pub async fn process<Rec, P, R, O, S, F, E>(
    records: &[Rec],
    id: impl Fn(&Rec) -> Option<String>,
    decode: impl Fn(&Rec) -> Result<P, Failure>,
    handler: &F,
    keep: fn(R) -> Result<O, Failure>,
    report: fn(E) -> crate::Diagnostic,
    invocation: &Invocation<'_, S>,
    order: Order,
) -> BatchOutcome<O>
where
    F: AsyncFn(P, &Invocation<'_, S>) -> Result<R, E>,
{
    let status = RefCell::new(pending(records.len()));
    let run = |index: usize| {
        let status = &status;
        let record = &records[index];
        let decoded = decode(record);
        async move {
            let result = match decoded {
                Err(undecodable) => Err(undecodable),
                Ok(payload) => match caught(handler(payload, invocation)).await {
                    Ok(Ok(answer)) => keep(answer),
                    Ok(Err(err)) => Err(Failure::Handler(report(err))),
                    Err(panic) => Err(panic),
                },
            };
            let succeeded = result.is_ok();
            status.borrow_mut()[index] = match result {
                Ok(output) => Status::Succeeded(output),
                Err(failure) => Status::Failed(failure),
            };
            succeeded
        }
    };
    let (groups, concurrency) = order.into_groups(records.len());
    let work = run_groups(&groups, concurrency, |group: Range<usize>| {
        let run = &run;
        async move {
            for index in group {
                if !run(index).await {
                    break;
                }
            }
        }
    });
    let finished = guarded(invocation.deadline, work).await.is_ok();
    settle(
        records,
        id,
        status.into_inner(),
        &groups,
        !finished,
        invocation,
    )
}

/// Runs `handler` once on every record of `records` that decodes: the batch
/// form, `#[lambda(sqs, batch)]`, for handlers that are cheaper per record
/// when records run together (one model inference for the whole batch).
///
/// A record that does not decode is failed without reaching the handler.
/// The handler answers one `Result` per record it was given, in the order
/// given; an `Err` of the whole call, a panic, the deadline guard firing or
/// an answer of the wrong length fails every record it was given. With
/// [`Order::InOrder`], decoding stops at the first record that does not
/// decode (the handler gets only the records before it), and at the first
/// failure that record and every later one are failed: the records after
/// it were handled, but are reported failed so that Lambda redelivers them
/// after it, exactly as the per-record form does.
pub async fn process_together<Rec, P, S, F, E>(
    records: &[Rec],
    id: impl Fn(&Rec) -> Option<String>,
    decode: impl Fn(&Rec) -> Result<P, Failure>,
    handler: &F,
    report: fn(E) -> crate::Diagnostic,
    invocation: &Invocation<'_, S>,
    order: Order,
) -> BatchOutcome
where
    F: AsyncFn(Vec<P>, &Invocation<'_, S>) -> Result<Vec<Result<(), E>>, E>,
{
    let (groups, _) = order.into_groups(records.len());
    let mut status = pending(records.len());
    let mut payloads = Vec::with_capacity(records.len());
    let mut given = Vec::with_capacity(records.len());
    for group in &groups {
        for index in group.clone() {
            match decode(&records[index]) {
                Ok(payload) => {
                    payloads.push(payload);
                    given.push(index);
                }
                Err(undecodable) => {
                    // The rest of an ordered group must not overtake it.
                    status[index] = Status::Failed(undecodable);
                    break;
                }
            }
        }
    }
    let mut timed_out = false;
    if !given.is_empty() {
        let answer = guarded(invocation.deadline, caught(handler(payloads, invocation))).await;
        let all = |failure: Failure| {
            (0..given.len())
                .map(|_| Status::Failed(failure.clone()))
                .collect::<Vec<_>>()
        };
        let statuses = match answer {
            Ok(Ok(Ok(outcomes))) if outcomes.len() == given.len() => outcomes
                .into_iter()
                .map(|outcome| match outcome {
                    Ok(()) => Status::Succeeded(()),
                    Err(err) => Status::Failed(Failure::Handler(report(err))),
                })
                .collect(),
            Ok(Ok(Ok(outcomes))) => all(Failure::InvalidResponse(format!(
                "the batch handler answered {} outcomes for the {} records it was given; it must answer one per record, in the order given",
                outcomes.len(),
                given.len()
            ))),
            Ok(Ok(Err(err))) => all(Failure::Handler(report(err))),
            Ok(Err(panic)) => all(panic),
            Err(timeout) => {
                timed_out = true;
                all(timeout)
            }
        };
        for (index, state) in given.into_iter().zip(statuses) {
            status[index] = state;
        }
    }
    // In each ordered group, every record after the first failure is
    // reported not processed, although it was handled, so that Lambda
    // redelivers it after the failed one.
    for group in &groups {
        if let Some(first) = status[group.clone()]
            .iter()
            .position(|state| matches!(state, Status::Failed(_)))
        {
            for state in &mut status[group.start + first + 1..group.end] {
                *state = Status::Pending;
            }
        }
    }
    settle(records, id, status, &groups, timed_out, invocation)
}

/// The outcome of a batch from the status of each record, logging every
/// failure. A record still pending did not finish when the guard fired
/// (`timed_out`), or was not run after an earlier failure of its ordered
/// group.
fn settle<Rec, O, S>(
    records: &[Rec],
    id: impl Fn(&Rec) -> Option<String>,
    status: Vec<Status<O>>,
    groups: &[Range<usize>],
    timed_out: bool,
    invocation: &Invocation<'_, S>,
) -> BatchOutcome<O> {
    // The first failed record of each record's group, before it.
    let mut failed_before = vec![None; records.len()];
    for group in groups {
        let mut first = None;
        for index in group.clone() {
            failed_before[index] = first;
            if first.is_none() && matches!(status[index], Status::Failed(_)) {
                first = Some(index);
            }
        }
    }
    let mut outcome = BatchOutcome {
        records: records.len(),
        failures: Vec::new(),
        timed_out,
        outputs: Vec::with_capacity(records.len()),
    };
    for (index, state) in status.into_iter().enumerate() {
        let failure = match state {
            Status::Succeeded(output) => {
                outcome.outputs.push(Some(output));
                continue;
            }
            Status::Failed(failure) => failure,
            Status::Pending if timed_out => timeout(invocation.deadline),
            Status::Pending => Failure::NotProcessed {
                first: failed_before[index].unwrap_or(0),
            },
        };
        outcome.outputs.push(None);
        let failure = RecordFailure {
            index,
            id: id(&records[index]),
            failure,
        };
        log_failure(invocation, &failure);
        outcome.failures.push(failure);
    }
    outcome
}

/// Keeps up to `concurrency` groups in flight, starting the next group as
/// soon as one finishes. Everything runs on the invocation's task: records
/// need not be `Send`, and dropping this future drops every record in flight.
async fn run_groups<Fut>(
    groups: &[Range<usize>],
    concurrency: usize,
    run: impl Fn(Range<usize>) -> Fut,
) where
    Fut: Future<Output = ()>,
{
    let mut in_flight = FuturesUnordered::new();
    let mut next = groups.iter();
    for group in next.by_ref().take(concurrency) {
        in_flight.push(run(group.clone()));
    }
    while in_flight.next().await.is_some() {
        if let Some(group) = next.next() {
            in_flight.push(run(group.clone()));
        }
    }
}

/// The partial batch response SQS, Kinesis and DynamoDB Streams share
/// (Kafka's names a record by an object, and is built in `triggers/kafka`):
/// `{"batchItemFailures": [{"itemIdentifier": "<id>"}, ...]}`, naming every
/// failed record by its id (`id_name` says which: `messageId`,
/// `SequenceNumber`...). Lambda retries exactly those records (from the first
/// of them, for a stream), given `ReportBatchItemFailures` on the event
/// source mapping
/// (<https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html>).
///
/// A failed record without an id cannot be named, so the whole invocation
/// fails instead and Lambda retries the batch: no record is reported
/// processed when it was not.
#[cfg_attr(
    not(any(feature = "sqs", feature = "kinesis", feature = "dynamodb")),
    allow(dead_code)
)]
pub(crate) fn batch_item_failures(outcome: &BatchOutcome, id_name: &str) -> Outcome {
    partial_batch_response(outcome.failed_ids(id_name)?)
}

/// `{"batchItemFailures": [{"itemIdentifier": <id>}, ...]}` of these item
/// identifiers: a string for SQS and the streams, an object for Kafka.
#[cfg_attr(
    not(any(
        feature = "sqs",
        feature = "kinesis",
        feature = "dynamodb",
        feature = "kafka"
    )),
    allow(dead_code)
)]
pub(crate) fn partial_batch_response<I: Serialize>(
    identifiers: impl IntoIterator<Item = I>,
) -> Outcome {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Response<I> {
        batch_item_failures: Vec<Item<I>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Item<I> {
        item_identifier: I,
    }
    crate::decode::encode(&Response {
        batch_item_failures: identifiers
            .into_iter()
            .map(|item_identifier| Item { item_identifier })
            .collect(),
    })
    .map(Into::into)
}

fn log_failure<S>(invocation: &Invocation<'_, S>, failure: &RecordFailure) {
    let request_id = invocation.context.request_id.as_str();
    let record = failure.id.as_deref().unwrap_or("<no id>");
    let error_type = failure.failure.error_type();
    if failure.failure.quotes_payload() {
        // serde quotes the offending value: part of the payload.
        tracing::error!(
            request_id,
            record,
            error_type,
            index = failure.index,
            "record failed: its payload did not decode"
        );
        tracing::debug!(request_id, record, error = %failure.failure.message(), "why the record did not decode");
    } else {
        tracing::error!(
            request_id,
            record,
            error_type,
            index = failure.index,
            error = %failure.failure.message(),
            "record failed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_contains, assert_failure, assert_starts_with};
    use crate::{Context, Deadline};
    use std::time::{Duration, Instant};

    #[derive(Debug)]
    struct Negative(i64);
    impl std::fmt::Display for Negative {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} is negative", self.0)
        }
    }
    impl std::error::Error for Negative {}

    fn report(e: Negative) -> crate::Diagnostic {
        crate::IntoDiagnostic::into_diagnostic(e)
    }

    /// Records are numbers as text: "x" does not decode, negatives fail,
    /// 666 panics, and n > 1000 sleeps n ms.
    async fn run_batch(records: &[&str], order: Order, deadline: Deadline) -> BatchOutcome {
        let ctx = Context::default();
        let inv = Invocation::new(&ctx, &(), &deadline);
        let handler = async |n: i64, _: &Invocation<'_, ()>| {
            if n == 666 {
                panic!("the number of the beast");
            }
            if n > 1000 {
                tokio::time::sleep(Duration::from_millis(n as u64)).await;
            }
            if n < 0 { Err(Negative(n)) } else { Ok(()) }
        };
        process(
            records,
            |r: &&str| Some(format!("id-{r}")),
            |r: &&str| {
                r.parse::<i64>()
                    .map_err(|e| Failure::invalid_event(e.to_string()))
            },
            &handler,
            nothing,
            report,
            &inv,
            order,
        )
        .await
    }

    fn failed(outcome: &BatchOutcome) -> Vec<(usize, &str)> {
        outcome
            .failures
            .iter()
            .map(|f| (f.index, f.failure.error_type()))
            .collect()
    }

    #[tokio::test]
    async fn each_bad_record_fails_only_itself() {
        let outcome = run_batch(
            &["1", "x", "3", "-4", "5", "666", "7"],
            Order::Unordered { concurrency: 3 },
            Deadline::unknown(),
        )
        .await;
        assert_eq!(
            failed(&outcome),
            [(1, "InvalidEvent"), (3, "Negative"), (5, "Panic")]
        );
        assert_eq!(outcome.failures[0].id.as_deref(), Some("id-x"));
        assert!(!outcome.timed_out);
    }

    #[tokio::test]
    async fn in_order_stops_at_the_first_failure() {
        let outcome = run_batch(
            &["1", "2", "3", "-4", "5", "6", "7", "8", "9", "10"],
            Order::InOrder,
            Deadline::unknown(),
        )
        .await;
        let failed = failed(&outcome);
        assert_eq!(failed[0], (3, "Negative"));
        assert_eq!(
            failed[1..],
            [4, 5, 6, 7, 8, 9].map(|i| (i, crate::failure::NOT_PROCESSED))
        );
    }

    /// The batch form over the same records: the handler gets every number
    /// that decodes at once and fails the whole call when one is 999, panics
    /// when one is 666, answers one outcome too few when one is 777, and
    /// sleeps the largest n > 1000 ms. Returns what it was given, too.
    async fn run_together(
        records: &[&str],
        order: Order,
        deadline: Deadline,
    ) -> (Vec<i64>, BatchOutcome) {
        let ctx = Context::default();
        let inv = Invocation::new(&ctx, &(), &deadline);
        let given = RefCell::new(Vec::new());
        let handler = async |numbers: Vec<i64>, _: &Invocation<'_, ()>| {
            given.borrow_mut().clone_from(&numbers);
            if numbers.contains(&666) {
                panic!("the number of the beast");
            }
            if let Some(&n) = numbers.iter().filter(|&&n| n > 1000).max() {
                tokio::time::sleep(Duration::from_millis(n as u64)).await;
            }
            if numbers.contains(&999) {
                return Err(Negative(-999));
            }
            let mut outcomes: Vec<Result<(), Negative>> = numbers
                .iter()
                .map(|&n| if n < 0 { Err(Negative(n)) } else { Ok(()) })
                .collect();
            if numbers.contains(&777) {
                outcomes.pop();
            }
            Ok(outcomes)
        };
        let outcome = process_together(
            records,
            |r: &&str| Some(format!("id-{r}")),
            |r: &&str| {
                r.parse::<i64>()
                    .map_err(|e| Failure::invalid_event(e.to_string()))
            },
            &handler,
            report,
            &inv,
            order,
        )
        .await;
        (given.into_inner(), outcome)
    }

    #[tokio::test]
    async fn together_the_handler_gets_every_record_that_decodes() {
        let unordered = Order::Unordered { concurrency: 1 };
        let (given, outcome) = run_together(
            &["1", "x", "3", "-4", "5"],
            unordered.clone(),
            Deadline::unknown(),
        )
        .await;
        assert_eq!(given, [1, 3, -4, 5]);
        assert_eq!(failed(&outcome), [(1, "InvalidEvent"), (3, "Negative")]);
        assert_eq!(
            outcome.failures[1].failure.message(),
            "-4 is negative",
            "each record keeps its own error"
        );
        assert!(!outcome.timed_out);

        // Every record undecodable: the handler is not called at all.
        let (given, outcome) =
            run_together(&["x", "y"], unordered.clone(), Deadline::unknown()).await;
        assert!(given.is_empty());
        assert_eq!(failed(&outcome), [(0, "InvalidEvent"), (1, "InvalidEvent")]);
    }

    #[tokio::test]
    async fn together_in_order_keeps_the_ordered_rules() {
        // Decoding stops at the first record that does not decode.
        let (given, outcome) = run_together(
            &["1", "2", "x", "4", "5"],
            Order::InOrder,
            Deadline::unknown(),
        )
        .await;
        assert_eq!(given, [1, 2]);
        assert_eq!(
            failed(&outcome),
            [
                (2, "InvalidEvent"),
                (3, crate::failure::NOT_PROCESSED),
                (4, crate::failure::NOT_PROCESSED)
            ]
        );
        // A failed record fails every later one, although they were handled.
        let (given, outcome) =
            run_together(&["1", "-2", "3", "4"], Order::InOrder, Deadline::unknown()).await;
        assert_eq!(given, [1, -2, 3, 4]);
        let not_processed = crate::failure::NOT_PROCESSED;
        assert_eq!(
            failed(&outcome),
            [(1, "Negative"), (2, not_processed), (3, not_processed)]
        );
        assert_eq!(
            outcome.failures[2].failure.message(),
            "not processed: record 1 of this ordered batch failed first"
        );
        // Unordered, the same batch fails only the negative record.
        let (_, outcome) = run_together(
            &["1", "-2", "3", "4"],
            Order::Unordered { concurrency: 1 },
            Deadline::unknown(),
        )
        .await;
        assert_eq!(failed(&outcome), [(1, "Negative")]);
    }

    #[tokio::test]
    async fn together_a_failed_call_fails_every_record_it_was_given() {
        let unordered = Order::Unordered { concurrency: 1 };
        let (_, outcome) =
            run_together(&["1", "x", "999"], unordered.clone(), Deadline::unknown()).await;
        assert_eq!(
            failed(&outcome),
            [(0, "Negative"), (1, "InvalidEvent"), (2, "Negative")]
        );
        assert_eq!(outcome.failures[0].failure.message(), "-999 is negative");

        let (_, outcome) =
            run_together(&["1", "666", "x"], unordered.clone(), Deadline::unknown()).await;
        assert_eq!(
            failed(&outcome),
            [(0, "Panic"), (1, "Panic"), (2, "InvalidEvent")]
        );
        assert_eq!(
            outcome.failures[0].failure.message(),
            "the number of the beast"
        );

        let (_, outcome) =
            run_together(&["1", "777", "3"], unordered.clone(), Deadline::unknown()).await;
        assert_eq!(failed(&outcome), [0, 1, 2].map(|i| (i, "InvalidResponse")));
        assert_eq!(
            outcome.failures[0].failure.message(),
            "the batch handler answered 2 outcomes for the 3 records it was given; it must answer one per record, in the order given"
        );
    }

    #[tokio::test]
    async fn grouped_records_stop_only_their_own_group() {
        // Two groups (Kafka partitions) of three records.
        let order = Order::Grouped {
            groups: vec![0..3, 3..6],
            concurrency: 2,
        };
        let not_processed = crate::failure::NOT_PROCESSED;
        let outcome = run_batch(
            &["1", "-2", "3", "4", "5", "6"],
            order.clone(),
            Deadline::unknown(),
        )
        .await;
        assert_eq!(failed(&outcome), [(1, "Negative"), (2, not_processed)]);
        assert_eq!(
            outcome.failures[1].failure,
            Failure::NotProcessed { first: 1 }
        );
        // The batch form: decoding stops at `x` in its group only, and a
        // failure fails the rest of its group only.
        let (given, outcome) =
            run_together(&["1", "x", "3", "4", "-5", "6"], order, Deadline::unknown()).await;
        assert_eq!(given, [1, 4, -5, 6]);
        assert_eq!(
            failed(&outcome),
            [
                (1, "InvalidEvent"),
                (2, not_processed),
                (4, "Negative"),
                (5, not_processed)
            ]
        );
        assert_eq!(
            outcome.failures[3].failure,
            Failure::NotProcessed { first: 4 }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn together_the_guard_fails_every_record_given() {
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(1500));
        let (_, outcome) = run_together(
            &["1", "x", "2000"],
            Order::Unordered { concurrency: 1 },
            deadline.clone(),
        )
        .await;
        assert!(outcome.timed_out);
        assert_eq!(
            failed(&outcome),
            [(0, "Timeout"), (1, "InvalidEvent"), (2, "Timeout")]
        );
        // In order, every record from the first on is a `Timeout`, as when
        // the per-record form's guard fires at the first record.
        let (_, outcome) =
            run_together(&["1", "2000", "x", "4"], Order::InOrder, deadline.clone()).await;
        assert!(outcome.timed_out);
        assert_eq!(failed(&outcome), [0, 1, 2, 3].map(|i| (i, "Timeout")));
    }

    #[tokio::test(start_paused = true)]
    async fn the_guard_fails_every_unfinished_record() {
        // 2000 and 3000 sleep past a 1.5 s budget; 1 and 2 finish at once.
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(1500));
        let outcome = run_batch(
            &["1", "2000", "2", "3000", "1100"],
            Order::Unordered { concurrency: 10 },
            deadline.clone(),
        )
        .await;
        assert!(outcome.timed_out);
        assert_eq!(failed(&outcome), [(1, "Timeout"), (3, "Timeout")]);
        let err = outcome
            .into_invocation_result(&deadline)
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(err.error_type, "Timeout");
        assert_contains(&err.error_message, "2 of 5 records did not finish: id-2000");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_runs_records_at_once() {
        let started = tokio::time::Instant::now();
        let outcome = run_batch(
            &["1050"; 10],
            Order::Unordered { concurrency: 10 },
            Deadline::unknown(),
        )
        .await;
        assert!(outcome.failures.is_empty());
        assert!(
            started.elapsed() < Duration::from_millis(1100),
            "{:?}",
            started.elapsed()
        );
        let started = tokio::time::Instant::now();
        run_batch(
            &["1050"; 4],
            Order::Unordered { concurrency: 2 },
            Deadline::unknown(),
        )
        .await;
        assert!(
            started.elapsed() >= Duration::from_millis(2100),
            "{:?}",
            started.elapsed()
        );
    }

    /// The invocation's error for a batch of `records` run one at a time.
    async fn invocation_error(records: &[&str]) -> crate::Diagnostic {
        run_batch(
            records,
            Order::Unordered { concurrency: 1 },
            Deadline::unknown(),
        )
        .await
        .into_invocation_result(&Deadline::unknown())
        .unwrap_err()
        .into_diagnostic()
    }

    #[tokio::test]
    async fn invocation_result_names_the_failed_records() {
        let err = invocation_error(&["1", "-2", "-3"]).await;
        assert_failure(
            &err,
            "Negative",
            "2 of 3 records failed: id--2: Negative: -2 is negative; id--3: Negative: -3 is negative",
        );
        let err = invocation_error(&["1", "x", "-3"]).await;
        assert_eq!(err.error_type, "RecordsFailed");
        let ok = run_batch(&["1"], Order::InOrder, Deadline::unknown()).await;
        assert_eq!(ok.into_invocation_result(&Deadline::unknown()), Ok(()));
    }

    /// A batch of `records` records in which the records `failed` (index and
    /// id) panicked.
    fn panicked(records: usize, failed: &[(usize, Option<&str>)]) -> BatchOutcome {
        BatchOutcome {
            records,
            failures: failed
                .iter()
                .map(|&(index, id)| RecordFailure {
                    index,
                    id: id.map(str::to_owned),
                    failure: Failure::Panic("p".to_owned()),
                })
                .collect(),
            timed_out: false,
            outputs: (0..records)
                .map(|index| (!failed.iter().any(|f| f.0 == index)).then_some(()))
                .collect(),
        }
    }

    #[test]
    fn a_failure_without_id_fails_the_invocation() {
        let err = batch_item_failures(&panicked(1, &[(0, None)]), "SequenceNumber")
            .unwrap_err()
            .into_diagnostic();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_starts_with(
            &err.error_message,
            "record 0 failed and has no SequenceNumber",
        );
    }

    #[test]
    fn the_partial_batch_response_names_each_failed_record() {
        let outcome = panicked(3, &[(0, Some("m0")), (2, Some("m2"))]);
        let body: serde_json::Value = serde_json::from_slice(
            &batch_item_failures(&outcome, "messageId")
                .unwrap()
                .buffered(),
        )
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"batchItemFailures": [
                {"itemIdentifier": "m0"}, {"itemIdentifier": "m2"}
            ]})
        );
    }
}
