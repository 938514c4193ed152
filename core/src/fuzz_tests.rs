//! Property tests over every trigger's event decoding: whatever bytes
//! arrive, an invocation never panics and ends as a success (whose answer is
//! JSON of the trigger's shape) or as an `InvalidEvent` with a message.
//!
//! The handlers are served through the trigger contract (`crate::trigger`)
//! with the decoders `#[lambda]` generates: for a trigger with bodies
//! (`WithBody`), `Batch::<T, ..>::new(handler, decode, report, concurrency)`
//! with `decode` each of `T::body` into a type, a `serde_json::Value`, a
//! `String` and a `Vec<u8>` (where raw bodies apply) and `T::wrap`; for one
//! with a fixed payload, `<T as Fixed>::payload`; each at concurrency 1 and
//! at the row's. A trigger whose answer carries each record's result
//! (`WithOutput`: Firehose, S3 Batch Operations, Bedrock agents) is served
//! with `Batch::answering`, by handlers that answer something for every
//! payload, and its answer is checked against the event record by record.
//! `WholeEvent` serves `#[lambda]` without a trigger and `HttpHandler`
//! `http`. The handlers themselves never fail, so every failure is a
//! decoding failure; but a Bedrock agent's, which answers a handler's error
//! or panic as a `FAILURE` state of a successful invocation, an
//! authorizer's, which answers them (and every JSON event whose request
//! does not decode) with a Deny, a Cognito trigger's, whose error fails
//! the invocation with its own message, and a CloudFormation custom
//! resource's, which sends them to CloudFormation as `FAILED`, also fail
//! and panic, and those answers are checked exactly against the event too.
//! A custom resource's response is PUT to the event's `ResponseURL`: the
//! row points every URL that could leave the machine at a loopback
//! receiver of its own before serving (`serve_resources`), and checks what
//! it received. A trigger is fuzzed by adding its row to `triggers!`.
//!
//! Inputs: arbitrary bytes; arbitrary JSON; the sample events of
//! `examples/events/` and `tests/fixtures/` mutated (a node replaced by
//! arbitrary JSON or by raw JSON text, a key removed or added, the text cut
//! short or a byte changed); the same for the documents compressed inside
//! CloudWatch Logs deliveries; and well-formed envelopes with arbitrary
//! record bodies, for which the answer is checked exactly (which records a
//! `batchItemFailures` names, which keys S3 reports processed, what a
//! Bedrock agent, an authorizer or a Cognito trigger is answered...). The
//! decoders of their own (CloudWatch Logs' gzip) are fuzzed directly.
//!
//! `PROPTEST_CASES=N` sets the number of cases of every property (a longer
//! run); by default each runs the few hundred cases noted at its config.
#![cfg(all(
    feature = "sqs",
    feature = "sns",
    feature = "s3",
    feature = "kinesis",
    feature = "dynamodb",
    feature = "eventbridge",
    feature = "schedule",
    feature = "http",
    feature = "kafka",
    feature = "mq",
    feature = "firehose",
    feature = "cloudwatch_logs",
    feature = "s3_batch",
    feature = "bedrock_agent",
    feature = "authorizer",
    feature = "cognito",
    feature = "custom_resource"
))]

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::event::firehose::KinesisFirehoseEvent;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use flate2::Compression;
use flate2::write::GzEncoder;
use futures_util::FutureExt;
use futures_util::future::LocalBoxFuture;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value, json};

use crate::decode;
use crate::error::{self, IntoDiagnostic};
use crate::failure::Failure;
use crate::guard::caught;
use crate::http::{HttpHandler, Request};
use crate::invocation::{Invocation, call_without_deadline as call};
use crate::test_support::Answer;
use crate::test_support::bucket::{Bucket, Put};
use crate::trigger::{Answers, Batch, Fixed, Trigger, WholeEvent, WithBody, WithOutput};

/// `cases` cases, unless `PROPTEST_CASES` says otherwise (read by
/// `ProptestConfig::default()`, which `with_cases` would override). Failures
/// are not persisted to files: proptest prints the minimal failing input.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

// ---------------------------------------------------------------------------
// The triggers: one row each, with its sample events (the examples' and the
// AWS fixtures').

macro_rules! example {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/events/",
            $name
        ))
    };
}

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $name
        ))
    };
}

/// Declares `TRIGGERS`, one [`Row`] per `name: serve, shape, [seeds];`,
/// and for each a module `name` with two tests of its sample events: the
/// property `mutated_samples` (192 cases) and `every_node_of_the_samples`.
macro_rules! triggers {
    ($($name:ident: $serve:expr, $shape:ident, [$($seed:expr),* $(,)?];)*) => {
        /// Every trigger, and `#[lambda]` without one.
        const TRIGGERS: &[Row] = &[$(Row {
            name: stringify!($name),
            seeds: &[$($seed),*],
            serve: $serve,
            shape: Shape::$shape,
        }),*];

        $(mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config(192))]

                /// The samples mutated, through every handler of every
                /// trigger: an event reaching the wrong trigger too.
                #[test]
                fn mutated_samples(event in mutated(row(stringify!($name)).seeds)) {
                    serve_everywhere(&event)?;
                }
            }

            #[test]
            fn every_node_of_the_samples() {
                every_node(row(stringify!($name)));
            }
        })*
    };
}

// `serve_body::<trigger, raw bodies, concurrency>`: see `serve_body`.
triggers! {
    sqs: serve_body::<crate::sqs::Source, true, 8>, Batch,
        [example!("sqs-orders.json"), fixture!("example-sqs-event.json")];
    sns: serve_body::<crate::sns::Source, true, 4>, Null,
        [example!("sns-notify.json"), fixture!("example-sns-event.json")];
    s3: serve_fixed::<crate::s3::Source, 4>, Processed, [
        example!("s3-objects.json"),
        fixture!("example-s3-event.json"),
        fixture!("example-s3-event-with-decoded.json"),
    ];
    kinesis: serve_body::<crate::kinesis::Source, true, 1>, Batch,
        [example!("kinesis-readings.json"), fixture!("example-kinesis-event.json")];
    dynamodb: serve_body::<crate::dynamodb::Source, false, 1>, Batch,
        [example!("dynamodb-changes.json"), fixture!("example-dynamodb-event.json")];
    eventbridge: serve_body::<crate::eventbridge::Source, false, 1>, Null,
        [example!("eventbridge-orders.json"), fixture!("example-eventbridge-event-obj.json")];
    // A `ScheduledEvent` payload and no payload at all are the same adapter.
    schedule: serve_fixed::<crate::schedule::Source, 1>, Null,
        [example!("scheduled-report.json"), fixture!("example-eventbridge-schedule.json")];
    // Its handlers each say their shape.
    http: serve_http, Json, [
        example!("http-api.json"),
        example!("http-api-rest.json"),
        fixture!("http/apigw_proxy_request.json"),
        fixture!("http/apigw_v2_proxy_request.json"),
        fixture!("http/alb_request.json"),
        fixture!("http/lambda_function_url_request.json"),
    ];
    kafka: serve_body::<crate::kafka::Source, true, 4>, KafkaBatch,
        [example!("kafka-orders.json"), fixture!("example-kafka-event.json")];
    mq: serve_body::<crate::mq::Source, true, 4>, Null, [
        example!("mq-messages.json"),
        fixture!("example-activemq-event.json"),
        fixture!("example-rabbitmq-event.json"),
    ];
    // Checked record by record against the event (`check_transforms`).
    firehose: serve_transform::<4>, Transformed,
        [example!("firehose-transform.json"), fixture!("example-firehose-event.json")];
    // The documents inside are mutated too: `cloudwatch_logs_documents`.
    cloudwatch_logs: serve_body::<crate::cloudwatch_logs::Source, true, 2>, Null,
        [example!("logs-alerts.json"), fixture!("example-cloudwatch_logs-event.json")];
    // Its handlers each say their shape (what a task answers).
    s3_batch: serve_tasks::<4>, Json, [example!("s3-batch-tag.json"), fixture!("s3-batch-lambda-guide-event.json")];
    // Its handlers each say their shape (what an action answers), and
    // their answers are checked against the event (`check_action`).
    bedrock_agent: serve_actions, Json, [
        example!("agent-actions.json"),
        fixture!("example-bedrock-agent-runtime-event.json"),
    ];
    // Its handlers each say their shape (what they decide), and every
    // JSON event is answered, exactly as `expected_decision` says.
    authorizer: serve_decisions, Json, [
        example!("token-authorizer.json"),
        fixture!("example-apigw-custom-auth-request.json"),
        fixture!("example-apigw-custom-auth-request-type-request.json"),
        fixture!("example-apigw-v2-custom-authorizer-v1-request.json"),
        fixture!("example-apigw-v2-custom-authorizer-v2-request.json"),
        fixture!("example-apigw-v2-custom-authorizer-v2-request-null-maps.json"),
        fixture!("example-apigw-v2-custom-authorizer-websocket-request.json"),
    ];
    // Its handlers each say their hook and shape, and every event is
    // answered as `expected_hook` says: the event with the handler's
    // response, `InvalidEvent` for another hook's, or the handler's error.
    cognito: serve_hooks, Json, [
        example!("cognito-signup.json"),
        fixture!("example-cognito-event-userpools-presignup.json"),
        fixture!("example-cognito-event-userpools-postconfirmation.json"),
        fixture!("example-cognito-event-userpools-pretokengen-v2.json"),
        fixture!("example-cognito-event-userpools-pretokengen-v2-incoming.json"),
        fixture!("example-cognito-event-userpools-preauthentication.json"),
    ];
    // Its handlers each say their shape (what they answer). The response
    // document goes to a loopback receiver (`serve_resources` points every
    // ResponseURL there first: the samples' are S3's), and it and the
    // invocation's answer are checked exactly against the event
    // (`check_resource`).
    custom_resource: serve_resources, Json, [
        example!("custom-resource.json"),
        fixture!("example-cloudformation-custom-resource-create-request.json"),
        fixture!("example-cloudformation-custom-resource-update-request.json"),
        fixture!("example-cloudformation-custom-resource-delete-request.json"),
    ];
    whole: serve_whole, Json, [example!("hello.json"), example!("guarded.json")];
}

/// A trigger (or none: the whole event) as the fuzzer serves it.
struct Row {
    /// The trigger's keyword.
    name: &'static str,
    /// Its sample events.
    seeds: &'static [&'static str],
    /// Serves an event with every handler of the row.
    serve: for<'a> fn(&'static Row, &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>>,
    /// What a successful answer looks like.
    shape: Shape,
}

/// The row of trigger `name`.
fn row(name: &str) -> &'static Row {
    let row = TRIGGERS.iter().find(|row| row.name == name);
    row.unwrap_or_else(|| panic!("no row {name}"))
}

fn seed(text: &str) -> Value {
    serde_json::from_str(text).expect("a sample event is JSON")
}

// ---------------------------------------------------------------------------
// The handlers, built as `#[lambda]` builds them.

/// The typed payload of every trigger that decodes one.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: u64,
    amount: f64,
}

/// What a handler takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// An `Order`: a record's body, an HTTP request's body, a whole event.
    Order,
    /// The body as `String`.
    Text,
    /// The body as `Vec<u8>`.
    Bytes,
    /// A `serde_json::Value`: a record's body, or a whole event (echoed).
    Value,
    /// The trigger's record wrapper around an `Order`.
    Wrapper,
    /// The trigger's fixed payload.
    Fixed,
    /// The request, ignored (HTTP).
    Constant,
    /// The request's query and a path parameter (HTTP).
    Query,
    /// A whole `SqsEvent`.
    SqsEvent,
}

impl Form {
    /// Whether a record's body decodes into this payload.
    fn decodes(self, body: Option<&[u8]>) -> bool {
        body.is_some_and(|body| match self {
            Form::Order | Form::Wrapper => order_decodes(body),
            Form::Text => utf8(body),
            Form::Value => json_value_decodes(body),
            _ => true,
        })
    }
}

/// One handler's answer to an event.
#[derive(Debug)]
struct Served {
    what: String,
    form: Form,
    shape: Shape,
    answer: Answer,
    /// A custom resource's: the event as served and what the receiver of
    /// its response got.
    delivery: Option<Delivery>,
}

impl Served {
    fn new(row: &Row, form: Form, shape: Shape, answer: Answer) -> Self {
        let what = format!("{} {form:?}", row.name);
        Served {
            what,
            form,
            shape,
            answer,
            delivery: None,
        }
    }
}

/// A record handler that accepts every payload.
async fn accept<P>(_payload: P, _invocation: &Invocation<'_, ()>) -> Result<(), crate::Error> {
    Ok(())
}

/// What turns a record of trigger `T` into the payload `P`.
type Payload<T, P> = fn(&<T as Trigger>::Record) -> Result<P, Failure>;

/// Serves `event` with trigger `T`'s `Batch` adapter and the payload
/// decoder `decode`.
async fn batch<T: Trigger<Output = ()>, P>(
    row: &Row,
    form: Form,
    decode: Payload<T, P>,
    concurrency: usize,
    event: &[u8],
) -> Served {
    let report = IntoDiagnostic::into_diagnostic;
    let handler = Batch::<T, _, P, (), crate::Error>::new(accept, decode, report, concurrency);
    let mut served = Served::new(row, form, row.shape, call(&handler, event).await);
    served.what += &format!(" (concurrency {concurrency})");
    served
}

/// 1, and `concurrency` when it is more and `event` is an envelope of `T`
/// at all: one that is not fails before concurrency plays any part (and
/// serving it again costs a failed decoding, the dearest part, per form).
fn concurrencies<T: Trigger>(concurrency: usize, event: &[u8]) -> impl Iterator<Item = usize> {
    let decodes = concurrency > 1 && decode::from_slice::<T::Event>(event).is_ok();
    std::iter::once(1).chain(decodes.then_some(concurrency))
}

/// A trigger whose records carry a body: every payload the macro generates
/// for it (`String` and `Vec<u8>` when `RAW`), at each concurrency.
fn serve_body<'a, T: WithBody<Output = ()> + 'static, const RAW: bool, const CONCURRENCY: usize>(
    row: &'static Row,
    event: &'a [u8],
) -> LocalBoxFuture<'a, Vec<Served>> {
    let order: Payload<T, Order> = |record| T::body(record, decode::json);
    let value: Payload<T, Value> = |record| T::body(record, decode::json);
    let wrapper: Payload<T, T::Wrapper<Order>> = |record| T::wrap(record, decode::json);
    let text: Payload<T, String> = |record| T::body(record, decode::text);
    let bytes: Payload<T, Vec<u8>> = |record| T::body(record, decode::bytes);
    async move {
        let mut served = Vec::new();
        for c in concurrencies::<T>(CONCURRENCY, event) {
            served.push(batch::<T, _>(row, Form::Order, order, c, event).await);
            served.push(batch::<T, _>(row, Form::Value, value, c, event).await);
            served.push(batch::<T, _>(row, Form::Wrapper, wrapper, c, event).await);
            if RAW {
                served.push(batch::<T, _>(row, Form::Text, text, c, event).await);
                served.push(batch::<T, _>(row, Form::Bytes, bytes, c, event).await);
            }
        }
        served
    }
    .boxed_local()
}

/// A trigger whose handler takes one fixed type.
fn serve_fixed<'a, T: Fixed<Output = ()> + 'static, const CONCURRENCY: usize>(
    row: &'static Row,
    event: &'a [u8],
) -> LocalBoxFuture<'a, Vec<Served>> {
    async move {
        let mut served = Vec::new();
        for c in concurrencies::<T>(CONCURRENCY, event) {
            served.push(batch::<T, _>(row, Form::Fixed, T::payload, c, event).await);
        }
        served
    }
    .boxed_local()
}

/// Serves `event` with trigger `T`'s `Batch` adapter for a handler that
/// answers `answer(payload)` for every payload, of which the answer keeps
/// `keep(..)`: a trigger whose answer carries each record's result.
async fn answered<T: Trigger, P, R>(
    decode: Payload<T, P>,
    answer: fn(P) -> R,
    keep: fn(R) -> Result<T::Output, Failure>,
    concurrency: usize,
    event: &[u8],
) -> Answer {
    let answer = |payload| Ok(answer(payload));
    answered_by::<T, P, R>(decode, answer, keep, concurrency, event).await
}

/// As [`answered`], for a handler that may fail (or panic): one whose
/// failures are part of the answer.
async fn answered_by<T: Trigger, P, R>(
    decode: Payload<T, P>,
    answer: impl Fn(P) -> Result<R, crate::Error>,
    keep: fn(R) -> Result<T::Output, Failure>,
    concurrency: usize,
    event: &[u8],
) -> Answer {
    let handler = async |payload: P, _: &Invocation<'_, ()>| answer(payload);
    let report = IntoDiagnostic::into_diagnostic;
    let handler =
        Batch::<T, _, P, R, crate::Error>::answering(handler, decode, keep, report, concurrency);
    call(&handler, event).await
}

/// What the `Transformed` handler of a Firehose record answers: the order's
/// id keyed by the record's id, or "drop it" for every third id.
fn transform(record: crate::firehose::FirehoseRecord<Order>) -> crate::firehose::Transformed<u64> {
    use crate::firehose::Transformed;
    match record.data.id {
        id if id % 3 == 0 => Transformed::dropped(),
        id => Transformed::record(id).with_partition_key("record", record.record_id),
    }
}

/// `#[lambda(firehose)]`: every payload, at each concurrency, each handler
/// answering what `transformed` expects: an `Order`'s id, the `Value`
/// itself, the `String` or `Vec<u8>` as it came, and for the wrapper
/// `transform`.
fn serve_transform<'a, const CONCURRENCY: usize>(
    row: &'static Row,
    event: &'a [u8],
) -> LocalBoxFuture<'a, Vec<Served>> {
    use crate::firehose::{FirehoseRecord, Source, Transformed};
    async move {
        let mut served = Vec::new();
        for c in concurrencies::<Source>(CONCURRENCY, event) {
            let answers = [
                (
                    Form::Order,
                    answered::<Source, Order, u64>(
                        |record| Source::body(record, decode::json),
                        |order| order.id,
                        |id| Source::output(decode::to_json(id)?),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    Form::Value,
                    answered::<Source, Value, Value>(
                        |record| Source::body(record, decode::json),
                        |value| value,
                        |value| Source::output(decode::to_json(value)?),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    Form::Wrapper,
                    answered::<Source, FirehoseRecord<Order>, Transformed<u64>>(
                        |record| Source::wrap(record, decode::json),
                        transform,
                        |answer| Source::unwrap(answer, decode::to_json),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    Form::Text,
                    answered::<Source, String, String>(
                        |record| Source::body(record, decode::text),
                        |text| text,
                        |text| Source::output(decode::from_text(text)?),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    Form::Bytes,
                    answered::<Source, Vec<u8>, Vec<u8>>(
                        |record| Source::body(record, decode::bytes),
                        |bytes| bytes,
                        |bytes| Source::output(decode::from_bytes(bytes)?),
                        c,
                        event,
                    )
                    .await,
                ),
            ];
            for (form, answer) in answers {
                let mut one = Served::new(row, form, Shape::Transformed, answer);
                one.what += &format!(" (concurrency {c})");
                served.push(one);
            }
        }
        served
    }
    .boxed_local()
}

/// `#[lambda(s3_batch)]`: the task, at each concurrency, by a handler
/// answering each of what a task may answer (`TaskAnswer`).
fn serve_tasks<'a, const CONCURRENCY: usize>(
    row: &'static Row,
    event: &'a [u8],
) -> LocalBoxFuture<'a, Vec<Served>> {
    use crate::s3_batch::{S3BatchTask, Source};
    let task: Payload<Source, S3BatchTask> = <Source as Fixed>::payload;
    async move {
        let mut served = Vec::new();
        for c in concurrencies::<Source>(CONCURRENCY, event) {
            let answers = [
                (
                    TaskAnswer::Key,
                    answered::<Source, _, String>(
                        task,
                        |task| task.key,
                        |key| Source::output(decode::from_text(key)?),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    TaskAnswer::Json,
                    answered::<Source, _, Value>(
                        task,
                        |task| TaskAnswer::json(&task.task_id, &task.bucket, &task.key),
                        |answer| Source::unwrap(answer, decode::to_json),
                        c,
                        event,
                    )
                    .await,
                ),
                (
                    TaskAnswer::Unit,
                    answered::<Source, _, ()>(
                        task,
                        |_| (),
                        |unit| Source::output(decode::from_unit(unit)?),
                        c,
                        event,
                    )
                    .await,
                ),
            ];
            for (kind, answer) in answers {
                let mut one = Served::new(row, Form::Fixed, Shape::TaskResults(kind), answer);
                one.what += &format!(" answering {kind:?} (concurrency {c})");
                served.push(one);
            }
        }
        served
    }
    .boxed_local()
}

/// What a Bedrock agent handler answers for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ActionAnswer {
    /// `describe` of the action as text, a `String`.
    Text,
    /// `{"answer": describe}`, a `serde_json::Value`.
    Json,
    /// `planned`'s `ActionResult<Value>`: a body, maybe a state and an HTTP
    /// status, and session attributes.
    Result,
    /// `Err(refusal(..))`.
    Fails,
    /// A panic.
    Panics,
}

/// The body answered for a panic (`bedrock_agent::PANIC_BODY`).
const ACTION_PANIC_BODY: &str = "the action failed unexpectedly";

/// Everything a Bedrock agent handler is given, as JSON: what the handlers
/// answer, so that the answer shows the payload was decoded exactly.
fn describe(action: &crate::bedrock_agent::AgentAction) -> Value {
    use crate::bedrock_agent::{Parameter, Target};
    let parameters = |parameters: &[Parameter]| -> Vec<Value> {
        let each = parameters.iter();
        each.map(|p| json!([p.name, p.kind, p.value])).collect()
    };
    let target = match &action.target {
        Target::Function(function) => json!({ "function": function }),
        Target::Api { path, method } => json!({ "path": path, "method": method }),
    };
    let agent = &action.agent;
    json!({
        "group": action.action_group,
        "target": target,
        "parameters": parameters(&action.parameters),
        "body": action.request_body.as_ref().map(|(kind, properties)| json!([kind, parameters(properties)])),
        "input": action.input_text,
        "session": action.session_id,
        "agent": [agent.name, agent.id, agent.alias, agent.version],
        "sessionAttributes": action.session_attributes,
        "promptSessionAttributes": action.prompt_session_attributes,
    })
}

/// What the `Result` handler answers for an action.
struct Plan {
    body: Value,
    state: Option<crate::bedrock_agent::ResponseState>,
    http_status: Option<u16>,
    session_attributes: Vec<(String, String)>,
    prompt_session_attributes: Vec<(String, String)>,
}

/// The `Result` handler's answer: `describe` of the action, re-prompting
/// for one parameter (modulo 3), failing with status 503 for two, with
/// status 201 for a request body otherwise; setting a session attribute per
/// parameter (a later one of the same name winning) and the prompt session
/// attribute `group`.
fn plan(action: &crate::bedrock_agent::AgentAction) -> Plan {
    use crate::bedrock_agent::ResponseState;
    let (state, http_status) = match action.parameters.len() % 3 {
        1 => (Some(ResponseState::Reprompt), None),
        // An explicit status (without one: `an_action_result_failure_is_a_500`).
        2 => (Some(ResponseState::Failure), Some(503)),
        _ => (None, action.request_body.is_some().then_some(201)),
    };
    let each = action.parameters.iter();
    Plan {
        body: describe(action),
        state,
        http_status,
        session_attributes: each.map(|p| (p.name.clone(), p.value.clone())).collect(),
        prompt_session_attributes: vec![("group".to_owned(), action.action_group.clone())],
    }
}

/// The `Result` handler: `plan` as an `ActionResult`.
fn planned(action: crate::bedrock_agent::AgentAction) -> crate::bedrock_agent::ActionResult<Value> {
    let plan = plan(&action);
    let mut result = crate::bedrock_agent::ActionResult::new(plan.body);
    if let Some(state) = plan.state {
        result = result.with_state(state);
    }
    if let Some(status) = plan.http_status {
        result = result.with_http_status(status);
    }
    for (key, value) in plan.session_attributes {
        result = result.with_session_attribute(key, value);
    }
    for (key, value) in plan.prompt_session_attributes {
        result = result.with_prompt_session_attribute(key, value);
    }
    result
}

/// The `Fails` handler's error.
fn refusal(action: &crate::bedrock_agent::AgentAction) -> crate::Error {
    let message = format!("refused: {}", describe(action));
    crate::Error::msg(message).with_error_type("Refused")
}

/// `#[lambda(bedrock_agent)]`: the action, by a handler answering each of
/// what an action may answer (`ActionAnswer`), one that fails and one that
/// panics. One action per invocation: no concurrency. An event that is not
/// an action fails before any handler plays a part: only the first serves
/// it (a failed decoding, the dearest part, for each would slow every
/// property that serves an event everywhere).
fn serve_actions<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    use crate::bedrock_agent::{ActionResult, AgentAction, Source};
    let action: Payload<Source, AgentAction> = <Source as Fixed>::payload;
    let text = |text: String| Source::output(decode::from_text(text)?);
    let served = |kind: ActionAnswer, answer: Answer| {
        let mut one = Served::new(row, Form::Fixed, Shape::Action(kind), answer);
        one.what += &format!(" answering {kind:?}");
        one
    };
    async move {
        let describing = answered::<Source, _, String>(
            action,
            |action| describe(&action).to_string(),
            text,
            1,
            event,
        )
        .await;
        if decode::from_slice::<<Source as Trigger>::Event>(event).is_err() {
            return vec![served(ActionAnswer::Text, describing)];
        }
        let answers = [
            (ActionAnswer::Text, describing),
            (
                ActionAnswer::Json,
                answered::<Source, _, Value>(
                    action,
                    |action| json!({ "answer": describe(&action) }),
                    |value| Source::output(decode::to_json(value)?),
                    1,
                    event,
                )
                .await,
            ),
            (
                ActionAnswer::Result,
                answered::<Source, _, ActionResult<Value>>(
                    action,
                    planned,
                    |result| Source::unwrap(result, decode::to_json),
                    1,
                    event,
                )
                .await,
            ),
            (
                ActionAnswer::Fails,
                answered_by::<Source, _, String>(
                    action,
                    |action| Err(refusal(&action)),
                    text,
                    1,
                    event,
                )
                .await,
            ),
            (
                ActionAnswer::Panics,
                answered_by::<Source, _, String>(
                    action,
                    |action| panic!("the handler panics for {}", action.action_group),
                    text,
                    1,
                    event,
                )
                .await,
            ),
        ];
        let answers = answers.into_iter();
        answers.map(|(kind, answer)| served(kind, answer)).collect()
    }
    .boxed_local()
}

/// What an authorizer handler decides (`decide`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DecisionAnswer {
    /// Allows `ada`, with `summary` of the request as the context.
    Allows,
    /// Allows `ada`, with the bearer token as the context's `token`: the
    /// only handler that puts the token in its answer.
    EchoesToken,
    /// Allows `scoped` on the resources of `scope`, with a usage plan key.
    Scoped,
    /// Denies, for `mallory`, with a context and resources (which a Deny
    /// does not take: it covers the method called).
    Denies,
    /// `Err(..)`: a Deny.
    Fails,
    /// A panic: a Deny.
    Panics,
}

impl DecisionAnswer {
    const ALL: [DecisionAnswer; 6] = [
        DecisionAnswer::Allows,
        DecisionAnswer::EchoesToken,
        DecisionAnswer::Scoped,
        DecisionAnswer::Denies,
        DecisionAnswer::Fails,
        DecisionAnswer::Panics,
    ];

    /// Whether the handler allows (every request that decodes).
    fn allows(self) -> bool {
        matches!(
            self,
            DecisionAnswer::Allows | DecisionAnswer::EchoesToken | DecisionAnswer::Scoped
        )
    }
}

/// The usage plan key of the `Scoped` handler.
const PLAN_KEY: &str = "plan-1";

/// The resources the `Scoped` handler allows for a method ARN.
fn scope(method_arn: &str) -> Vec<String> {
    vec![
        format!("{method_arn}/*"),
        "arn:aws:execute-api:*:*:*/*/GET/health".to_owned(),
    ]
}

/// Lines of `key=value`, sorted.
fn pairs<'a>(map: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let mut pairs: Vec<String> = map.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    pairs.join("\n")
}

/// Lines of the names, sorted.
fn names<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let mut names: Vec<&str> = names.into_iter().map(String::as_str).collect();
    names.sort_unstable();
    names.join("\n")
}

/// The `Allows` handler's context: what it was given, but for the token
/// and the headers' values (where a `REQUEST` authorizer's token is) and
/// the identity sources (which may be the token), of which it keeps the
/// number.
fn summary(request: &crate::authorizer::AuthorizerRequest) -> crate::authorizer::Decision {
    let count = |n: usize| n as u64;
    let mut decision = crate::authorizer::Decision::allow("ada")
        .with_context("kind", format!("{:?}", request.kind))
        .with_context("arn", request.method_arn.clone())
        .with_context("sources", count(request.identity_source.len()))
        .with_context("headers", names(request.headers.keys()))
        .with_context("query", pairs(&request.query))
        .with_context("pathParameters", pairs(&request.path_parameters))
        .with_context("stageVariables", pairs(&request.stage_variables))
        .with_context("cookies", count(request.cookies.len()))
        .with_context("requestContext", !request.request_context.is_null())
        .with_context("bearer", request.bearer_token().is_some());
    for (key, value) in [
        ("path", &request.path),
        ("method", &request.http_method),
        ("route", &request.route_key),
    ] {
        if let Some(value) = value {
            decision = decision.with_context(key, value.clone());
        }
    }
    decision
}

/// What the handler `kind` decides on `request`.
fn decide(
    kind: DecisionAnswer,
    request: crate::authorizer::AuthorizerRequest,
) -> Result<crate::authorizer::Decision, crate::Error> {
    use crate::authorizer::Decision;
    Ok(match kind {
        DecisionAnswer::Allows => summary(&request),
        DecisionAnswer::EchoesToken => match request.bearer_token() {
            Some(token) => Decision::allow("ada").with_context("token", token),
            None => Decision::allow("ada"),
        },
        DecisionAnswer::Scoped => Decision::allow("scoped")
            .for_resources(scope(&request.method_arn))
            .with_usage_plan_key(PLAN_KEY),
        DecisionAnswer::Denies => Decision::deny()
            .with_principal("mallory")
            .with_context("reason", "no")
            .for_resources(["*"]),
        DecisionAnswer::Fails => {
            let message = format!("the key store is down for {}", request.method_arn);
            return Err(crate::Error::msg(message));
        }
        DecisionAnswer::Panics => panic!("the authorizer panics for {}", request.method_arn),
    })
}

/// `#[lambda(authorizer)]`: the request, by a handler deciding each of
/// `DecisionAnswer`. One request per invocation: no concurrency. An event
/// that is not JSON fails before any handler plays a part: only the first
/// serves it.
fn serve_decisions<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    use crate::authorizer::{AuthorizerRequest, Decision, Source};
    let request: Payload<Source, AuthorizerRequest> = <Source as Fixed>::payload;
    async move {
        let json = serde_json::from_slice::<Value>(event).is_ok();
        let mut served = Vec::new();
        for kind in DecisionAnswer::ALL {
            let answer = answered_by::<Source, _, Decision>(
                request,
                |request| decide(kind, request),
                <Source as Answers>::keep,
                1,
                event,
            )
            .await;
            let mut one = Served::new(row, Form::Fixed, Shape::Decision(kind), answer);
            one.what += &format!(" deciding {kind:?}");
            served.push(one);
            if !json {
                break;
            }
        }
        served
    }
    .boxed_local()
}

/// What a Cognito handler answers (`respond`), and for which hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HookAnswer {
    /// Pre sign-up: confirms a user with an email, verifies the email when
    /// there is validation data, the phone for an odd number of metadata.
    SignsUp,
    /// Pre sign-up: `Err(..)` with a message for the user.
    RefusesSignUp,
    /// Pre sign-up: a panic.
    PanicsSigningUp,
    /// Post confirmation: the (empty) response.
    Confirms,
    /// Pre token generation v2: overrides the groups with the request's and
    /// adds a claim counting the user's attributes.
    AddsClaims,
    /// Pre token generation v2: `Err(..)` of its own error type.
    RefusesToken,
}

/// The message and error type of the `RefusesSignUp` and `RefusesToken`
/// handlers.
fn refusal_of(kind: HookAnswer, attributes: usize) -> (&'static str, String) {
    match kind {
        HookAnswer::RefusesSignUp => (
            error::HANDLER_ERROR,
            format!("no sign-ups today ({attributes} attributes)"),
        ),
        _ => (
            "TokenRefused",
            format!("no tokens for {attributes} attributes"),
        ),
    }
}

/// What a user is shown when a Cognito handler panicked
/// (`cognito::GENERIC_MESSAGE`).
const COGNITO_PANIC_MESSAGE: &str = "the request could not be completed; try again later";

/// The trigger sources of the hooks served, as the developer guide lists
/// them.
const PRE_SIGN_UP_SOURCES: &[&str] = &[
    "PreSignUp_SignUp",
    "PreSignUp_AdminCreateUser",
    "PreSignUp_ExternalProvider",
];
const POST_CONFIRMATION_SOURCES: &[&str] = &[
    "PostConfirmation_ConfirmSignUp",
    "PostConfirmation_ConfirmForgotPassword",
];
const TOKEN_GENERATION_SOURCES: &[&str] = &[
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
];

/// Serves `event` with `cognito::Source<Req>` for a handler answering
/// `answer(request)`.
async fn hook<Req: crate::cognito::HookRequest>(
    answer: impl Fn(Req) -> Result<<Req::Hook as crate::cognito::Hook>::Response, crate::Error>,
    event: &[u8],
) -> Answer {
    use crate::cognito::Source;
    answered_by::<Source<Req>, Req, _>(
        <Source<Req> as Fixed>::payload,
        answer,
        <Source<Req> as Answers>::keep,
        1,
        event,
    )
    .await
}

fn sign_up(request: &crate::cognito::PreSignUpRequest) -> crate::cognito::PreSignUpResponse {
    let mut response = crate::cognito::PreSignUpResponse::default();
    response.auto_confirm_user = request.user_attributes.contains_key("email");
    response.auto_verify_email = !request.validation_data.is_empty();
    response.auto_verify_phone = request.client_metadata.len() % 2 == 1;
    response
}

fn add_claims(
    request: &crate::cognito::PreTokenGenerationV2Request,
) -> crate::cognito::PreTokenGenerationV2Response {
    use aws_lambda_events::event::cognito::{
        ClaimsAndScopeOverrideDetailsV2, CognitoIdTokenGenerationV2,
    };
    let mut id_token = CognitoIdTokenGenerationV2::default();
    let attributes = request.user_attributes.len();
    id_token
        .claims_to_add_or_override
        .insert("attributes".to_owned(), json!(attributes));
    id_token.claims_to_suppress = request.scopes.clone();
    let mut details = ClaimsAndScopeOverrideDetailsV2::default();
    details.group_override_details = request.group_configuration.clone();
    details.id_token_generation = Some(id_token);
    let mut response = crate::cognito::PreTokenGenerationV2Response::default();
    response.claims_and_scope_override_details = Some(details);
    response
}

/// `#[lambda(cognito)]`: the pre sign-up, post confirmation and pre token
/// generation (v2) hooks, by each handler of `HookAnswer`, every one
/// serving every event: another hook's is `InvalidEvent`. An event that is
/// not JSON fails before any handler plays a part: only the first serves
/// it.
fn serve_hooks<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    use crate::cognito::{PostConfirmationRequest, PreSignUpRequest, PreTokenGenerationV2Request};
    let served = |kind: HookAnswer, answer: Answer| {
        let mut one = Served::new(row, Form::Fixed, Shape::Hook(kind), answer);
        one.what += &format!(" answering {kind:?}");
        one
    };
    async move {
        let signs_up = hook::<PreSignUpRequest>(|request| Ok(sign_up(&request)), event).await;
        if serde_json::from_slice::<Value>(event).is_err() {
            return vec![served(HookAnswer::SignsUp, signs_up)];
        }
        let refuses = |kind: HookAnswer, attributes: usize| {
            let (error_type, message) = refusal_of(kind, attributes);
            crate::Error::msg(message).with_error_type(error_type)
        };
        let answers = [
            (HookAnswer::SignsUp, signs_up),
            (
                HookAnswer::RefusesSignUp,
                hook::<PreSignUpRequest>(
                    |request| {
                        Err(refuses(
                            HookAnswer::RefusesSignUp,
                            request.user_attributes.len(),
                        ))
                    },
                    event,
                )
                .await,
            ),
            (
                HookAnswer::PanicsSigningUp,
                hook::<PreSignUpRequest>(
                    |request| panic!("the directory is corrupt at {:?}", request.user_attributes),
                    event,
                )
                .await,
            ),
            (
                HookAnswer::Confirms,
                hook::<PostConfirmationRequest>(|_| Ok(Default::default()), event).await,
            ),
            (
                HookAnswer::AddsClaims,
                hook::<PreTokenGenerationV2Request>(|request| Ok(add_claims(&request)), event)
                    .await,
            ),
            (
                HookAnswer::RefusesToken,
                hook::<PreTokenGenerationV2Request>(
                    |request| {
                        Err(refuses(
                            HookAnswer::RefusesToken,
                            request.user_attributes.len(),
                        ))
                    },
                    event,
                )
                .await,
            ),
        ];
        let answers = answers.into_iter();
        answers.map(|(kind, answer)| served(kind, answer)).collect()
    }
    .boxed_local()
}

/// What a custom resource handler answers (`provide`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResourceAnswer {
    /// `Resource::of` the request, with `describe_request` of it as the
    /// data `Request`.
    Describes,
    /// A resource of its own id, `secret-<request id>`, whose data
    /// (`RESOURCE_SECRET`) is `NoEcho`.
    Secret,
    /// An empty physical id, which CloudFormation refuses.
    Blank,
    /// `Err(..)` of its own error type.
    Fails,
    /// A panic.
    Panics,
}

impl ResourceAnswer {
    const ALL: [ResourceAnswer; 5] = [
        ResourceAnswer::Describes,
        ResourceAnswer::Secret,
        ResourceAnswer::Blank,
        ResourceAnswer::Fails,
        ResourceAnswer::Panics,
    ];
}

/// The `NoEcho` data of the `Secret` handler: never in the invocation's
/// answer.
const RESOURCE_SECRET: &str = "#resource-secret#";

/// What every `ResponseURL` of the custom resource strategies signs with:
/// never in a message.
const SIGNATURE: &str = "fuzz-signature";

/// Everything a custom resource handler is given, as JSON.
fn describe_request(request: &crate::custom_resource::CustomResourceRequest) -> Value {
    json!({
        "RequestType": format!("{:?}", request.request_type),
        "RequestId": request.request_id,
        "StackId": request.stack_id,
        "LogicalResourceId": request.logical_resource_id,
        "PhysicalResourceId": request.physical_resource_id,
        "ResourceType": request.resource_type,
        "ServiceToken": request.service_token,
        "ResourceProperties": request.resource_properties,
        "OldResourceProperties": request.old_resource_properties,
    })
}

/// What the handler `kind` answers `request`.
fn provide(
    kind: ResourceAnswer,
    request: crate::custom_resource::CustomResourceRequest,
) -> Result<crate::custom_resource::Resource, crate::Error> {
    use crate::custom_resource::Resource;
    Ok(match kind {
        ResourceAnswer::Describes => {
            Resource::of(&request).with_data("Request", describe_request(&request))
        }
        ResourceAnswer::Secret => Resource::new(format!("secret-{}", request.request_id))
            .with_data("Password", RESOURCE_SECRET)
            .no_echo(),
        ResourceAnswer::Blank => Resource::new(""),
        ResourceAnswer::Fails => {
            let message = format!("refused {}", request.logical_resource_id);
            return Err(crate::Error::msg(message).with_error_type("Refused"));
        }
        ResourceAnswer::Panics => {
            panic!("the provider panics for {}", request.logical_resource_id)
        }
    })
}

/// A custom resource's event as served, where its response should go and
/// what the receiver got.
struct Delivery {
    event: Vec<u8>,
    to: ResponseTo,
    /// The connections the receiver accepted: one that sends no request
    /// still counts.
    connections: usize,
    puts: Vec<Put>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("event", &String::from_utf8_lossy(&self.event))
            .field("to", &self.to)
            .field("connections", &self.connections)
            .field("puts", &self.puts)
            .finish()
    }
}

/// Where a custom resource's response should go, as `point_here` left
/// the event.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ResponseTo {
    /// Nowhere: the event has no `ResponseURL` string, or one that may not
    /// be sent to (not an http(s) URL with a host, one with credentials,
    /// plain HTTP to an address that is not loopback).
    Nowhere,
    /// The receiver, at this path and query.
    Here(String),
}

/// `event` (`json` when it is JSON) with its `ResponseURL` pointed at the
/// receiver on `port`, when it is an http(s) URL with a host: over plain
/// HTTP, its credentials and path and query kept, its host `127.0.0.1`
/// but for a `localhost` (kept as written, which resolves to 127.0.0.1
/// first) and an address that cannot leave the machine yet is not loopback
/// (`0.0.0.0`, `[::]`, `[::ffff:127.0.0.1]`: kept, and refused). Any other
/// `ResponseURL` is left as it was: one that is not an http(s) URL with a
/// host is refused before any connection. Returns the event to serve and
/// where its response should go.
fn point_here(event: &[u8], json: Option<&Value>, port: u16) -> (Vec<u8>, ResponseTo) {
    use std::net::IpAddr;
    let unchanged = (event.to_vec(), ResponseTo::Nowhere);
    let Some(json) = json else {
        return unchanged;
    };
    let Some(url) = json.get("ResponseURL").and_then(Value::as_str) else {
        return unchanged;
    };
    let Ok(uri) = url.parse::<::http::Uri>() else {
        return unchanged;
    };
    let (Some("http" | "https"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return unchanged;
    };
    let credentials = authority
        .as_str()
        .rsplit_once('@')
        .map(|(credentials, _)| format!("{credentials}@"));
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let (host, loopback) = match host.parse::<IpAddr>() {
        _ if host.eq_ignore_ascii_case("localhost") => (host.to_owned(), true),
        Ok(ip) if ip.is_unspecified() => (authority.host().to_owned(), false),
        Ok(IpAddr::V6(ip)) if ip.to_ipv4_mapped().is_some_and(|ip| ip.is_loopback()) => {
            (authority.host().to_owned(), false)
        }
        _ => ("127.0.0.1".to_owned(), true),
    };
    let path = uri.path_and_query().map_or("", |path| path.as_str());
    let credentials = credentials.unwrap_or_default();
    let url = format!("http://{credentials}{host}:{port}{path}");
    // The request target: the path (`/` when there is none, also before a
    // query) and the query.
    let target = url.parse::<::http::Uri>().ok().map(|uri| {
        let path = if uri.path().is_empty() {
            "/"
        } else {
            uri.path()
        };
        match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        }
    });
    let mut json = json.clone();
    json["ResponseURL"] = json!(url);
    let to = match target {
        Some(target) if loopback && credentials.is_empty() => ResponseTo::Here(target),
        _ => ResponseTo::Nowhere,
    };
    (serde_json::to_vec(&json).expect("a Value serializes"), to)
}

/// Serves `event` with `custom_resource::Source`, for the handlers
/// `kinds`, each with its response pointed at a receiver of its own
/// answering `status` (`point_here`). An event that is no request, or
/// that may not be answered, is the same for every handler: only the
/// first serves it.
async fn serve_resources_with(
    row: &'static Row,
    event: &[u8],
    kinds: &[ResourceAnswer],
    status: u16,
) -> Vec<Served> {
    use crate::custom_resource::{CustomResourceRequest, Resource, Source};
    let request: Payload<Source, CustomResourceRequest> = <Source as Fixed>::payload;
    let json = serde_json::from_slice::<Value>(event).ok();
    let decodes = json.as_ref().and_then(expected_resource_request).is_some();
    let mut served = Vec::new();
    for &kind in kinds {
        let receiver = Bucket::answering(&[], status).await;
        let (sent, to) = point_here(event, json.as_ref(), receiver.port());
        let answer = answered_by::<Source, _, Resource>(
            request,
            |request| provide(kind, request),
            <Source as Answers>::keep,
            1,
            &sent,
        )
        .await;
        let (connections, puts) = (receiver.connections(), receiver.puts());
        drop(receiver);
        let mut one = Served::new(row, Form::Fixed, Shape::Resource(kind), answer);
        one.what += &format!(" answering {kind:?}");
        let nowhere = to == ResponseTo::Nowhere;
        one.delivery = Some(Delivery {
            event: sent,
            to,
            connections,
            puts,
        });
        served.push(one);
        if nowhere || !decodes {
            break;
        }
    }
    served
}

/// `#[lambda(custom_resource)]`: the request, by each handler of
/// `ResourceAnswer`, the response PUT to a loopback receiver answering
/// 200. One request per invocation: no concurrency.
fn serve_resources<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    serve_resources_with(row, event, &ResourceAnswer::ALL, 200).boxed_local()
}

/// `#[lambda(http)]` handlers: one that ignores the request, one that
/// decodes its JSON body (400 when it does not decode), one that reads the
/// query and a path parameter.
fn serve_http<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    let constant =
        HttpHandler::new(async |_: Request, _: &Invocation<'_, ()>| Ok::<_, crate::Error>("ok"));
    let body = HttpHandler::new(async |request: Request, _: &Invocation<'_, ()>| {
        let order: Order = crate::http::json(&request)?;
        Ok::<_, crate::Error>(json!({ "id": order.id }))
    });
    let query = HttpHandler::new(async |request: Request, _: &Invocation<'_, ()>| {
        let query: HashMap<String, String> = crate::http::query(&request)?;
        let id: u64 = crate::http::path_param(&request, "id")?;
        Ok::<_, crate::Error>(format!("{id} {}", query.len()))
    });
    let (ok, or_400) = (Shape::Http(&[200]), Shape::Http(&[200, 400]));
    async move {
        vec![
            Served::new(row, Form::Constant, ok, call(&constant, event).await),
            Served::new(row, Form::Order, or_400, call(&body, event).await),
            Served::new(row, Form::Query, or_400, call(&query, event).await),
        ]
    }
    .boxed_local()
}

/// `WholeEvent` with the decoder, encoder and reporter `#[lambda]` gives it.
fn whole_event<F, T, R>(handler: F) -> WholeEvent<F, T, R, crate::Error>
where
    F: AsyncFn(T, &Invocation<'_, ()>) -> Result<R, crate::Error>,
    T: DeserializeOwned,
    R: Serialize,
{
    let (decode, encode) = (
        decode::from_slice::<T>,
        <R as crate::check::Response>::ENCODE,
    );
    WholeEvent::new(handler, decode, encode, IntoDiagnostic::into_diagnostic)
}

/// `#[lambda]` without a trigger: echoing the event, and decoding it.
fn serve_whole<'a>(row: &'static Row, event: &'a [u8]) -> LocalBoxFuture<'a, Vec<Served>> {
    use aws_lambda_events::event::sqs::SqsEvent;
    let echo = whole_event(async |event: Value, _: &Invocation<'_, ()>| Ok(event));
    let order = whole_event(async |order: Order, _: &Invocation<'_, ()>| Ok(order.id));
    let sqs = whole_event(async |event: SqsEvent, _: &Invocation<'_, ()>| Ok(event.records.len()));
    async move {
        vec![
            Served::new(row, Form::Value, Shape::Echo, call(&echo, event).await),
            Served::new(row, Form::Order, Shape::Json, call(&order, event).await),
            Served::new(row, Form::SqsEvent, Shape::Json, call(&sqs, event).await),
        ]
    }
    .boxed_local()
}

/// Runs one invocation to completion on a runtime of its own (a panic in
/// one case cannot leave a runtime behind for the next), with I/O and
/// timers: a custom resource's response is PUT over loopback TCP.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

/// Serves `event` with every handler of trigger `name`.
fn serve(name: &str, event: &[u8]) -> Vec<Served> {
    let row = row(name);
    block_on((row.serve)(row, event))
}

// ---------------------------------------------------------------------------
// The checks.

/// What a successful answer must look like.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `{"batchItemFailures": [{"itemIdentifier": "..."}]}` (SQS, Kinesis,
    /// DynamoDB Streams).
    Batch,
    /// `null` (SNS, EventBridge, schedules).
    Null,
    /// `{"processed": ["key", ...]}` (S3).
    Processed,
    /// `{"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0",
    /// "offset": 17}}]}` (Kafka).
    KafkaBatch,
    /// `{"records": [{"recordId", "result", "data", "metadata"?}]}`
    /// (Firehose), `result` `Ok`, `Dropped` or `ProcessingFailed`, `data`
    /// base64, `metadata` only for `Ok`. Checked record by record against
    /// the event by `serve_row`.
    Transformed,
    /// `{"invocationSchemaVersion", "treatMissingKeysAs": "PermanentFailure",
    /// "invocationId", "results": [{"taskId", "resultCode", "resultString"}]}`
    /// (S3 Batch Operations), a succeeded task's result string being what
    /// the handler answers. Checked task by task against the event by
    /// `serve_row`.
    TaskResults(TaskAnswer),
    /// `{"messageVersion", "response": {"actionGroup", "function",
    /// "functionResponse": {"responseState"?, "responseBody": {"TEXT":
    /// {"body"}}}} or {"actionGroup", "apiPath", "httpMethod",
    /// "httpStatusCode", "responseState"?, "responseBody":
    /// {"application/json": {"body"}}}, "sessionAttributes",
    /// "promptSessionAttributes"}` (a Bedrock agent). Checked exactly
    /// against the event by `serve_row`.
    Action(ActionAnswer),
    /// `{"principalId", "policyDocument": {"Version": "2012-10-17",
    /// "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow" or
    /// "Deny", "Resource": [..]}]}, "context"?, "usageIdentifierKey"?,
    /// "isAuthorized"?}` (an authorizer), `isAuthorized` saying what the
    /// policy says. Checked exactly against the event by `serve_row`.
    Decision(DecisionAnswer),
    /// The event as received, with the hook's `response` (a Cognito user
    /// pool trigger). Checked exactly against the event by `serve_row`.
    Hook(HookAnswer),
    /// `{"Status": "SUCCESS" or "FAILED", "PhysicalResourceId", "Reason"?}`,
    /// a `Reason` exactly when `FAILED` (a CloudFormation custom resource,
    /// once its response is delivered). Checked exactly, with the document
    /// delivered, against the event by `serve_row`.
    Resource(ResourceAnswer),
    /// A front door's response with a `statusCode` among these.
    Http(&'static [u16]),
    /// Any JSON.
    Json,
    /// Exactly the event, whenever it is JSON at all (checked by
    /// `serve_row`, which has the event).
    Echo,
}

/// What an S3 Batch Operations handler answers for a task.
#[derive(Clone, Copy, Debug)]
enum TaskAnswer {
    /// The key, as a `String`.
    Key,
    /// `TaskAnswer::json` of the task, a `serde_json::Value`.
    Json,
    /// `()`: an empty result string.
    Unit,
}

impl TaskAnswer {
    fn json(task_id: &str, bucket: &str, key: &str) -> Value {
        json!({ "task": task_id, "bucket": bucket, "key": key })
    }

    /// The result string of a task that succeeded.
    fn result(self, task_id: &str, bucket: &str, key: &str) -> String {
        match self {
            TaskAnswer::Key => key.to_owned(),
            TaskAnswer::Json => Self::json(task_id, bucket, key).to_string(),
            TaskAnswer::Unit => String::new(),
        }
    }
}

/// Whether `value` is an object with every one of `required` and no
/// member besides them and `optional`.
fn members(value: &Value, required: &[&str], optional: &[&str]) -> bool {
    value.as_object().is_some_and(|object| {
        required.iter().all(|key| object.contains_key(*key))
            && object
                .keys()
                .all(|key| required.contains(&key.as_str()) || optional.contains(&key.as_str()))
    })
}

impl Shape {
    fn fits(self, answer: &Value) -> bool {
        let strings = |field: &str, string: fn(&Value) -> bool| {
            answer[field]
                .as_array()
                .is_some_and(|items| items.iter().all(string))
        };
        match self {
            Shape::Batch => strings("batchItemFailures", |failure| {
                failure["itemIdentifier"].is_string()
            }),
            Shape::Null => answer.is_null(),
            Shape::Processed => strings("processed", Value::is_string),
            Shape::KafkaBatch => {
                members(answer, &["batchItemFailures"], &[])
                    && strings("batchItemFailures", |failure| {
                        let id = &failure["itemIdentifier"];
                        members(failure, &["itemIdentifier"], &[])
                            && members(id, &["partition", "offset"], &[])
                            && id["partition"].is_string()
                            && id["offset"].is_i64()
                    })
            }
            Shape::Transformed => {
                members(answer, &["records"], &[])
                    && strings("records", |record| {
                        let result = record["result"].as_str();
                        members(record, &["recordId", "result", "data"], &["metadata"])
                            && record["recordId"].is_string()
                            && matches!(result, Some("Ok" | "Dropped" | "ProcessingFailed"))
                            && record["data"]
                                .as_str()
                                .is_some_and(|data| STANDARD.decode(data).is_ok())
                            && record.get("metadata").is_none_or(|metadata| {
                                result == Some("Ok")
                                    && members(metadata, &["partitionKeys"], &[])
                                    && metadata["partitionKeys"]
                                        .as_object()
                                        .is_some_and(|keys| keys.values().all(Value::is_string))
                            })
                    })
            }
            Shape::TaskResults(_) => {
                let fields = [
                    "invocationSchemaVersion",
                    "treatMissingKeysAs",
                    "invocationId",
                    "results",
                ];
                members(answer, &fields, &[])
                    && answer["invocationSchemaVersion"].is_string()
                    && answer["treatMissingKeysAs"] == "PermanentFailure"
                    && answer["invocationId"].is_string()
                    // No `TemporaryFailure`: that needs a deadline or a
                    // handler's error, and neither happens here.
                    && strings("results", |result| {
                        members(result, &["taskId", "resultCode", "resultString"], &[])
                            && result["taskId"].is_string()
                            && result["resultString"].is_string()
                            && matches!(
                                result["resultCode"].as_str(),
                                Some("Succeeded" | "PermanentFailure")
                            )
                    })
            }
            Shape::Action(_) => {
                let fields = [
                    "messageVersion",
                    "response",
                    "sessionAttributes",
                    "promptSessionAttributes",
                ];
                let attributes = |field: &str| {
                    answer[field]
                        .as_object()
                        .is_some_and(|attributes| attributes.values().all(Value::is_string))
                };
                let state = |holder: &Value| {
                    holder
                        .get("responseState")
                        .is_none_or(|state| state == "FAILURE" || state == "REPROMPT")
                };
                let body = |body: &Value, kind: &str| {
                    members(body, &[kind], &[])
                        && members(&body[kind], &["body"], &[])
                        && body[kind]["body"].is_string()
                };
                let response = &answer["response"];
                let function = ["actionGroup", "function", "functionResponse"];
                let api = [
                    "actionGroup",
                    "apiPath",
                    "httpMethod",
                    "httpStatusCode",
                    "responseBody",
                ];
                members(answer, &fields, &[])
                    && answer["messageVersion"].is_string()
                    && attributes("sessionAttributes")
                    && attributes("promptSessionAttributes")
                    && response["actionGroup"].is_string()
                    && if members(response, &function, &[]) {
                        let function_response = &response["functionResponse"];
                        response["function"].is_string()
                            && members(function_response, &["responseBody"], &["responseState"])
                            && state(function_response)
                            && body(&function_response["responseBody"], "TEXT")
                    } else {
                        members(response, &api, &["responseState"])
                            && response["apiPath"].is_string()
                            && response["httpMethod"].is_string()
                            && response["httpStatusCode"].is_u64()
                            && state(response)
                            && body(&response["responseBody"], "application/json")
                    }
            }
            Shape::Decision(_) => {
                let policy = &answer["policyDocument"];
                let statement = &policy["Statement"][0];
                let effect = statement["Effect"].as_str();
                let scalar =
                    |value: &Value| value.is_string() || value.is_number() || value.is_boolean();
                members(
                    answer,
                    &["principalId", "policyDocument"],
                    &["isAuthorized", "context", "usageIdentifierKey"],
                ) && answer["principalId"].is_string()
                    && members(policy, &["Version", "Statement"], &[])
                    && policy["Version"] == "2012-10-17"
                    && policy["Statement"]
                        .as_array()
                        .is_some_and(|all| all.len() == 1)
                    && members(statement, &["Action", "Effect", "Resource"], &[])
                    && statement["Action"] == "execute-api:Invoke"
                    && matches!(effect, Some("Allow" | "Deny"))
                    && statement["Resource"]
                        .as_array()
                        .is_some_and(|all| !all.is_empty() && all.iter().all(Value::is_string))
                    && answer
                        .get("isAuthorized")
                        .is_none_or(|is| is.as_bool() == Some(effect == Some("Allow")))
                    && answer.get("context").is_none_or(|context| {
                        context.as_object().is_some_and(|context| {
                            !context.is_empty() && context.values().all(scalar)
                        })
                    })
                    && answer
                        .get("usageIdentifierKey")
                        .is_none_or(Value::is_string)
            }
            Shape::Hook(_) => answer["response"].is_object(),
            Shape::Resource(_) => {
                let failed = answer["Status"] == "FAILED";
                members(answer, &["Status", "PhysicalResourceId"], &["Reason"])
                    && (failed || answer["Status"] == "SUCCESS")
                    && answer["PhysicalResourceId"]
                        .as_str()
                        .is_some_and(|id| !id.is_empty())
                    && answer.get("Reason").is_some() == failed
                    && answer.get("Reason").is_none_or(Value::is_string)
            }
            Shape::Http(statuses) => answer["statusCode"]
                .as_u64()
                .is_some_and(|status| statuses.iter().any(|s| u64::from(*s) == status)),
            Shape::Json | Shape::Echo => true,
        }
    }
}

/// Checks one answer: a success is JSON of `shape`, a failure an
/// `InvalidEvent` with a message (or, for a Cognito handler, whose errors
/// and panics fail the invocation, any failure with a message: which one
/// is `check_hook`'s to say). Returns the answer's JSON.
///
/// `InvalidEvent` is the only failure possible here: the handlers never
/// fail or panic (but a Bedrock agent's and an authorizer's, whose failures
/// are answered as a `FAILURE` state or a Deny, and a Cognito handler's)
/// and no deadline is set, so every failed record is an `InvalidEvent`
/// too. `batch.rs`'s other types cannot occur: `NotProcessed`
/// only names records inside a `batchItemFailures` answer, `Timeout` needs a
/// deadline, and `RecordsFailed` is the type of an all-or-nothing failure
/// only when its records failed with different types.
fn check(what: &str, outcome: &Answer, shape: Shape) -> Result<Option<Value>, TestCaseError> {
    let body = match outcome {
        Err(failure) => {
            let error_type = failure.error_type.as_str();
            if !matches!(shape, Shape::Hook(_)) {
                prop_assert_eq!(error_type, error::INVALID_EVENT, "{}: {:?}", what, failure);
            }
            let empty = failure.error_message.trim().is_empty();
            prop_assert!(!empty, "{}: empty message", what);
            return Ok(None);
        }
        Ok(body) => body,
    };
    let answer: Value = serde_json::from_slice(body).map_err(|err| {
        let body = String::from_utf8_lossy(body);
        TestCaseError::fail(format!("{what}: the answer is not JSON ({err}): {body}"))
    })?;
    prop_assert!(
        shape.fits(&answer),
        "{}: {} is not {:?}",
        what,
        answer,
        shape
    );
    Ok(Some(answer))
}

/// Serves `event` with every handler of `row` and checks each answer.
async fn serve_row(row: &'static Row, event: &[u8]) -> Result<(), TestCaseError> {
    // What the answers are checked against, read off the event once.
    let mut transforms: Option<Option<FirehoseRecords>> = None;
    let mut tasks: Option<Option<ExpectedTasks>> = None;
    let mut action: Option<Option<ExpectedAction>> = None;
    let mut json: Option<Option<Value>> = None;
    for served in (row.serve)(row, event).await {
        check(&served.what, &served.answer, served.shape)?;
        if let Shape::Echo = served.shape {
            // Compared once serialized: serde_json's float parsing is not
            // correctly rounded, so a float may not survive a round trip.
            let expected = serde_json::from_slice::<Value>(event)
                .ok()
                .map(|event| serde_json::to_vec(&event).expect("a Value serializes"));
            let echoed = served.answer.as_deref().ok().map(String::from_utf8_lossy);
            let expected = expected.as_deref().map(String::from_utf8_lossy);
            prop_assert_eq!(echoed, expected, "{}", served.what);
        }
        match served.shape {
            Shape::Transformed => {
                let records = transforms.get_or_insert_with(|| {
                    let envelope = decode::from_slice::<KinesisFirehoseEvent>(event).ok()?;
                    let records = envelope.records.into_iter();
                    Some(
                        records
                            .map(|record| (record.record_id, record.data.0))
                            .collect(),
                    )
                });
                check_transforms(&served, records.as_deref())?;
            }
            Shape::TaskResults(_) => {
                let expected = tasks.get_or_insert_with(|| expected_tasks(event));
                check_tasks(&served, expected.as_ref())?;
            }
            Shape::Action(_) => {
                let expected = action.get_or_insert_with(|| expected_action(event));
                check_action(&served, expected.as_ref())?;
            }
            Shape::Decision(kind) => {
                let json = json.get_or_insert_with(|| serde_json::from_slice(event).ok());
                check_decision(&served, kind, json.as_ref())?;
            }
            Shape::Hook(kind) => {
                let json = json.get_or_insert_with(|| serde_json::from_slice(event).ok());
                check_hook(&served, kind, json.as_ref())?;
            }
            Shape::Resource(kind) => check_resource(&served, kind)?,
            _ => {}
        }
    }
    Ok(())
}

/// The id and data of each record of a Firehose event.
type FirehoseRecords = Vec<(Option<String>, Vec<u8>)>;

/// What a Firehose handler of `form` (`serve_transform`) makes of a record
/// with this id and data: its entry of the answer.
fn transformed(form: Form, record_id: &str, data: &[u8]) -> Value {
    let original = STANDARD.encode(data);
    let ok = |answer: &[u8]| json!({ "recordId": record_id, "result": "Ok", "data": STANDARD.encode(answer) });
    let failed = json!({ "recordId": record_id, "result": "ProcessingFailed", "data": original });
    let order = serde_json::from_slice::<Order>(data).ok();
    match form {
        Form::Order => order.map_or(failed, |order| ok(order.id.to_string().as_bytes())),
        Form::Value => serde_json::from_slice::<Value>(data)
            .map_or(failed, |value| ok(value.to_string().as_bytes())),
        Form::Text if !utf8(data) => failed,
        Form::Text | Form::Bytes => ok(data),
        Form::Wrapper => match order {
            None => failed,
            Some(order) if order.id % 3 == 0 => {
                json!({ "recordId": record_id, "result": "Dropped", "data": original })
            }
            Some(order) => json!({
                "recordId": record_id,
                "result": "Ok",
                "data": STANDARD.encode(order.id.to_string()),
                "metadata": { "partitionKeys": { "record": record_id } },
            }),
        },
        other => unreachable!("firehose has no {other:?} payload"),
    }
}

/// Checks a Firehose answer against the records of the event (their ids
/// and data; `None` when the envelope does not decode): one entry per
/// record in order, `ProcessingFailed` with the original data for a record
/// that does not decode. Only an envelope that does not decode, or a
/// record without an id to answer it by, fails the invocation.
fn check_transforms(
    served: &Served,
    records: Option<&[(Option<String>, Vec<u8>)]>,
) -> Result<(), TestCaseError> {
    let what = &served.what;
    let Some(records) = records else {
        prop_assert!(
            served.answer.is_err(),
            "{}: answered an event that does not decode",
            what
        );
        return Ok(());
    };
    let no_id = records
        .iter()
        .position(|(id, _)| id.as_deref().is_none_or(str::is_empty));
    match (&served.answer, no_id) {
        (Err(failure), Some(index)) => {
            let expected = format!("record {index} has no recordId");
            prop_assert!(
                failure.error_message.contains(&expected),
                "{}: {:?}",
                what,
                failure
            );
        }
        (Ok(body), None) => {
            let answer: Value = serde_json::from_slice(body).expect("checked to be JSON");
            let expected: Vec<Value> = records
                .iter()
                .map(|(id, data)| transformed(served.form, id.as_deref().unwrap_or_default(), data))
                .collect();
            prop_assert_eq!(answer, json!({ "records": expected }), "{}", what);
        }
        (answer, no_id) => {
            return Err(TestCaseError::fail(format!(
                "{what}: the record without an id is {no_id:?}, yet answered {answer:?}"
            )));
        }
    }
    Ok(())
}

/// A task's bucket and decoded key, or how its failure's result string
/// starts.
type TaskExpected = Result<(String, String), &'static str>;

/// What an S3 Batch Operations job should be answered: its schema version,
/// invocation id and, for each task, its id and the bucket and key it
/// names, or the start of the result string of its failure.
struct ExpectedTasks {
    version: String,
    invocation_id: String,
    tasks: Vec<(String, TaskExpected)>,
}

/// `ExpectedTasks` read off the event, `None` when it is not a job. The
/// bucket is `s3Bucket`, else what follows `:::` in `s3BucketArn`; the key
/// is decoded as S3's notifications are (`s3::decode_key`).
fn expected_tasks(event: &[u8]) -> Option<ExpectedTasks> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Job {
        invocation_schema_version: String,
        invocation_id: String,
        tasks: Vec<Task>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Task {
        task_id: String,
        s3_key: String,
        #[serde(default)]
        s3_bucket: Option<String>,
        #[serde(default)]
        s3_bucket_arn: Option<String>,
    }
    // The trigger's own envelope says whether it is a job at all (it asks
    // for more than `Job` reads).
    decode::from_slice::<crate::s3_batch::Job>(event).ok()?;
    let job: Job = decode::from_slice(event).expect("a job has what `Job` reads");
    let tasks = job.tasks.into_iter().map(|task| {
        let arn = task.s3_bucket_arn.as_deref();
        let bucket = task
            .s3_bucket
            .as_deref()
            .or(arn.map(|arn| arn.rsplit_once(":::").map_or(arn, |(_, bucket)| bucket)));
        let expected = match (bucket, crate::s3::decode_key(&task.s3_key)) {
            (None, _) => Err("InvalidEvent: the task names no bucket"),
            (Some(_), Err(_)) => Err("InvalidEvent: s3Key: "),
            (Some(bucket), Ok(key)) => Ok((bucket.to_owned(), key)),
        };
        (task.task_id, expected)
    });
    Some(ExpectedTasks {
        version: job.invocation_schema_version,
        invocation_id: job.invocation_id,
        tasks: tasks.collect(),
    })
}

/// Checks an S3 Batch Operations answer against what the job should be
/// answered (`None` when the event is not a job): a result per task, in
/// order, `Succeeded` with what the handler answered, or
/// `PermanentFailure` for a task that does not decode. A task never fails
/// the invocation.
fn check_tasks(served: &Served, expected: Option<&ExpectedTasks>) -> Result<(), TestCaseError> {
    let what = &served.what;
    let Shape::TaskResults(kind) = served.shape else {
        unreachable!("{what} does not answer tasks")
    };
    let (Some(expected), Ok(body)) = (expected, &served.answer) else {
        prop_assert_eq!(
            expected.is_none(),
            served.answer.is_err(),
            "{}: {:?}",
            what,
            served.answer
        );
        return Ok(());
    };
    let answer: Value = serde_json::from_slice(body).expect("checked to be JSON");
    prop_assert_eq!(
        &answer["invocationSchemaVersion"],
        &json!(expected.version),
        "{}",
        what
    );
    prop_assert_eq!(
        &answer["invocationId"],
        &json!(expected.invocation_id),
        "{}",
        what
    );
    let results = answer["results"].as_array().expect("checked to be a list");
    prop_assert_eq!(results.len(), expected.tasks.len(), "{}: {}", what, answer);
    for (result, (task_id, task)) in results.iter().zip(&expected.tasks) {
        prop_assert_eq!(&result["taskId"], &json!(task_id), "{}: {}", what, answer);
        let string = result["resultString"]
            .as_str()
            .expect("checked to be a string");
        match task {
            Ok((bucket, key)) => {
                prop_assert_eq!(&result["resultCode"], "Succeeded", "{}: {}", what, answer);
                prop_assert_eq!(string, kind.result(task_id, bucket, key), "{}", what);
            }
            Err(failure) => {
                prop_assert_eq!(
                    &result["resultCode"],
                    "PermanentFailure",
                    "{}: {}",
                    what,
                    answer
                );
                prop_assert!(
                    string.starts_with(failure),
                    "{}: {:?} for {:?}",
                    what,
                    string,
                    failure
                );
            }
        }
    }
    Ok(())
}

/// What a Bedrock agent's action should be answered: the message version
/// to echo and the action the handler should be given.
#[derive(Debug)]
struct ExpectedAction {
    message_version: String,
    action: crate::bedrock_agent::AgentAction,
}

/// `ExpectedAction` read off the event, `None` when it is not an action.
/// What is called is the `function`, else the `apiPath` and `httpMethod`;
/// the request body is its first content type, in sorted order; a field
/// the agent leaves out is empty.
fn expected_action(event: &[u8]) -> Option<ExpectedAction> {
    use crate::bedrock_agent::{AgentAction, AgentInfo, Parameter, Target};
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Call {
        message_version: String,
        action_group: String,
        #[serde(default)]
        function: Option<String>,
        #[serde(default)]
        api_path: Option<String>,
        #[serde(default)]
        http_method: Option<String>,
        #[serde(default)]
        parameters: Vec<Property>,
        #[serde(default)]
        request_body: Option<RequestBody>,
        #[serde(default)]
        input_text: String,
        #[serde(default)]
        session_id: String,
        #[serde(default)]
        agent: Agent,
        #[serde(default)]
        session_attributes: HashMap<String, String>,
        #[serde(default)]
        prompt_session_attributes: HashMap<String, String>,
    }
    #[derive(Deserialize)]
    struct Property {
        name: String,
        #[serde(rename = "type", default)]
        kind: String,
        #[serde(default)]
        value: String,
    }
    #[derive(Deserialize)]
    struct RequestBody {
        content: BTreeMap<String, Content>,
    }
    #[derive(Deserialize)]
    struct Content {
        #[serde(default)]
        properties: Vec<Property>,
    }
    #[derive(Default, Deserialize)]
    struct Agent {
        #[serde(default)]
        name: String,
        #[serde(default)]
        id: String,
        #[serde(default)]
        alias: String,
        #[serde(default)]
        version: String,
    }
    // The trigger's own envelope says whether it is an action at all.
    decode::from_slice::<crate::bedrock_agent::Event>(event).ok()?;
    let call: Call = decode::from_slice(event).expect("an action has what `Call` reads");
    let target = match (call.function, call.api_path, call.http_method) {
        (Some(function), _, _) => Target::Function(function),
        (None, Some(path), Some(method)) => Target::Api { path, method },
        _ => panic!("the trigger decoded an action that calls nothing"),
    };
    let parameters = |properties: Vec<Property>| -> Vec<Parameter> {
        let each = properties.into_iter();
        each.map(|Property { name, kind, value }| Parameter { name, kind, value })
            .collect()
    };
    let request_body = call
        .request_body
        .and_then(|body| body.content.into_iter().next());
    Some(ExpectedAction {
        message_version: call.message_version,
        action: AgentAction {
            action_group: call.action_group,
            target,
            parameters: parameters(call.parameters),
            request_body: request_body
                .map(|(kind, content)| (kind, parameters(content.properties))),
            input_text: call.input_text,
            session_id: call.session_id,
            agent: AgentInfo {
                name: call.agent.name,
                id: call.agent.id,
                alias: call.agent.alias,
                version: call.agent.version,
            },
            session_attributes: call.session_attributes,
            prompt_session_attributes: call.prompt_session_attributes,
        },
    })
}

/// The whole answer to `expected`'s action by the handler answering
/// `kind`, as the Bedrock developer guide has it: the message version and
/// the action group echoed; the function, or the API path and method with
/// an HTTP status (200 by default, 500 for a failure); the body as text,
/// or as the body of `application/json`; a response state only when it is
/// not a plain success, `FAILURE` for a handler's error (its message) or
/// panic (a generic body); the session attributes of the event with the
/// handler's on top.
fn expected_answer(kind: ActionAnswer, expected: &ExpectedAction) -> Value {
    use crate::bedrock_agent::{ResponseState, Target};
    type Set = Vec<(String, String)>;
    let action = &expected.action;
    let failure = |body: String| -> (String, Option<&str>, Option<u16>, Set, Set) {
        (body, Some("FAILURE"), Some(500), Vec::new(), Vec::new())
    };
    let (body, state, status, set, prompt_set) = match kind {
        ActionAnswer::Text => (
            describe(action).to_string(),
            None,
            None,
            Vec::new(),
            Vec::new(),
        ),
        ActionAnswer::Json => {
            let body = json!({ "answer": describe(action) }).to_string();
            (body, None, None, Vec::new(), Vec::new())
        }
        ActionAnswer::Result => {
            let plan = plan(action);
            let state = plan.state.map(|state| match state {
                ResponseState::Failure => "FAILURE",
                ResponseState::Reprompt => "REPROMPT",
            });
            let status = plan
                .http_status
                .or((state == Some("FAILURE")).then_some(500));
            let body = plan.body.to_string();
            (
                body,
                state,
                status,
                plan.session_attributes,
                plan.prompt_session_attributes,
            )
        }
        ActionAnswer::Fails => failure(format!("refused: {}", describe(action))),
        ActionAnswer::Panics => failure(ACTION_PANIC_BODY.to_owned()),
    };
    let merged = |given: &HashMap<String, String>, set: Set| {
        let mut merged: serde_json::Map<String, Value> = given
            .iter()
            .map(|(key, value)| (key.clone(), json!(value)))
            .collect();
        merged.extend(set.into_iter().map(|(key, value)| (key, json!(value))));
        Value::Object(merged)
    };
    let response = match &action.target {
        Target::Function(function) => {
            let mut answer = json!({ "responseBody": { "TEXT": { "body": body } } });
            if let Some(state) = state {
                answer["responseState"] = json!(state);
            }
            json!({
                "actionGroup": action.action_group,
                "function": function,
                "functionResponse": answer,
            })
        }
        Target::Api { path, method } => {
            let mut response = json!({
                "actionGroup": action.action_group,
                "apiPath": path,
                "httpMethod": method,
                "httpStatusCode": status.unwrap_or(200),
                "responseBody": { "application/json": { "body": body } },
            });
            if let Some(state) = state {
                response["responseState"] = json!(state);
            }
            response
        }
    };
    json!({
        "messageVersion": expected.message_version,
        "response": response,
        "sessionAttributes": merged(&action.session_attributes, set),
        "promptSessionAttributes": merged(&action.prompt_session_attributes, prompt_set),
    })
}

/// Checks a Bedrock agent's answer against what the action should be
/// answered (`None` when the event is not an action): exactly
/// `expected_answer`. Only an event that is not an action fails the
/// invocation (`check` has made sure it is as an `InvalidEvent`); a
/// handler's error or panic is a `FAILURE` state of the answer.
fn check_action(served: &Served, expected: Option<&ExpectedAction>) -> Result<(), TestCaseError> {
    let what = &served.what;
    let Shape::Action(kind) = served.shape else {
        unreachable!("{what} does not answer an action")
    };
    match (expected, &served.answer) {
        (Some(expected), Ok(body)) => {
            let answer: Value = serde_json::from_slice(body).expect("checked to be JSON");
            prop_assert_eq!(answer, expected_answer(kind, expected), "{}", what);
        }
        (None, Err(_)) => {}
        (expected, answer) => {
            let is = if expected.is_some() { "" } else { " not" };
            return Err(TestCaseError::fail(format!(
                "{what}: the event is{is} an action, yet answered {answer:?}"
            )));
        }
    }
    Ok(())
}

/// What an authorizer handler should be given, read off the event.
#[derive(Debug)]
struct ExpectedRequest {
    /// `Token`, `Request` or `HttpApi`.
    kind: &'static str,
    arn: String,
    /// The bearer token: a `TOKEN` request's token, else each
    /// `Authorization` header's value (several, if several spell it
    /// differently), without `Bearer `.
    bearer: Vec<String>,
    sources: usize,
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    path_parameters: BTreeMap<String, String>,
    stage_variables: BTreeMap<String, String>,
    path: Option<String>,
    method: Option<String>,
    route: Option<String>,
    cookies: usize,
    request_context: bool,
}

impl ExpectedRequest {
    /// The context of the `Allows` handler (`summary`).
    fn summary(&self) -> Value {
        let mut context = json!({
            "kind": self.kind,
            "arn": self.arn,
            "sources": self.sources,
            "headers": names(self.headers.keys()),
            "query": pairs(&self.query),
            "pathParameters": pairs(&self.path_parameters),
            "stageVariables": pairs(&self.stage_variables),
            "cookies": self.cookies,
            "requestContext": self.request_context,
            "bearer": !self.bearer.is_empty(),
        });
        for (key, value) in [
            ("path", &self.path),
            ("method", &self.method),
            ("route", &self.route),
        ] {
            if let Some(value) = value {
                context[key] = json!(value);
            }
        }
        context
    }
}

/// `ExpectedRequest` read off the event, `None` when it is not an
/// authorizer request: not an object, a member of the wrong type (a string
/// or `null` where a string goes, an object of strings where a map does, a
/// list of strings for the cookies), a `type` other than `TOKEN` or
/// `REQUEST`, no `methodArn` or `routeArn`, or a `TOKEN` request without
/// its `authorizationToken`. Payload 2.0 (`version`) makes a `REQUEST` an
/// HTTP API's; `identitySource` is a list, or (payload 1.0) one string of
/// them joined by commas.
fn expected_request(event: &Value) -> Option<ExpectedRequest> {
    let event = event.as_object()?;
    let text = |key: &str| match event.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(text)) => Some(Some(text.clone())),
        Some(_) => None,
    };
    let map = |key: &str| match event.get(key) {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Object(members)) => members
            .iter()
            .map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect(),
        Some(_) => None,
    };
    let (kind, token) = (text("type")?, text("authorizationToken")?);
    let (method_arn, route_arn) = (text("methodArn")?, text("routeArn")?);
    let (path, raw_path) = (text("path")?, text("rawPath")?);
    let (method, route) = (text("httpMethod")?, text("routeKey")?);
    let headers = map("headers")?;
    let (query, path_parameters) = (map("queryStringParameters")?, map("pathParameters")?);
    let stage_variables = map("stageVariables")?;
    let cookies = match event.get("cookies") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(cookies)) if cookies.iter().all(Value::is_string) => cookies.len(),
        Some(_) => return None,
    };
    let version = event.get("version").and_then(Value::as_str);
    let kind = match (kind.as_deref(), version) {
        (Some("TOKEN"), _) => "Token",
        (Some("REQUEST"), Some("2.0")) => "HttpApi",
        (Some("REQUEST"), _) => "Request",
        _ => return None,
    };
    let arn = method_arn.or(route_arn)?;
    if kind == "Token" && token.is_none() {
        return None;
    }
    let sources = match event.get("identitySource") {
        Some(Value::Array(sources)) => sources.iter().filter(|s| s.is_string()).count(),
        Some(Value::String(sources)) => sources
            .split(',')
            .filter(|source| !source.trim().is_empty())
            .count(),
        _ => 0,
    };
    let strip = |token: &str| -> String {
        match token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
        {
            Some(stripped) => stripped.to_owned(),
            None => token.to_owned(),
        }
    };
    let bearer = match (kind, &token) {
        ("Token", Some(token)) => vec![strip(token)],
        _ => headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| strip(value))
            .collect(),
    };
    let request_context = event.get("requestContext").is_some_and(|c| !c.is_null());
    Some(ExpectedRequest {
        kind,
        arn,
        bearer,
        sources,
        headers,
        query,
        path_parameters,
        stage_variables,
        path: raw_path.or(path),
        method,
        route,
        cookies,
        request_context,
    })
}

/// The whole answer of the authorizer handler `kind` to `event`, whose
/// request is `request` (`None` when it does not decode), as the API
/// Gateway developer guide has it: a policy allowing or denying
/// `execute-api:Invoke` on the event's `methodArn` (else `routeArn`, else
/// `*`), or for the `Scoped` Allow on its resources; a Deny for every
/// handler's request that does not decode and for every failure, for the
/// principal `unauthorized` with no context; `isAuthorized` too, saying the
/// same, exactly when the event is of payload format 2.0.
fn expected_decision(
    kind: DecisionAnswer,
    event: &Value,
    request: Option<&ExpectedRequest>,
) -> Value {
    let text = |key: &str| event.get(key).and_then(Value::as_str);
    let arn = text("methodArn").or_else(|| text("routeArn"));
    let no_context = json!({});
    let (allow, principal, context, key, resources) = match (kind, request) {
        (DecisionAnswer::Allows, Some(request)) => (true, "ada", request.summary(), None, None),
        (DecisionAnswer::EchoesToken, Some(request)) => {
            let context = request
                .bearer
                .first()
                .map_or(no_context, |token| json!({ "token": token }));
            (true, "ada", context, None, None)
        }
        (DecisionAnswer::Scoped, Some(request)) => (
            true,
            "scoped",
            no_context,
            Some(PLAN_KEY),
            Some(scope(&request.arn)),
        ),
        (DecisionAnswer::Denies, Some(_)) => {
            (false, "mallory", json!({ "reason": "no" }), None, None)
        }
        _ => (false, "unauthorized", no_context, None, None),
    };
    let resources = resources.unwrap_or_else(|| vec![arn.unwrap_or("*").to_owned()]);
    let effect = if allow { "Allow" } else { "Deny" };
    let mut answer = json!({
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{ "Action": "execute-api:Invoke", "Effect": effect, "Resource": resources }],
        },
    });
    if context
        .as_object()
        .is_some_and(|context| !context.is_empty())
    {
        answer["context"] = context;
    }
    if let Some(key) = key {
        answer["usageIdentifierKey"] = json!(key);
    }
    if text("version") == Some("2.0") {
        answer["isAuthorized"] = json!(allow);
    }
    answer
}

/// Checks an authorizer's answer against the event (`None` when it is not
/// JSON, which alone fails the invocation): exactly `expected_decision`.
fn check_decision(
    served: &Served,
    kind: DecisionAnswer,
    event: Option<&Value>,
) -> Result<(), TestCaseError> {
    let what = &served.what;
    let (Some(event), Ok(body)) = (event, &served.answer) else {
        return match event {
            None => Ok(()),
            Some(event) => Err(TestCaseError::fail(format!(
                "{what}: an invocation error for the JSON event {event}: {:?}",
                served.answer
            ))),
        };
    };
    let answer: Value = serde_json::from_slice(body).expect("checked to be JSON");
    let request = expected_request(event);
    let mut expected = expected_decision(kind, event, request.as_ref());
    // Several `Authorization` headers: the handler reads one of them.
    if let (DecisionAnswer::EchoesToken, Some(request)) = (kind, &request) {
        let echoed = &answer["context"]["token"];
        if request.bearer.len() > 1 && request.bearer.iter().any(|token| echoed == token) {
            expected["context"]["token"] = echoed.clone();
        }
    }
    prop_assert_eq!(answer, expected, "{}: {}", what, event);
    Ok(())
}

/// What a Cognito handler should answer.
#[derive(Debug)]
enum ExpectedHook {
    /// Not one of its hook's events (or not JSON): `InvalidEvent`.
    Invalid,
    /// The event as received, with this `response`.
    Response(Value),
    /// A failure of this type and message.
    Fails(&'static str, String),
}

/// The request of the hook of `Req` in `event`, `None` when the event is
/// not one of the hook's: its `triggerSource` is not among `sources`, or it
/// does not decode as the hook's event, its `response` aside (that is the
/// handler's to give).
fn hook_request<Req: crate::cognito::HookRequest>(event: &Value, sources: &[&str]) -> Option<Req> {
    use crate::cognito::Hook;
    let source = event.get("triggerSource")?.as_str()?;
    if !sources.contains(&source) {
        return None;
    }
    let mut view = event.clone();
    let response = <Req::Hook as Hook>::Response::default();
    view.as_object_mut()?
        .insert("response".to_owned(), json!(response));
    let hook = <Req::Hook as Deserialize>::deserialize(&view).ok()?;
    Some(hook.request().clone())
}

/// What the Cognito handler `kind` should answer `event` (`None` when it is
/// not JSON), as the Cognito developer guide has it: the response of its
/// hook for an event of the hook; `InvalidEvent` for any other (another
/// hook's triggerSource, none, an event that does not decode); a handler's
/// error with its own type and message (which Cognito shows the user); a
/// panic with a generic message.
fn expected_hook(kind: HookAnswer, event: Option<&Value>) -> ExpectedHook {
    use crate::cognito::{PostConfirmationRequest, PreSignUpRequest, PreTokenGenerationV2Request};
    let Some(event) = event else {
        return ExpectedHook::Invalid;
    };
    let refused = |attributes: usize| {
        let (error_type, message) = refusal_of(kind, attributes);
        ExpectedHook::Fails(error_type, message)
    };
    match kind {
        HookAnswer::SignsUp | HookAnswer::RefusesSignUp | HookAnswer::PanicsSigningUp => {
            let Some(request) = hook_request::<PreSignUpRequest>(event, PRE_SIGN_UP_SOURCES) else {
                return ExpectedHook::Invalid;
            };
            match kind {
                HookAnswer::SignsUp => ExpectedHook::Response(json!({
                    "autoConfirmUser": request.user_attributes.contains_key("email"),
                    "autoVerifyEmail": !request.validation_data.is_empty(),
                    "autoVerifyPhone": request.client_metadata.len() % 2 == 1,
                })),
                HookAnswer::RefusesSignUp => refused(request.user_attributes.len()),
                _ => ExpectedHook::Fails(error::PANIC, COGNITO_PANIC_MESSAGE.to_owned()),
            }
        }
        HookAnswer::Confirms => {
            match hook_request::<PostConfirmationRequest>(event, POST_CONFIRMATION_SOURCES) {
                Some(_) => ExpectedHook::Response(json!({})),
                None => ExpectedHook::Invalid,
            }
        }
        HookAnswer::AddsClaims | HookAnswer::RefusesToken => {
            let request =
                hook_request::<PreTokenGenerationV2Request>(event, TOKEN_GENERATION_SOURCES);
            let Some(request) = request else {
                return ExpectedHook::Invalid;
            };
            if kind == HookAnswer::RefusesToken {
                return refused(request.user_attributes.len());
            }
            ExpectedHook::Response(json!({
                "claimsAndScopeOverrideDetails": {
                    "groupOverrideDetails": request.group_configuration,
                    "idTokenGeneration": {
                        "claimsToAddOrOverride": { "attributes": request.user_attributes.len() },
                        "claimsToSuppress": request.scopes,
                    },
                    "accessTokenGeneration": null,
                },
            }))
        }
    }
}

/// Checks a Cognito handler's answer against the event (`None` when it is
/// not JSON): exactly `expected_hook`, the received event kept byte for
/// byte as serde_json writes it, but for its `response`.
fn check_hook(
    served: &Served,
    kind: HookAnswer,
    event: Option<&Value>,
) -> Result<(), TestCaseError> {
    let what = &served.what;
    match (expected_hook(kind, event), &served.answer) {
        (ExpectedHook::Invalid, Err(failure)) if failure.error_type == error::INVALID_EVENT => {}
        (ExpectedHook::Response(response), Ok(body)) => {
            let mut expected = event.expect("a JSON event").clone();
            expected["response"] = response;
            let expected = serde_json::to_string(&expected).expect("a Value serializes");
            prop_assert_eq!(String::from_utf8_lossy(body), expected, "{}", what);
        }
        (ExpectedHook::Fails(error_type, message), Err(failure)) => {
            let failed = (failure.error_type.as_str(), failure.error_message.as_str());
            prop_assert_eq!(failed, (error_type, message.as_str()), "{}", what);
        }
        (expected, answer) => {
            return Err(TestCaseError::fail(format!(
                "{what}: expected {expected:?}, answered {answer:?}"
            )));
        }
    }
    Ok(())
}

/// CloudFormation's limit on a response document.
const RESPONSE_LIMIT: usize = 4096;

/// CloudFormation's limit on a physical resource id.
const PHYSICAL_ID_LIMIT: usize = 1024;

/// The longest `Reason` lambda-fn sends (before its `…`).
const REASON_LIMIT: usize = 1536;

/// `describe_request` of the request the handler should be given, read
/// off the event; `None` when it is not a custom resource request: not an
/// object; a `RequestType` other than `Create`, `Update` or `Delete`; a
/// `RequestId`, `StackId`, `LogicalResourceId` or `ResourceType` that is
/// not a string; a `PhysicalResourceId` or `ServiceToken` that is neither a
/// string nor `null`; properties that are neither an object nor `null`; or
/// an `Update` or `Delete` without a (non-empty) `PhysicalResourceId`.
/// Properties left out are `{}`, old ones `null`.
fn expected_resource_request(event: &Value) -> Option<Value> {
    let event = event.as_object()?;
    let text = |key: &str| event.get(key)?.as_str().map(str::to_owned);
    let optional = |key: &str, is: fn(&Value) -> bool| match event.get(key) {
        None | Some(Value::Null) => Some(Value::Null),
        Some(value) if is(value) => Some(value.clone()),
        Some(_) => None,
    };
    let request_type = text("RequestType")?;
    if !["Create", "Update", "Delete"].contains(&request_type.as_str()) {
        return None;
    }
    let physical_resource_id = match optional("PhysicalResourceId", Value::is_string)? {
        Value::String(id) if id.is_empty() => Value::Null,
        id => id,
    };
    if request_type != "Create" && physical_resource_id.is_null() {
        return None;
    }
    let properties = match optional("ResourceProperties", Value::is_object)? {
        Value::Null => json!({}),
        properties => properties,
    };
    Some(json!({
        "RequestType": request_type,
        "RequestId": text("RequestId")?,
        "StackId": text("StackId")?,
        "LogicalResourceId": text("LogicalResourceId")?,
        "PhysicalResourceId": physical_resource_id,
        "ResourceType": text("ResourceType")?,
        "ServiceToken": optional("ServiceToken", Value::is_string)?,
        "ResourceProperties": properties,
        "OldResourceProperties": optional("OldResourceProperties", Value::is_object)?,
    }))
}

/// `reason` cut with a `…` so that, written as JSON (escapes and quotes
/// and all), it takes at most `REASON_LIMIT` bytes.
fn cut_reason(mut reason: String) -> String {
    let json_len = |text: &str| serde_json::to_string(text).expect("a string").len();
    if json_len(&reason) > REASON_LIMIT {
        while json_len(&reason) + '…'.len_utf8() > REASON_LIMIT {
            reason.pop();
        }
        reason.push('…');
    }
    reason
}

/// What the `Reason` of a response document should be.
#[derive(Debug)]
enum ExpectedReason {
    /// None: a `SUCCESS`.
    None,
    Exactly(String),
    /// A failure to decode the request, whose message serde words.
    StartsWith(&'static str),
}

/// The response document the handler `kind` should send for `event`, as
/// the CloudFormation user guide has it, but for its `Reason`: the
/// `StackId`, `RequestId` and `LogicalResourceId` of the event echoed
/// (empty when they are not strings); `SUCCESS` with the handler's
/// physical id, `NoEcho` and data when the request decodes, the handler
/// answers and the id is one CloudFormation takes (not empty, at most 1 KB);
/// otherwise `FAILED` with no data, the reason the failure's type and
/// message, and the request's physical id, else (a `Create`, which has
/// none) `lambda-fn:create-failed:` and the request id. The `Delete` of
/// such a marker is `SUCCESS` without the handler.
fn expected_document(kind: ResourceAnswer, event: &Value) -> (Value, ExpectedReason) {
    let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default();
    let physical = Some(text("PhysicalResourceId")).filter(|id| !id.is_empty());
    let logical = text("LogicalResourceId");
    let marker = format!("lambda-fn:create-failed:{}", text("RequestId"));
    let failed_id = physical.unwrap_or(&marker);
    let document = |status: &str, id: &str, no_echo: bool, data: Value| {
        json!({
            "Status": status,
            "PhysicalResourceId": id,
            "StackId": text("StackId"),
            "RequestId": text("RequestId"),
            "LogicalResourceId": logical,
            "NoEcho": no_echo,
            "Data": data,
        })
    };
    let failed = |reason: ExpectedReason| (document("FAILED", failed_id, false, json!({})), reason);
    let Some(request) = expected_resource_request(event) else {
        return failed(ExpectedReason::StartsWith("InvalidEvent: "));
    };
    if let Some(id) = physical.filter(|id| {
        request["RequestType"] == "Delete" && id.starts_with("lambda-fn:create-failed:")
    }) {
        return (
            document("SUCCESS", id, false, json!({})),
            ExpectedReason::None,
        );
    }
    let (id, no_echo, data) = match kind {
        ResourceAnswer::Describes => {
            let id = physical.unwrap_or(logical).to_owned();
            (id, false, json!({ "Request": request }))
        }
        ResourceAnswer::Secret => {
            let id = format!("secret-{}", text("RequestId"));
            (id, true, json!({ "Password": RESOURCE_SECRET }))
        }
        ResourceAnswer::Blank => (String::new(), false, json!({})),
        ResourceAnswer::Fails => {
            let reason = format!("Refused: refused {logical}");
            return failed(ExpectedReason::Exactly(cut_reason(reason)));
        }
        ResourceAnswer::Panics => {
            let reason = format!("{}: the provider panics for {logical}", error::PANIC);
            return failed(ExpectedReason::Exactly(cut_reason(reason)));
        }
    };
    if id.is_empty() {
        let reason = "InvalidResponse: the handler answered an empty physical resource id: CloudFormation needs a non-empty one";
        return failed(ExpectedReason::Exactly(reason.to_owned()));
    }
    if id.len() > PHYSICAL_ID_LIMIT {
        let reason = format!(
            "InvalidResponse: the handler answered a physical resource id of {} bytes: CloudFormation takes at most {PHYSICAL_ID_LIMIT}",
            id.len()
        );
        return failed(ExpectedReason::Exactly(reason));
    }
    (
        document("SUCCESS", &id, no_echo, data),
        ExpectedReason::None,
    )
}

/// The `Reason` of a document over CloudFormation's limit.
fn too_large(bytes: usize) -> String {
    format!(
        "InvalidResponse: the response document is {bytes} bytes, over CloudFormation's limit of {RESPONSE_LIMIT}: return less data"
    )
}

/// `document` as it is sent when it is over CloudFormation's limit:
/// `FAILED`, saying so, without data, its physical id kept.
fn too_large_document(mut document: Value, bytes: usize) -> Value {
    document["Status"] = json!("FAILED");
    document["Reason"] = json!(too_large(bytes));
    document["NoEcho"] = json!(false);
    document["Data"] = json!({});
    document
}

/// The bytes of `text` as JSON writes it.
fn json_len(text: &Value) -> usize {
    serde_json::to_vec(text).expect("a Value serializes").len()
}

/// Checks a custom resource's answer and the response its receiver got
/// against the event as served: when it has a `ResponseURL` that may be
/// sent to, exactly one PUT there, of exactly `expected_document` (or, when
/// that is over CloudFormation's limit, the `FAILED` document saying so),
/// with an empty `Content-Type`, within the limit whenever the event's
/// echoed fields leave room for it; and the invocation answered with the
/// document's `Status`, `PhysicalResourceId` and `Reason`, never its data.
/// When it has none, no connection at all, and `InvalidEvent` saying no
/// response can be sent, without the URL's signature.
fn check_resource(served: &Served, kind: ResourceAnswer) -> Result<(), TestCaseError> {
    let what = &served.what;
    let delivery = served
        .delivery
        .as_ref()
        .expect("a custom resource's delivery");
    let event = serde_json::from_slice::<Value>(&delivery.event).ok();
    let path = match (&delivery.to, &served.answer) {
        (ResponseTo::Here(path), _) => path,
        (ResponseTo::Nowhere, Err(failure)) => {
            prop_assert_eq!(delivery.connections, 0, "{}: {:?}", what, delivery);
            prop_assert_eq!(&failure.error_type, error::INVALID_EVENT, "{}", what);
            let message = &failure.error_message;
            if event.is_some() {
                let says = "so no response can be sent to CloudFormation";
                prop_assert!(message.contains(says), "{}: {}", what, message);
            }
            // Unless the request's own members quote it.
            let mut elsewhere = event.clone().unwrap_or_default();
            if let Some(members) = elsewhere.as_object_mut() {
                members.remove("ResponseURL");
            }
            if !elsewhere.to_string().contains(SIGNATURE) {
                prop_assert!(!message.contains(SIGNATURE), "{}: {}", what, message);
            }
            return Ok(());
        }
        (ResponseTo::Nowhere, Ok(body)) => {
            return Err(TestCaseError::fail(format!(
                "{what}: answered {} though the event has no usable ResponseURL: {}",
                String::from_utf8_lossy(body),
                String::from_utf8_lossy(&delivery.event)
            )));
        }
    };
    let event = event.expect("an event with a ResponseURL is JSON");
    prop_assert_eq!(delivery.connections, 1, "{}: {:?}", what, delivery);
    prop_assert_eq!(delivery.puts.len(), 1, "{}: {:?}", what, delivery);
    let put = &delivery.puts[0];
    prop_assert_eq!(&put.method, "PUT", "{}", what);
    prop_assert_eq!(&put.target, path, "{}", what);
    prop_assert_eq!(put.header("content-type"), Some(""), "{}", what);
    let sent: Value = serde_json::from_slice(&put.body)
        .map_err(|err| TestCaseError::fail(format!("{what}: the document is not JSON ({err})")))?;
    let (mut expected, reason) = expected_document(kind, &event);
    let length = |document: &Value, reason: Option<&str>| {
        let mut document = document.clone();
        if let Some(reason) = reason {
            document["Reason"] = json!(reason);
        }
        json_len(&document)
    };
    let first = match &reason {
        ExpectedReason::None => Some(length(&expected, None)),
        ExpectedReason::Exactly(reason) => Some(length(&expected, Some(reason))),
        ExpectedReason::StartsWith(_) => None,
    };
    match (first, reason) {
        (Some(bytes), _) if bytes > RESPONSE_LIMIT => {
            expected = too_large_document(expected, bytes);
        }
        (Some(_), ExpectedReason::Exactly(reason)) => expected["Reason"] = json!(reason),
        (Some(_), _) => {}
        (None, ExpectedReason::StartsWith(start)) => {
            let sent_reason = sent["Reason"].as_str().unwrap_or_default();
            let over = sent_reason
                .strip_prefix("InvalidResponse: the response document is ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|bytes| bytes.parse::<usize>().ok())
                .filter(|bytes| sent_reason == too_large(*bytes));
            match over {
                Some(bytes) => {
                    prop_assert!(bytes > RESPONSE_LIMIT, "{}: {}", what, sent_reason);
                    let at_least = length(&expected, Some(start));
                    prop_assert!(bytes >= at_least, "{}: {}", what, sent_reason);
                    expected = too_large_document(expected, bytes);
                }
                None => {
                    prop_assert!(sent_reason.starts_with(start), "{}: {}", what, sent);
                    let most = REASON_LIMIT + '…'.len_utf8();
                    prop_assert!(sent_reason.len() <= most, "{}: {}", what, sent_reason);
                    expected["Reason"] = json!(sent_reason);
                }
            }
        }
        (None, _) => unreachable!("only a prefix leaves the length unknown"),
    }
    // Compared as read back: serde_json's float parsing is not correctly
    // rounded, so a float of the event may not survive a round trip, but
    // the document writes it as `expected` does.
    let expected: Value =
        serde_json::from_slice(&serde_json::to_vec(&expected).expect("a Value serializes"))
            .expect("JSON");
    prop_assert_eq!(&sent, &expected, "{}: {}", what, event);
    // Within the limit, unless the event's own fields, which the document
    // must echo, take most of it.
    let echoed: usize = [
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "PhysicalResourceId",
    ]
    .iter()
    .map(|key| json_len(&sent[*key]))
    .sum();
    if echoed <= RESPONSE_LIMIT / 2 {
        prop_assert!(
            put.body.len() <= RESPONSE_LIMIT,
            "{}: a document of {} bytes",
            what,
            put.body.len()
        );
    }
    // The invocation's answer: the document's outcome, never its data.
    let answer = check(what, &served.answer, served.shape)?.ok_or_else(|| {
        TestCaseError::fail(format!("{what}: delivered, yet {:?}", served.answer))
    })?;
    let mut summary = json!({
        "Status": sent["Status"],
        "PhysicalResourceId": sent["PhysicalResourceId"],
    });
    if let Some(reason) = sent.get("Reason") {
        summary["Reason"] = reason.clone();
    }
    prop_assert_eq!(&answer, &summary, "{}", what);
    let shown = answer.to_string();
    prop_assert!(!shown.contains(RESOURCE_SECRET), "{}: {}", what, shown);
    Ok(())
}

/// Serves `event` with every handler of every trigger: an event of one
/// trigger reaching another must fail cleanly too.
fn serve_everywhere(event: &[u8]) -> Result<(), TestCaseError> {
    block_on(async {
        for row in TRIGGERS {
            serve_row(row, event).await?;
        }
        Ok(())
    })
}

/// What is wrong with how `row`'s handlers answer `event`, a panic
/// included; `None` when nothing is.
async fn problem(row: &'static Row, event: &[u8]) -> Option<String> {
    match caught(serve_row(row, event)).await {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure.to_string()),
        Err(panic) => Some(format!("panic: {}", panic.message())),
    }
}

// ---------------------------------------------------------------------------
// Strategies

/// The field names of the envelopes, and a few more (and the empty key:
/// see `key`), separated by spaces.
const KEYS: &str = "Records body messageId receiptHandle attributes messageAttributes md5OfBody \
    eventSource eventSourceARN awsRegion Sns Message MessageId MessageAttributes Subject \
    Timestamp TopicArn Type Value EventSubscriptionArn EventSource EventVersion s3 \
    bucket object key size name eTag sequencer versionId eventName eventTime kinesis \
    data sequenceNumber partitionKey approximateArrivalTimestamp eventID dynamodb \
    NewImage OldImage Keys SequenceNumber StreamViewType ApproximateCreationDateTime \
    userIdentity N S B BOOL NULL M L SS NS BS detail detail-type source time id version \
    account region resources requestContext rawPath rawQueryString path httpMethod \
    headers multiValueHeaders queryStringParameters multiValueQueryStringParameters \
    pathParameters isBase64Encoded cookies routeKey http method stage domainName elb \
    host x-forwarded-proto amount records topic partition offset timestamp timestampType \
    value eventSourceArn bootstrapServers messages messageID messageType destination \
    physicalName redelivered rmqMessagesByQueue basicProperties messageId recordId \
    kinesisRecordMetadata invocationId awslogs owner logGroup logStream \
    subscriptionFilters logEvents invocationSchemaVersion job userArguments tasks taskId \
    s3Key s3VersionId s3Bucket s3BucketArn messageVersion agent alias inputText sessionId \
    actionGroup function apiPath parameters requestBody content application/json properties \
    sessionAttributes promptSessionAttributes type authorizationToken methodArn routeArn \
    identitySource stageVariables Authorization authorization triggerSource userPoolId userName \
    callerContext clientId awsSdkVersion request response userAttributes validationData \
    clientMetadata email scopes groupConfiguration RequestType RequestId ResponseURL StackId \
    LogicalResourceId PhysicalResourceId ResourceType ResourceProperties OldResourceProperties \
    ServiceToken";

/// Strings the decoders treat specially.
const WORDS: &[&str] = &[
    "aws:sqs",
    "aws:sns",
    "aws:s3",
    "aws:kinesis",
    "aws:dynamodb",
    "aws:kafka",
    "SelfManagedKafka",
    "aws:mq",
    "aws:rmq",
    "orders-0",
    "test::/",
    "CONTROL_MESSAGE",
    "DATA_MESSAGE",
    "1.0",
    "2.0",
    "arn:aws:s3:::amzn-s3-demo-bucket",
    "TOKEN",
    "REQUEST",
    "Bearer allow-ada",
    "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request",
    "PreSignUp_SignUp",
    "PostConfirmation_ConfirmSignUp",
    "TokenGeneration_HostedAuth",
    "Create",
    "Update",
    "Delete",
    "Custom::Registry",
    // Response URLs: `serve_resources` points the ones that could leave
    // the machine at its receiver.
    "http://127.0.0.1:9/cr-response-key?X-Amz-Signature=word-signature",
    "https://cr-response-bucket.s3.us-east-1.amazonaws.com/cr-response-key?sig-params=sig-values",
    "http://localhost/r",
    "ftp://127.0.0.1/r",
    // gzip, in base64, of nothing and of a CloudWatch Logs document.
    "H4sIAAAAAAACAwMAAAAAAAAAAAA=",
    "H4sIAAAAAAACA6tWyk0tLk5MTw2pLEhVslJycQxxjPd1DQ52dHdV0lHKyU93L8ovLQDKpEO4wSVFqYm5QH4xhO9alppXUqxkFV2tlJkCFDYECpdkAg0tScwFajPQgVkAlKuOAaqJUbJSMNRRiFFKzM0vzSsBcY30TGuVamNrAavEHsCNAAAA",
    "Scheduled Event",
    "Notification",
    "2025-11-27T08:00:00Z",
    "2025-11-27T08:00:00.000Z",
    "27/Nov/2026:08:00:00 +0000",
    "arn:aws:sqs:us-east-1:123456789012:orders.fifo",
    "SGVsbG8gV29ybGQ=",
    "eyJpZCI6MSwiYW1vdW50IjoyLjV9",
    "not base64!",
    "{\"id\": 1, \"amount\": 2.5}",
    "{\"id\": -1, \"amount\": \"x\"}",
    "GET",
    "POST",
    "NOT A METHOD",
    "/orders/7",
    "/a b",
    "https",
    "a b",
    "a:b@c",
    "[::1]",
    "x\r\ny",
    "%zz",
    "%",
    "a+b%C3%A9",
    "%FF",
    "INSERT",
    "REMOVE",
    "NEW_IMAGE",
    "KEYS_ONLY",
    "1.5",
    "-1",
    "1e400",
    "NaN",
    "\u{0}",
    "\"\\",
    "é😀",
    "\u{feff}",
    "",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => select(WORDS).prop_map(str::to_owned),
        1 => "[ -~]{0,24}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KEYS.split(' ').chain([""]).collect::<Vec<_>>()).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-5_i64..300).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        select(&[i64::MIN, i64::MAX, 0, 1_764_230_400, 1_764_230_400_000][..])
            .prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        finite().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(
            &[
                0.1,
                -0.0,
                1e-7,
                1.5e300,
                1_764_230_400.125,
                1_480_641_523.477
            ][..]
        )
        .prop_map(|f: f64| Value::Number(Number::from_f64(f).expect("finite"))),
    ]
}

/// Arbitrary JSON: every kind of value, nested up to 5 levels, with the
/// envelopes' field names as keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// JSON text no `serde_json::Value` serializes to: out-of-range and
/// over-precise numbers, lone surrogates, duplicate keys, deep nesting.
fn raw_tokens() -> Vec<String> {
    let mut tokens: Vec<String> = [
        "1e400",
        "-1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "0.1234567890123456789",
        "1764230400.1234567890123456",
        "1.2345678901234567e-5",
        "12345678901234567890.5",
        "1E2",
        "-0",
        "-0.0",
        "\"\\ud800\"",
        "\"\\udc00x\"",
        "\"\\u0000\"",
        "\"\\ud83d\\ude00\"",
        "{\"a\": 1, \"a\": 2}",
        "{\"Records\": [], \"Records\": []}",
        "[]",
        "{}",
        "\"\"",
        "true",
    ]
    .iter()
    .map(|token| (*token).to_owned())
    .collect();
    tokens.push(format!("{}{}", "[".repeat(200), "]".repeat(200)));
    tokens.push(format!("{}1{}", "{\"a\":".repeat(130), "}".repeat(130)));
    tokens
}

/// One change to a JSON document, at a node picked by index (modulo the
/// number of candidates).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Raw(usize, String),
}

/// One change to the serialized text.
#[derive(Clone, Debug)]
enum ByteEdit {
    Truncate(usize),
    Xor(usize, u8),
    Insert(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), json_value()).prop_map(|(at, value)| Edit::Replace(at, value)),
        2 => any::<usize>().prop_map(Edit::Remove),
        2 => (any::<usize>(), key(), json_value()).prop_map(|(at, key, value)| Edit::Insert(at, key, value)),
        2 => (any::<usize>(), select(raw_tokens())).prop_map(|(at, token)| Edit::Raw(at, token)),
    ]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        any::<usize>().prop_map(ByteEdit::Truncate),
        (any::<usize>(), 1..=255_u8).prop_map(|(at, mask)| ByteEdit::Xor(at, mask)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| ByteEdit::Insert(at, byte)),
    ]
}

/// A sample event with one to four edits, its text then changed in a
/// quarter of the cases.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    mutated_documents(seeds.iter().map(|text| seed(text)).collect())
}

/// One of `documents` edited as `mutated` edits a sample event.
fn mutated_documents(documents: Vec<Value>) -> impl Strategy<Value = Vec<u8>> {
    let byte_edits = prop_oneof![
        3 => Just(Vec::new()),
        1 => vec(byte_edit(), 1..3),
    ];
    (select(documents), vec(edit(), 1..5), byte_edits)
        .prop_map(|(document, edits, byte_edits)| apply(document, &edits, &byte_edits))
}

/// Stands for a raw token until the document is serialized.
const RAW_MARK: &str = "__lambda_fn_fuzz_raw_token__";

/// JSON pointers to every node, in document order.
fn pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: &mut String, out: &mut Vec<String>) {
        out.push(at.clone());
        let mut visit = |segment: &str, child: &Value| {
            let len = at.len();
            at.push('/');
            at.push_str(&segment.replace('~', "~0").replace('/', "~1"));
            walk(child, at, out);
            at.truncate(len);
        };
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    visit(&index.to_string(), item);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    visit(key, member);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

fn apply(mut document: Value, edits: &[Edit], byte_edits: &[ByteEdit]) -> Vec<u8> {
    let mut raw = Vec::new();
    for edit in edits {
        let all = pointers(&document);
        match edit {
            Edit::Replace(at, value) => {
                let pointer = &all[at % all.len()];
                *document.pointer_mut(pointer).expect("a node") = value.clone();
            }
            Edit::Raw(at, token) => {
                let pointer = &all[at % all.len()];
                *document.pointer_mut(pointer).expect("a node") =
                    Value::String(format!("{RAW_MARK}{}", raw.len()));
                raw.push(token.clone());
            }
            Edit::Remove(at) => {
                // Any node but the root.
                if all.len() < 2 {
                    continue;
                }
                let pointer = &all[1 + at % (all.len() - 1)];
                let (parent, last) = pointer.rsplit_once('/').expect("not the root");
                let last = last.replace("~1", "/").replace("~0", "~");
                match document.pointer_mut(parent).expect("a node") {
                    Value::Object(members) => {
                        members.remove(&last);
                    }
                    Value::Array(items) => {
                        items.remove(last.parse::<usize>().expect("an index"));
                    }
                    _ => unreachable!("a parent is a container"),
                }
            }
            Edit::Insert(at, key, value) => {
                let containers: Vec<&String> = all
                    .iter()
                    .filter(|pointer| {
                        document
                            .pointer(pointer)
                            .is_some_and(|node| node.is_object() || node.is_array())
                    })
                    .collect();
                if containers.is_empty() {
                    continue;
                }
                let pointer = containers[at % containers.len()].clone();
                match document.pointer_mut(&pointer).expect("a node") {
                    Value::Object(members) => {
                        members.insert(key.clone(), value.clone());
                    }
                    Value::Array(items) => items.push(value.clone()),
                    _ => unreachable!("filtered to containers"),
                }
            }
        }
    }
    let mut text = serde_json::to_string(&document).expect("a Value serializes");
    for (index, token) in raw.iter().enumerate() {
        text = text.replace(&format!("\"{RAW_MARK}{index}\""), token);
    }
    let mut bytes = text.into_bytes();
    edit_bytes(&mut bytes, byte_edits);
    bytes
}

fn edit_bytes(bytes: &mut Vec<u8>, byte_edits: &[ByteEdit]) {
    for edit in byte_edits {
        match edit {
            ByteEdit::Truncate(at) => {
                let len = at % (bytes.len() + 1);
                bytes.truncate(len);
            }
            ByteEdit::Xor(at, mask) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
            ByteEdit::Insert(at, byte) => {
                let at = at % (bytes.len() + 1);
                bytes.insert(at, *byte);
            }
            ByteEdit::Xor(..) => {}
        }
    }
}

/// Standard base64 with padding, as Kinesis sends data (aws_lambda_events'
/// own encoding of it).
fn base64(bytes: &[u8]) -> Value {
    let mut data = Base64Data::default();
    data.extend_from_slice(bytes);
    serde_json::to_value(data).expect("base64 is a JSON string")
}

// ---------------------------------------------------------------------------
// Any input: never a panic, always a success or an `InvalidEvent`.

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes(event in vec(any::<u8>(), 0..2048)) {
        serve_everywhere(&event)?;
    }

    #[test]
    fn arbitrary_json(event in json_value()) {
        serve_everywhere(&serde_json::to_vec(&event).expect("a Value serializes"))?;
    }

    #[test]
    fn arbitrary_json_inside_envelope(records in vec(json_value(), 0..4), wrap in 0..12_u8) {
        // Arbitrary JSON where each envelope expects its records.
        let event = match wrap {
            0 => json!({ "Records": records }),
            1 => json!({ "Records": records, "detail-type": "Scheduled Event", "detail": records.first() }),
            2 => json!({ "requestContext": records.first(), "headers": records.get(1), "body": records.get(2) }),
            3 => json!({ "records": { "orders-0": records } }),
            4 => json!({ "records": records, "invocationId": "i" }),
            5 => json!({ "messages": records }),
            6 => json!({ "rmqMessagesByQueue": { "test::/": records } }),
            7 => json!({
                "messageVersion": "1.0",
                "actionGroup": "g",
                "function": records.first(),
                "parameters": records.get(1),
                "requestBody": { "content": { "application/json": records.get(2) } },
                "sessionAttributes": records.get(3),
            }),
            8 => json!({
                "type": "TOKEN",
                "methodArn": records.first(),
                "authorizationToken": records.get(1),
                "headers": records.get(2),
                "identitySource": records.get(3),
            }),
            9 => json!({
                "version": "1",
                "triggerSource": "PreSignUp_SignUp",
                "callerContext": records.first(),
                "request": records.get(1),
                "response": records.get(2),
                "userName": records.get(3),
            }),
            10 => json!({
                "RequestType": "Create",
                "RequestId": "r",
                "ResponseURL": "http://127.0.0.1:9/cr-response-key",
                "StackId": "s",
                "LogicalResourceId": "L",
                "ResourceType": "Custom::T",
                "ResourceProperties": records.first(),
                "OldResourceProperties": records.get(1),
                "PhysicalResourceId": records.get(2),
                "ServiceToken": records.get(3),
            }),
            _ => json!({
                "invocationSchemaVersion": "2.0",
                "invocationId": "i",
                "job": { "id": "j" },
                "tasks": records,
            }),
        };
        serve_everywhere(&serde_json::to_vec(&event).expect("a Value serializes"))?;
    }
}

// ---------------------------------------------------------------------------
// The sample events, mutated (the property `mutated_samples` of each row's
// module, above) and edited node by node.

/// Odd JSON to put in place of a node: a value of each type a field may
/// not expect, and JSON text that no `Value` serializes to.
const ODD_VALUES: &[&str] = &[
    "null",
    "false",
    "-1",
    "1.5",
    "[1]",
    "{}",
    "1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "0.1234567890123456",
    "{\"a\": 1, \"a\": 2}",
    "\"\"",
    "\"\\ud800\"",
    "\"a b\"",
    "\"%zz\"",
    "\"?#\"",
    "\"x\\r\\ny\"",
    "\"not a date\"",
    "\"é😀\"",
    "\"====\"",
    "\"0.1234567890123456\"",
];

/// Each node of each sample event of `row`, in turn, replaced by each odd
/// value or removed, and served by the handlers of `row`. Every problem
/// is listed, panics included, not only the first.
fn every_node(row: &'static Row) {
    let documents = row.seeds.iter().map(|text| seed(text)).collect();
    every_node_of(row, documents, |event| event);
}

/// `every_node` of `documents`, each edited document served as
/// `wrap(document)`.
fn every_node_of(row: &'static Row, documents: Vec<Value>, wrap: fn(Vec<u8>) -> Vec<u8>) {
    let problems = block_on(async {
        let mut problems: Vec<String> = Vec::new();
        for document in documents {
            for at in 0..pointers(&document).len() {
                let mut edits: Vec<Edit> = ODD_VALUES
                    .iter()
                    .map(|token| Edit::Raw(at, (*token).to_owned()))
                    .collect();
                if at > 0 {
                    edits.push(Edit::Remove(at - 1));
                }
                for edit in edits {
                    let event = apply(document.clone(), std::slice::from_ref(&edit), &[]);
                    let Some(problem) = problem(row, &wrap(event.clone())).await else {
                        continue;
                    };
                    if !problems.iter().any(|known| known.starts_with(&problem)) {
                        problems.push(format!(
                            "{problem}\n    event: {}",
                            String::from_utf8_lossy(&event)
                        ));
                    }
                }
            }
        }
        problems
    });
    assert!(
        problems.is_empty(),
        "{} distinct problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Each sample event, unchanged, through every handler of every trigger.
#[test]
fn every_sample_event_everywhere() {
    for row in TRIGGERS {
        for text in row.seeds {
            serve_everywhere(text.as_bytes()).unwrap_or_else(|err| panic!("{err}: {text}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Well-formed envelopes with arbitrary record bodies: the exact answer.

/// A record body: an order, other JSON, any text, or none at all.
#[derive(Clone, Debug)]
enum Body {
    Order(u64, f64),
    Json(Value),
    Text(String),
    Bytes(Vec<u8>),
    Missing,
}

impl Body {
    fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Body::Order(id, amount) => Some(
                json!({ "id": id, "amount": amount, "note": "extra fields are ignored" })
                    .to_string()
                    .into_bytes(),
            ),
            Body::Json(value) => Some(value.to_string().into_bytes()),
            Body::Text(text) => Some(text.clone().into_bytes()),
            Body::Bytes(bytes) => Some(bytes.clone()),
            Body::Missing => None,
        }
    }

    /// As text, for the triggers whose bodies are JSON strings.
    fn text(&self) -> Option<String> {
        self.bytes()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn body(binary: bool, missing: bool) -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => (any::<u64>(), finite()).prop_map(|(id, amount)| Body::Order(id, amount)),
        2 => json_value().prop_map(Body::Json),
        2 => text().prop_map(Body::Text),
        u32::from(binary) => vec(any::<u8>(), 0..64).prop_map(Body::Bytes),
        u32::from(missing) => Just(Body::Missing),
    ]
}

/// Whether each record decodes, and its id: the expected answer of a batch
/// trigger. Unordered, exactly the records that do not decode fail; in
/// order, the first of them and every later record. A failed record
/// without an id fails the whole invocation.
fn expected_batch(
    decodes: &[bool],
    ids: &[Option<String>],
    in_order: bool,
) -> Result<Vec<String>, ()> {
    let first = decodes.iter().position(|ok| !ok);
    let failed = (0..decodes.len()).filter(|&i| match (in_order, first) {
        (true, Some(first)) => i >= first,
        (true, None) => false,
        (false, _) => !decodes[i],
    });
    failed.map(|i| ids[i].clone().ok_or(())).collect()
}

/// Checks a batch answer against the records that decode and their ids.
fn check_batch(
    served: &Served,
    decodes: &[bool],
    ids: &[Option<String>],
    in_order: bool,
) -> Result<(), TestCaseError> {
    let what = &served.what;
    let answer = check(what, &served.answer, Shape::Batch)?;
    match (expected_batch(decodes, ids, in_order), answer) {
        (Ok(expected), Some(answer)) => prop_assert_eq!(failed_ids(&answer), expected, "{}", what),
        (Err(()), None) => {
            let message = &served.answer.as_ref().expect_err("checked").error_message;
            prop_assert!(
                message.contains("failed and has no"),
                "{}: {}",
                what,
                message
            );
        }
        (expected, _) => {
            return Err(TestCaseError::fail(format!(
                "{what}: expected {expected:?}, got {:?}",
                served.answer
            )));
        }
    }
    Ok(())
}

/// The ids a batch answer names, in order.
fn failed_ids(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|failure| failure["itemIdentifier"].as_str().map(str::to_owned))
        .collect()
}

/// Serves `event` with every handler of trigger `name` and checks each
/// batch answer; `decodes(form)` says which records decode into `form`.
fn check_batches(
    name: &str,
    event: &[u8],
    ids: &[Option<String>],
    in_order: bool,
    decodes: impl Fn(Form) -> Vec<bool>,
) -> Result<(), TestCaseError> {
    for served in serve(name, event) {
        check_batch(&served, &decodes(served.form), ids, in_order)?;
    }
    Ok(())
}

/// Checks the answer of a trigger without a batch protocol: `null` when
/// every record decodes, else `InvalidEvent` naming each record that did
/// not (and counting them, when there are several).
fn check_all_or_nothing(
    served: &Served,
    decodes: &[bool],
    names: &[String],
) -> Result<(), TestCaseError> {
    let what = &served.what;
    check(what, &served.answer, Shape::Null)?;
    let failed: Vec<usize> = (0..decodes.len()).filter(|&i| !decodes[i]).collect();
    match &served.answer {
        Ok(_) => prop_assert!(failed.is_empty(), "{}: {:?} did not decode", what, failed),
        Err(failure) => {
            prop_assert!(!failed.is_empty(), "{}: {:?}", what, failure);
            let message = &failure.error_message;
            if decodes.len() > 1 {
                let count = format!("{} of {} records failed: ", failed.len(), decodes.len());
                prop_assert!(message.starts_with(&count), "{}: {}", what, message);
            }
            for i in failed {
                let name = &names[i];
                prop_assert!(
                    message.contains(&format!("{name}: ")),
                    "{}: {} in {}",
                    what,
                    name,
                    message
                );
            }
        }
    }
    Ok(())
}

/// An envelope of `records`, each the first record of the sample event
/// `seed` edited by `edit(record, index, item)`.
fn envelope<R>(seed: &str, records: &[R], edit: impl Fn(&mut Value, usize, &R)) -> Vec<u8> {
    let template = self::seed(seed)["Records"][0].clone();
    let records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut record = template.clone();
            edit(&mut record, i, item);
            record
        })
        .collect();
    serde_json::to_vec(&json!({ "Records": records })).expect("JSON")
}

/// The id of each record, `name(i)`, but none where `no_id` is set.
fn ids<R>(
    records: &[R],
    no_id: impl Fn(&R) -> bool,
    name: impl Fn(usize) -> String,
) -> Vec<Option<String>> {
    records
        .iter()
        .enumerate()
        .map(|(i, record)| (!no_id(record)).then(|| name(i)))
        .collect()
}

fn order_decodes(body: &[u8]) -> bool {
    serde_json::from_slice::<Order>(body).is_ok()
}

fn utf8(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

fn json_value_decodes(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok()
}

proptest! {
    #![proptest_config(config(256))]

    /// SQS: `batchItemFailures` names exactly the messages whose body does
    /// not decode (from the first of them on, for a FIFO queue).
    #[test]
    fn sqs_reports_exactly_the_undecodable_messages(
        records in vec((body(false, true), prop::bool::weighted(0.1)), 0..12),
        fifo in any::<bool>(),
    ) {
        let arn = if fifo { "arn:aws:sqs:us-east-1:1:orders.fifo" } else { "arn:aws:sqs:us-east-1:1:orders" };
        let ids = ids(&records, |(_, no_id)| *no_id, |i| format!("m{i}"));
        let event = envelope(row("sqs").seeds[0], &records, |message, i, (body, _)| {
            message["messageId"] = json!(ids[i]);
            message["body"] = json!(body.text());
            message["eventSourceARN"] = json!(arn);
        });
        let bodies: Vec<Option<Vec<u8>>> = records.iter().map(|(body, _)| body.text().map(String::into_bytes)).collect();
        check_batches("sqs", &event, &ids, fifo, |form| bodies.iter().map(|body| form.decodes(body.as_deref())).collect())?;
    }

    /// Kinesis: in order, from the first record whose data does not decode.
    #[test]
    fn kinesis_reports_from_the_first_undecodable_record(
        records in vec((body(true, false), prop::bool::weighted(0.1)), 0..10),
    ) {
        let ids = ids(&records, |(_, no_id)| *no_id, |i| format!("4959{i:04}"));
        let data: Vec<Vec<u8>> = records.iter().map(|(body, _)| body.bytes().unwrap_or_default()).collect();
        let event = envelope(row("kinesis").seeds[0], &data, |record, i, data| {
            record["kinesis"]["data"] = base64(data);
            record["kinesis"]["sequenceNumber"] = json!(ids[i].clone().unwrap_or_default());
        });
        check_batches("kinesis", &event, &ids, true, |form| data.iter().map(|data| form.decodes(Some(data))).collect())?;
    }

    /// DynamoDB Streams: the payload is the new image, else the old one;
    /// a `DynamoDbRecord` decodes every image there is.
    #[test]
    fn dynamodb_reports_from_the_first_undecodable_record(
        records in vec((image(), image(), prop::bool::weighted(0.1)), 0..8),
    ) {
        let ids = ids(&records, |(_, _, no_id)| *no_id, |i| format!("3000{i:04}"));
        let event = envelope(row("dynamodb").seeds[0], &records, |record, i, (new, old, _)| {
            let change = record["dynamodb"].as_object_mut().expect("an object");
            change.remove("NewImage");
            change.remove("OldImage");
            if let Some(new) = new {
                change.insert("NewImage".to_owned(), new.json());
            }
            if let Some(old) = old {
                change.insert("OldImage".to_owned(), old.json());
            }
            match &ids[i] {
                Some(id) => change.insert("SequenceNumber".to_owned(), json!(id)),
                None => change.remove("SequenceNumber"),
            };
        });
        fn present(image: &Option<Image>) -> Option<&Image> {
            image.as_ref().filter(|image| !image.is_empty())
        }
        // The payload: the new image, else the old one; neither fails.
        let payload: Vec<Option<&Image>> = records.iter().map(|(new, old, _)| present(new).or(present(old))).collect();
        let order = payload.iter().map(|image| image.is_some_and(Image::is_order)).collect::<Vec<_>>();
        // Any image is JSON, unless a number is out of JSON's range.
        let value = payload.iter().map(|image| image.is_some_and(|image| !matches!(image, Image::Huge))).collect::<Vec<_>>();
        // The record: every image present decodes.
        let record = records
            .iter()
            .map(|(new, old, _)| [new, old].iter().all(|image| present(image).is_none_or(Image::is_order)))
            .collect::<Vec<_>>();
        check_batches("dynamodb", &event, &ids, true, |form| match form {
            Form::Order => order.clone(),
            Form::Value => value.clone(),
            Form::Wrapper => record.clone(),
            other => unreachable!("dynamodb has no {other:?} payload"),
        })?;
    }

    /// SNS: `null` when every message decodes, else `InvalidEvent` naming
    /// each message that did not.
    #[test]
    fn sns_fails_naming_every_undecodable_message(records in vec(body(false, false), 0..8)) {
        let event = envelope(row("sns").seeds[0], &records, |record, i, body| {
            record["Sns"]["MessageId"] = json!(format!("m{i}"));
            record["Sns"]["Message"] = json!(body.text());
        });
        let bodies: Vec<Vec<u8>> = records.iter().map(|body| body.text().unwrap_or_default().into_bytes()).collect();
        let names: Vec<String> = (0..records.len()).map(|i| format!("m{i}")).collect();
        for served in serve("sns", &event) {
            let decodes: Vec<bool> = bodies.iter().map(|body| served.form.decodes(Some(body))).collect();
            check_all_or_nothing(&served, &decodes, &names)?;
        }
    }

    /// S3: every key URL-decodes back to the key that was encoded, and the
    /// answer lists them in order; a key that does not decode, or a negative
    /// size, fails the invocation naming the object.
    #[test]
    fn s3_decodes_every_key_or_fails(objects in vec((s3_key(), prop::option::of(-2_i64..1_000_000)), 0..6)) {
        let event = envelope(row("s3").seeds[0], &objects, |record, _, (key, size)| {
            record["s3"]["object"]["key"] = json!(key.encoded());
            record["s3"]["object"]["size"] = json!(size);
        });
        let ok = objects.iter().all(|(key, size)| key.decoded().is_some() && size.is_none_or(|size| size >= 0));
        for served in serve("s3", &event) {
            match check(&served.what, &served.answer, Shape::Processed)? {
                Some(answer) => {
                    prop_assert!(ok, "{:?} answered {}", objects, answer);
                    let keys: Vec<String> = objects.iter().filter_map(|(key, _)| key.decoded()).collect();
                    prop_assert_eq!(answer, json!({ "processed": keys }), "{}", served.what);
                }
                None => {
                    prop_assert!(!ok, "{:?}", served);
                    let message = &served.answer.as_ref().expect_err("checked").error_message;
                    prop_assert!(message.contains("s3://acme-reports/"), "{}", message);
                }
            }
        }
    }

    /// EventBridge: `null` when the detail decodes, else `InvalidEvent` at
    /// `<id>: detail...`.
    #[test]
    fn eventbridge_answers_by_the_detail(detail in prop_oneof![
        (any::<u64>(), finite()).prop_map(|(id, amount)| json!({ "id": id, "amount": amount })),
        json_value(),
    ]) {
        let mut event = seed(row("eventbridge").seeds[0]);
        event["detail"] = detail.clone();
        let id = event["id"].as_str().expect("an id").to_owned();
        let event = serde_json::to_vec(&event).expect("JSON");
        let decodes = serde_json::from_value::<Order>(detail).is_ok();
        for served in serve("eventbridge", &event) {
            check_all_or_nothing(&served, &[decodes || served.form == Form::Value], std::slice::from_ref(&id))?;
            if let Err(failure) = &served.answer {
                let prefix = format!("{id}: detail");
                prop_assert!(failure.error_message.starts_with(&prefix), "{}: {}", served.what, failure.error_message);
            }
        }
    }

    /// Schedules: only a `Scheduled Event` with a time runs the handler.
    #[test]
    fn schedule_runs_only_scheduled_events(
        detail_type in prop_oneof![Just(crate::schedule::DETAIL_TYPE.to_owned()), any::<String>()],
        time in prop_oneof![
            Just(Some(json!("2025-11-27T08:00:00Z"))),
            Just(None),
            Just(Some(Value::Null)),
            "[a-z ]{0,12}".prop_map(|garbage| Some(json!(garbage))),
            number().prop_map(Some),
        ],
    ) {
        let mut event = seed(row("schedule").seeds[0]);
        event["detail-type"] = json!(detail_type);
        let envelope = event.as_object_mut().expect("an object");
        match &time {
            Some(time) => envelope.insert("time".to_owned(), time.clone()),
            None => envelope.remove("time"),
        };
        let event = serde_json::to_vec(&event).expect("JSON");
        let scheduled = detail_type == crate::schedule::DETAIL_TYPE
            && time.as_ref().is_some_and(|time| time == "2025-11-27T08:00:00Z");
        for served in serve("schedule", &event) {
            check(&served.what, &served.answer, Shape::Null)?;
            prop_assert_eq!(served.answer.is_ok(), scheduled, "{:?}", served);
        }
    }

    /// HTTP: a JSON body that decodes answers 200, any other body 400,
    /// whether it came as text or base64.
    #[test]
    fn http_answers_400_for_a_body_that_does_not_decode(
        body in body(false, false),
        door in 0..row("http").seeds.len(),
        encoded in any::<bool>(),
    ) {
        let mut event = seed(row("http").seeds[door]);
        let text = body.text().unwrap_or_default();
        event["body"] = if encoded { base64(text.as_bytes()) } else { json!(text) };
        event["isBase64Encoded"] = json!(encoded);
        let event = serde_json::to_vec(&event).expect("JSON");
        let status = if order_decodes(text.as_bytes()) { 200 } else { 400 };
        let served = serve("http", &event);
        let served = served.iter().find(|served| served.form == Form::Order).expect("a handler of the body");
        let answer = check(&served.what, &served.answer, served.shape)?.expect("a sample event decodes");
        prop_assert_eq!(&answer["statusCode"], &json!(status), "{}", answer);
    }
}

/// A DynamoDB image, in attribute-value JSON.
#[derive(Clone, Debug)]
enum Image {
    /// `{"id": {"N": ..}, "amount": {"N": ..}}`: decodes into `Order`.
    Order(u64, i32, u8),
    /// The id as a string.
    TextId(String),
    /// A negative id.
    NegativeId(i64),
    /// No amount.
    NoAmount(u64),
    /// A number out of the range of a JSON number.
    Huge,
    /// `{}`: no image at all.
    Empty,
}

impl Image {
    fn json(&self) -> Value {
        match self {
            Image::Order(id, whole, cents) => json!({
                "id": { "N": id.to_string() },
                "amount": { "N": format!("{whole}.{cents:02}") },
                "status": { "S": "new" },
            }),
            Image::TextId(id) => json!({ "id": { "S": id }, "amount": { "N": "1" } }),
            Image::NegativeId(id) => {
                json!({ "id": { "N": id.to_string() }, "amount": { "N": "1" } })
            }
            Image::NoAmount(id) => json!({ "id": { "N": id.to_string() } }),
            Image::Huge => json!({ "id": { "N": "1" }, "amount": { "N": "1e400" } }),
            Image::Empty => json!({}),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Image::Empty)
    }

    fn is_order(&self) -> bool {
        matches!(self, Image::Order(..))
    }
}

fn image() -> impl Strategy<Value = Option<Image>> {
    prop::option::weighted(
        0.8,
        prop_oneof![
            4 => (any::<u64>(), any::<i32>(), 0..100_u8).prop_map(|(id, whole, cents)| Image::Order(id, whole, cents)),
            1 => text().prop_map(Image::TextId),
            1 => (i64::MIN..0).prop_map(Image::NegativeId),
            1 => any::<u64>().prop_map(Image::NoAmount),
            1 => Just(Image::Huge),
            1 => Just(Image::Empty),
        ],
    )
}

/// An S3 object key as S3 writes it in a notification.
#[derive(Clone, Debug)]
enum S3Key {
    /// `key` form-encoded, each character written literally or escaped as
    /// `choices` says.
    Encoded { key: String, choices: u64 },
    /// `key` followed by a `%` that is not an escape.
    Malformed(String),
    /// An escape of bytes that are not UTF-8.
    NotUtf8(String),
}

impl S3Key {
    fn encoded(&self) -> String {
        match self {
            S3Key::Encoded { key, choices } => {
                let mut out = String::new();
                for (i, c) in key.chars().enumerate() {
                    let escape = choices >> (i % 64) & 1 == 1;
                    let lower = choices >> ((i + 7) % 64) & 1 == 1;
                    if c == ' ' && !escape {
                        out.push('+');
                    } else if !escape && c != '+' && c != '%' {
                        out.push(c);
                    } else {
                        let mut buffer = [0; 4];
                        for byte in c.encode_utf8(&mut buffer).bytes() {
                            if lower {
                                out.push_str(&format!("%{byte:02x}"));
                            } else {
                                out.push_str(&format!("%{byte:02X}"));
                            }
                        }
                    }
                }
                out
            }
            S3Key::Malformed(key) => format!("{key}%g"),
            S3Key::NotUtf8(key) => format!("{key}%FF"),
        }
    }

    fn decoded(&self) -> Option<String> {
        match self {
            S3Key::Encoded { key, .. } => Some(key.clone()),
            _ => None,
        }
    }
}

fn s3_key() -> impl Strategy<Value = S3Key> {
    prop_oneof![
        6 => (text(), any::<u64>()).prop_map(|(key, choices)| S3Key::Encoded { key, choices }),
        1 => "[a-z/%+]{0,8}".prop_map(S3Key::Malformed),
        1 => "[a-z/]{0,8}".prop_map(S3Key::NotUtf8),
    ]
}

#[test]
fn mutations_cover_every_kind_of_edit() {
    // The mutator itself: a replaced node, a removed key, a raw token, a
    // cut and a changed byte each change the text as intended.
    let document = json!({ "a": [1, 2], "b": "x" });
    let all = pointers(&document);
    assert_eq!(all, ["", "/a", "/a/0", "/a/1", "/b"]);
    let at = |i: usize| i;
    let out = apply(document.clone(), &[Edit::Remove(at(2))], &[]);
    assert_eq!(out, br#"{"a":[1],"b":"x"}"#);
    let out = apply(
        document.clone(),
        &[Edit::Raw(at(4), "1e400".to_owned())],
        &[],
    );
    assert_eq!(out, br#"{"a":[1,2],"b":1e400}"#);
    let out = apply(
        document.clone(),
        &[Edit::Replace(at(2), json!(null))],
        &[ByteEdit::Truncate(at(0))],
    );
    assert!(out.is_empty());
    let out = apply(
        document,
        &[Edit::Insert(at(0), "c".to_owned(), json!(true))],
        &[],
    );
    assert_eq!(out, br#"{"a":[1,2],"b":"x","c":true}"#);
}

/// Events that made a decoder panic (found by the properties above), each
/// to be answered like any other: minimal reproducers.
#[test]
fn events_that_panicked_a_decoder() {
    let cases = [
        // aws_lambda_events' `SecondTimestamp`: `frac * 1_000_000` overflows
        // for a float with 14 to 19 decimals (debug builds).
        (
            "kinesis",
            r#"{"Records":[{"kinesis":{"approximateArrivalTimestamp":0.12345678901234568,"data":"","partitionKey":"p","sequenceNumber":"1"}}]}"#,
        ),
        // lambda_http's `build_request_uri`: `Url::parse(..).unwrap()` on a
        // `Host` that is not a host...
        (
            "http",
            r#"{"version":"2.0","rawPath":"/","headers":{"host":"a b"},"requestContext":{"http":{"method":"GET"}},"isBase64Encoded":false}"#,
        ),
        // ... or an empty `X-Forwarded-Proto`;
        (
            "http",
            r#"{"httpMethod":"GET","path":"/","headers":{"host":"h","x-forwarded-proto":""},"requestContext":{"elb":{"targetGroupArn":"a"}},"isBase64Encoded":false}"#,
        ),
        // `Body::from_maybe_encoded`: a body marked base64 that is not;
        (
            "http",
            r#"{"version":"2.0","rawPath":"/","headers":{},"requestContext":{"http":{"method":"GET"}},"body":"{","isBase64Encoded":true}"#,
        ),
        // an empty list of query values;
        (
            "http",
            r#"{"resource":"/","path":"/","httpMethod":"GET","headers":{},"multiValueQueryStringParameters":{"a":[]},"requestContext":{"httpMethod":"GET","stage":"prod"},"isBase64Encoded":false}"#,
        ),
        // `.expect("failed to build request")`: a URI that is not one.
        (
            "http",
            r#"{"version":"2.0","rawPath":"/","rawQueryString":"a b","headers":{},"requestContext":{"http":{"method":"GET"}},"isBase64Encoded":false}"#,
        ),
        // aws_lambda_events' `MillisecondTimestamp`: `assert_eq!(frac, 0)`
        // for a timestamp with decimals, a Kafka record's...
        (
            "kafka",
            r#"{"records":{"t-0":[{"partition":0,"offset":1,"timestamp":1.5,"key":null,"value":null,"headers":[]}]}}"#,
        ),
        // ... or a Firehose record's.
        (
            "firehose",
            r#"{"records":[{"recordId":"r","approximateArrivalTimestamp":1.5,"data":""}]}"#,
        ),
    ];
    let problems: Vec<String> = block_on(async {
        let mut problems = Vec::new();
        for (name, event) in cases {
            if let Some(problem) = problem(row(name), event.as_bytes()).await {
                problems.push(format!("{name} {event}\n    {problem}"));
            }
        }
        problems
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Kafka, Amazon MQ, CloudWatch Logs, Firehose, S3 Batch Operations:
// well-formed envelopes with arbitrary records, and CloudWatch Logs' own
// decoder (base64, then gzip) over any input.

/// Standard base64, and strings that look like it but may not be: without
/// padding, in the URL-safe alphabet, of its characters in any order.
fn base64ish() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..24).prop_map(|bytes| STANDARD.encode(bytes)),
        1 => vec(any::<u8>(), 1..24).prop_map(|bytes| STANDARD_NO_PAD.encode(bytes)),
        1 => vec(any::<u8>(), 1..24).prop_map(|bytes| URL_SAFE.encode(bytes)),
        2 => "[A-Za-z0-9+/=]{0,16}",
        1 => text(),
    ]
}

/// A base64 field of a record: a Kafka value or key, an MQ message's data.
#[derive(Clone, Debug)]
enum Encoded {
    /// The base64 of a body.
    Body(Body),
    /// Any string, base64 or not.
    Raw(String),
    /// `null`.
    Null,
    /// No field at all.
    Missing,
}

impl Encoded {
    /// Sets `field` of `object` to it, or removes the field.
    fn set(&self, object: &mut Value, field: &str) {
        let object = object.as_object_mut().expect("an object");
        let value = match self {
            Encoded::Body(body) => json!(STANDARD.encode(body.bytes().unwrap_or_default())),
            Encoded::Raw(text) => json!(text),
            Encoded::Null => Value::Null,
            Encoded::Missing => {
                object.remove(field);
                return;
            }
        };
        object.insert(field.to_owned(), value);
    }

    /// What it decodes to, `None` for a field that is not base64. A value
    /// or data that is not there is empty.
    fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Encoded::Body(body) => Some(body.bytes().unwrap_or_default()),
            Encoded::Raw(text) => STANDARD.decode(text).ok(),
            Encoded::Null | Encoded::Missing => Some(Vec::new()),
        }
    }

    /// A key: `None` when there is none, `Err` when it is not base64.
    fn key(&self) -> Result<Option<Vec<u8>>, ()> {
        match self {
            Encoded::Null | Encoded::Missing => Ok(None),
            other => other.bytes().map(Some).ok_or(()),
        }
    }

    /// Whether the payload of `form` decodes from it (a wrapper's, an
    /// `Order`, only when `rest` of the record decodes too).
    fn decodes(&self, form: Form, rest: bool) -> bool {
        self.bytes().is_some_and(|bytes| match form {
            Form::Wrapper => rest && order_decodes(&bytes),
            form => form.decodes(Some(&bytes)),
        })
    }
}

fn encoded() -> impl Strategy<Value = Encoded> {
    prop_oneof![
        4 => body(true, false).prop_map(Encoded::Body),
        2 => base64ish().prop_map(Encoded::Raw),
        1 => Just(Encoded::Null),
        1 => Just(Encoded::Missing),
    ]
}

/// A Kafka record: its value, its key and its headers (each entry of the
/// list an object of one header or more).
#[derive(Clone, Debug)]
struct KafkaInput {
    value: Encoded,
    key: Encoded,
    headers: Vec<BTreeMap<String, Vec<u8>>>,
}

fn kafka_record() -> impl Strategy<Value = KafkaInput> {
    let name = prop_oneof![3 => "[a-zA-Z-]{1,8}", 1 => text()];
    let entry = prop::collection::btree_map(name, vec(any::<u8>(), 0..8), 1..3);
    (encoded(), encoded(), vec(entry, 0..3)).prop_map(|(value, key, headers)| KafkaInput {
        value,
        key,
        headers,
    })
}

/// gzip of `bytes` at compression `level`.
fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::new(level));
    encoder.write_all(bytes).expect("writes to a Vec");
    encoder.finish().expect("writes to a Vec")
}

/// A CloudWatch Logs delivery of `document`, compressed and encoded.
fn logs_delivery(document: &[u8], level: u32) -> Vec<u8> {
    let data = STANDARD.encode(gzip(document, level));
    serde_json::to_vec(&json!({ "awslogs": { "data": data } })).expect("JSON")
}

/// The documents compressed inside the CloudWatch Logs samples.
fn logs_documents() -> Vec<Value> {
    let documents = row("cloudwatch_logs").seeds.iter().map(|text| {
        let data = seed(text)["awslogs"]["data"]
            .as_str()
            .expect("a delivery")
            .to_owned();
        let document = crate::cloudwatch_logs::expand(&data).expect("a sample expands");
        serde_json::from_slice(&document).expect("a sample's document is JSON")
    });
    documents.collect()
}

/// `cloudwatch_logs::expand` of `data`: what it expands to, or `None` when
/// it is refused with a reason (checked to say which step refused it).
fn expanded_or_refused(data: &str) -> Result<Option<Vec<u8>>, TestCaseError> {
    match crate::cloudwatch_logs::expand(data) {
        Ok(expanded) => Ok(Some(expanded)),
        Err(why) => {
            let known = ["not base64: ", "not gzip: ", "refused: "];
            prop_assert!(
                known.iter().any(|start| why.starts_with(start)),
                "{:?}",
                why
            );
            prop_assert!(why.len() > "not gzip: ".len(), "{:?}", why);
            Ok(None)
        }
    }
}

/// The object key of an S3 Batch Operations task: encoded as S3 writes
/// keys, or any string at all.
#[derive(Clone, Debug)]
enum TaskKey {
    Encoded(S3Key),
    Raw(String),
}

impl TaskKey {
    fn encoded(&self) -> String {
        match self {
            TaskKey::Encoded(key) => key.encoded(),
            TaskKey::Raw(key) => key.clone(),
        }
    }

    /// The key decoded; a raw key as S3's notifications' keys are, checked
    /// by `s3_decodes_every_key_or_fails`.
    fn decoded(&self) -> Option<String> {
        match self {
            TaskKey::Encoded(key) => key.decoded(),
            TaskKey::Raw(key) => crate::s3::decode_key(key).ok(),
        }
    }
}

/// Where a task names its bucket: `s3Bucket` (schema 2.0), `s3BucketArn`
/// (1.0), both, or neither.
#[derive(Clone, Debug)]
enum TaskBucket {
    Name(String),
    Arn(String),
    Both(String, String),
    Neither,
}

impl TaskBucket {
    fn set(&self, task: &mut Value) {
        let arn = |bucket: &str| json!(format!("arn:aws:s3:::{bucket}"));
        match self {
            TaskBucket::Name(bucket) => task["s3Bucket"] = json!(bucket),
            TaskBucket::Arn(bucket) => task["s3BucketArn"] = arn(bucket),
            TaskBucket::Both(bucket, other) => {
                task["s3Bucket"] = json!(bucket);
                task["s3BucketArn"] = arn(other);
            }
            TaskBucket::Neither => task["s3Bucket"] = Value::Null,
        }
    }

    /// The bucket the task is on: `s3Bucket` when there is one.
    fn bucket(&self) -> Option<&str> {
        match self {
            TaskBucket::Name(bucket) | TaskBucket::Arn(bucket) | TaskBucket::Both(bucket, _) => {
                Some(bucket)
            }
            TaskBucket::Neither => None,
        }
    }
}

fn task_bucket() -> impl Strategy<Value = TaskBucket> {
    let name = || "[a-z0-9.-]{1,12}";
    prop_oneof![
        3 => name().prop_map(TaskBucket::Name),
        2 => name().prop_map(TaskBucket::Arn),
        1 => (name(), name()).prop_map(|(bucket, other)| TaskBucket::Both(bucket, other)),
        1 => Just(TaskBucket::Neither),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    /// Kafka: per partition, in offset order, the first record that does
    /// not decode and every later record of its partition are reported, by
    /// partition and offset; nothing of a partition whose records all
    /// decode. The wrapper carries each record's key, headers and value as
    /// they were produced.
    #[test]
    fn kafka_reports_each_partition_from_its_first_undecodable_record(
        partitions in vec((select(&["orders", "my-topic", "é"][..]), vec(kafka_record(), 0..5)), 1..4),
        first in 0..1_000_000_000_i64,
        reversed in any::<bool>(),
    ) {
        // `<topic>-<n>`: distinct keys, not listed in their sorted order.
        let partitions: Vec<(String, &str, i64, &[KafkaInput])> = partitions
            .iter()
            .enumerate()
            .map(|(n, (topic, inputs))| (format!("{topic}-{n}"), *topic, n as i64, inputs.as_slice()))
            .collect();
        let offset = |j: usize| first + 2 * j as i64;
        let mut records = serde_json::Map::new();
        for (key, topic, partition, inputs) in &partitions {
            let mut listed: Vec<Value> = inputs.iter().enumerate().map(|(j, input)| {
                let headers: Vec<Value> = input.headers.iter().map(|entry| {
                    let signed = |bytes: &Vec<u8>| json!(bytes.iter().map(|&byte| byte as i8).collect::<Vec<_>>());
                    Value::Object(entry.iter().map(|(name, bytes)| (name.clone(), signed(bytes))).collect())
                }).collect();
                let mut record = json!({
                    "topic": topic,
                    "partition": partition,
                    "offset": offset(j),
                    "timestamp": 1_764_230_400_000_i64 + j as i64,
                    "timestampType": "CREATE_TIME",
                    "headers": headers,
                });
                input.value.set(&mut record, "value");
                input.key.set(&mut record, "key");
                record
            }).collect();
            if reversed {
                listed.reverse();
            }
            records.insert(key.clone(), Value::Array(listed));
        }
        let event = serde_json::to_vec(&json!({
            "eventSource": "aws:kafka",
            "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc",
            "bootstrapServers": "b-1.orders:9098",
            "records": records,
        })).expect("JSON");
        // The batch: partitions by key, each in offset order.
        let mut sorted = partitions.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for served in serve("kafka", &event) {
            let mut expected = Vec::new();
            for (key, _, _, inputs) in &sorted {
                let decodes = |input: &KafkaInput| input.value.decodes(served.form, input.key.key().is_ok());
                if let Some(from) = inputs.iter().position(|input| !decodes(input)) {
                    for j in from..inputs.len() {
                        expected.push(json!({ "itemIdentifier": { "partition": key, "offset": offset(j) } }));
                    }
                }
            }
            let answer = check(&served.what, &served.answer, Shape::KafkaBatch)?;
            prop_assert_eq!(answer, Some(json!({ "batchItemFailures": expected })), "{}", served.what);
        }
        // What the wrapper carries.
        let batch: crate::kafka::Batch = decode::from_slice(&event)
            .map_err(|failure| TestCaseError::fail(format!("{failure:?}")))?;
        let entries = <crate::kafka::Source as Trigger>::records(&batch);
        let inputs: Vec<_> = sorted
            .iter()
            .flat_map(|(_, topic, partition, inputs)| inputs.iter().enumerate().map(move |(j, input)| (*topic, *partition, j, input)))
            .collect();
        prop_assert_eq!(entries.len(), inputs.len());
        for (entry, (topic, partition, j, input)) in entries.iter().zip(inputs) {
            let record = <crate::kafka::Source as WithBody>::wrap(entry, decode::bytes)
                .map_err(Failure::into_diagnostic);
            match (input.key.key(), input.value.bytes(), record) {
                (Ok(key), Some(value), Ok(record)) => {
                    prop_assert_eq!((record.topic.as_str(), record.partition, record.offset), (topic, partition, offset(j)));
                    prop_assert_eq!(record.key, key);
                    prop_assert_eq!(record.value, value);
                    let headers: Vec<(String, Vec<u8>)> = input.headers.iter().flat_map(|entry| entry.clone()).collect();
                    prop_assert_eq!(record.headers, headers);
                }
                (Err(()), _, Err(failure)) => prop_assert!(failure.error_message.starts_with("key: not base64: "), "{:?}", failure),
                (Ok(_), None, Err(failure)) => prop_assert!(failure.error_message.starts_with("value: not base64: "), "{:?}", failure),
                (_, _, record) => return Err(TestCaseError::fail(format!("{input:?} became {record:?}"))),
            }
        }
    }

    /// Amazon MQ: `null` when every message's data decodes, else
    /// `InvalidEvent` naming each message that did not (by its id, else by
    /// its place), from ActiveMQ and RabbitMQ alike.
    #[test]
    fn mq_fails_naming_every_undecodable_message(
        messages in vec((encoded(), prop::bool::weighted(0.15), any::<i64>()), 0..8),
        rabbit in any::<bool>(),
    ) {
        let ids = ids(&messages, |(_, no_id, _)| *no_id, |i| format!("ID:m{i}"));
        let event = if rabbit {
            let template = &seed(fixture!("example-rabbitmq-event.json"))["rmqMessagesByQueue"]["test::/"][0];
            // Two queues, in their sorted order: the batch's order.
            let queue = |range: std::ops::Range<usize>| -> Vec<Value> {
                range.map(|i| {
                    let mut message = template.clone();
                    messages[i].0.set(&mut message, "data");
                    message["basicProperties"]["messageId"] = json!(ids[i]);
                    message
                }).collect()
            };
            let split = messages.len() / 2;
            json!({
                "eventSource": "aws:rmq",
                "rmqMessagesByQueue": { "a::/": queue(0..split), "b::orders": queue(split..messages.len()) },
            })
        } else {
            let template = &seed(fixture!("example-activemq-event.json"))["messages"][0];
            let listed: Vec<Value> = messages.iter().zip(&ids).map(|((data, _, timestamp), id)| {
                let mut message = template.clone();
                data.set(&mut message, "data");
                message["timestamp"] = json!(timestamp);
                match id {
                    Some(id) => message["messageID"] = json!(id),
                    None => message["messageID"] = json!(""),
                }
                message
            }).collect();
            json!({ "eventSource": "aws:mq", "messages": listed })
        };
        let event = serde_json::to_vec(&event).expect("JSON");
        let names: Vec<String> = ids.iter().enumerate().map(|(i, id)| match id {
            Some(id) => id.clone(),
            None if messages.len() == 1 => "the event".to_owned(),
            None => format!("record {i}"),
        }).collect();
        for served in serve("mq", &event) {
            let decodes: Vec<bool> = messages.iter().map(|(data, _, _)| data.decodes(served.form, true)).collect();
            check_all_or_nothing(&served, &decodes, &names)?;
        }
    }

    /// CloudWatch Logs: `null` when every log event's message decodes (and
    /// for a control message, whose events are not handled), else
    /// `InvalidEvent` naming each event that did not.
    #[test]
    fn cloudwatch_logs_fails_naming_every_undecodable_event(
        events in vec((body(false, false), any::<i64>()), 0..8),
        control in prop::bool::weighted(0.1),
        level in 0..10_u32,
    ) {
        let log_events: Vec<Value> = events.iter().enumerate().map(|(i, (message, timestamp))| {
            json!({ "id": format!("e{i}"), "timestamp": timestamp, "message": message.text() })
        }).collect();
        let document = json!({
            "messageType": if control { "CONTROL_MESSAGE" } else { "DATA_MESSAGE" },
            "owner": "123456789012",
            "logGroup": "/aws/lambda/orders",
            "logStream": "2026/12/03/[$LATEST]abc",
            "subscriptionFilters": ["errors"],
            "logEvents": log_events,
        });
        let event = logs_delivery(&serde_json::to_vec(&document).expect("JSON"), level);
        let names: Vec<String> = (0..events.len()).map(|i| format!("e{i}")).collect();
        for served in serve("cloudwatch_logs", &event) {
            let decodes: Vec<bool> = events
                .iter()
                .map(|(message, _)| control || served.form.decodes(message.text().as_deref().map(str::as_bytes)))
                .collect();
            check_all_or_nothing(&served, &decodes, &names)?;
        }
    }

    /// Firehose: one entry per record, in order: `Ok` with what the
    /// handler answered, `Dropped`, or `ProcessingFailed` with the original
    /// data for a record that does not decode, which never fails the
    /// invocation; only a record without an id to answer it by does.
    #[test]
    fn firehose_answers_every_record_in_order(records in vec((body(true, false), 0..40_u8), 0..8)) {
        let records: FirehoseRecords = records.iter().enumerate().map(|(i, (body, id))| {
            let id = match id {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("r{i}")),
            };
            (id, body.bytes().unwrap_or_default())
        }).collect();
        let template = &seed(row("firehose").seeds[1])["records"][0];
        let listed: Vec<Value> = records.iter().map(|(id, data)| {
            let mut record = template.clone();
            record["data"] = base64(data);
            match id {
                Some(id) => record["recordId"] = json!(id),
                None => {
                    record.as_object_mut().expect("an object").remove("recordId");
                }
            }
            record
        }).collect();
        let event = serde_json::to_vec(&json!({
            "invocationId": "inv-1",
            "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs",
            "region": "us-east-1",
            "records": listed,
        })).expect("JSON");
        for served in serve("firehose", &event) {
            check(&served.what, &served.answer, served.shape)?;
            check_transforms(&served, Some(&records))?;
        }
    }

    /// S3 Batch Operations: a result per task, in order, whatever its key:
    /// `Succeeded` with what the handler answered for the decoded key,
    /// else `PermanentFailure` saying why (the key does not decode, the
    /// task names no bucket). A task never fails the invocation.
    #[test]
    fn s3_batch_answers_every_task(
        tasks in vec((text(), prop_oneof![
            4 => s3_key().prop_map(TaskKey::Encoded),
            1 => any::<String>().prop_map(TaskKey::Raw),
        ], task_bucket()), 0..6),
        version in select(&["1.0", "2.0"][..]),
    ) {
        let listed: Vec<Value> = tasks.iter().map(|(task_id, key, bucket)| {
            let mut task = json!({ "taskId": task_id, "s3Key": key.encoded(), "s3VersionId": null });
            bucket.set(&mut task);
            task
        }).collect();
        let event = serde_json::to_vec(&json!({
            "invocationSchemaVersion": version,
            "invocationId": "inv-1",
            "job": { "id": "job-1", "userArguments": { "tag": "archived" } },
            "tasks": listed,
        })).expect("JSON");
        let expected = ExpectedTasks {
            version: version.to_owned(),
            invocation_id: "inv-1".to_owned(),
            tasks: tasks.iter().map(|(task_id, key, bucket)| {
                let expected = match (bucket.bucket(), key.decoded()) {
                    (None, _) => Err("InvalidEvent: the task names no bucket"),
                    (Some(_), None) => Err("InvalidEvent: s3Key: "),
                    (Some(bucket), Some(key)) => Ok((bucket.to_owned(), key)),
                };
                (task_id.clone(), expected)
            }).collect(),
        };
        for served in serve("s3_batch", &event) {
            check(&served.what, &served.answer, served.shape)?;
            check_tasks(&served, Some(&expected))?;
        }
    }

    /// The documents inside the CloudWatch Logs samples mutated, then
    /// compressed again.
    #[test]
    fn mutated_logs_documents(document in mutated_documents(logs_documents())) {
        block_on(serve_row(row("cloudwatch_logs"), &logs_delivery(&document, 6)))?;
    }
}

/// A parameter or request body property as an agent fills it in, and
/// what it is given as: without a type now and then.
fn agent_parameter() -> impl Strategy<Value = (Value, crate::bedrock_agent::Parameter)> {
    const KINDS: &[&str] = &["string", "number", "integer", "boolean", "array"];
    let kind = prop::option::weighted(
        0.9,
        prop_oneof![4 => select(KINDS).prop_map(str::to_owned), 1 => text()],
    );
    (text(), kind, text()).prop_map(|(name, kind, value)| {
        let mut json = json!({ "name": name, "value": value });
        if let Some(kind) = &kind {
            json["type"] = json!(kind);
        }
        let kind = kind.unwrap_or_default();
        (json, crate::bedrock_agent::Parameter { name, kind, value })
    })
}

/// A well-formed call of an action, and what it should be answered: a
/// function (which may name an API operation too: the function is called)
/// or an API operation, parameters, a request body of any number of
/// content types, session attributes and the agent, each left out now and
/// then.
fn agent_call() -> impl Strategy<Value = (Value, ExpectedAction)> {
    use crate::bedrock_agent::{AgentAction, AgentInfo, Target};
    let method = prop_oneof![
        3 => select(&["GET", "POST", "PUT", "DELETE"][..]).prop_map(str::to_owned),
        1 => text(),
    ];
    let target = prop_oneof![
        2 => (text(), any::<bool>()).prop_map(|(function, also)| (Target::Function(function), also)),
        2 => (text(), method).prop_map(|(path, method)| (Target::Api { path, method }, false)),
    ];
    let content_type = prop_oneof![
        3 => Just("application/json".to_owned()),
        1 => text(),
    ];
    let request_body = prop::option::weighted(
        0.4,
        prop::collection::btree_map(content_type, vec(agent_parameter(), 0..3), 0..3),
    );
    let attributes = || prop::collection::hash_map(key(), text(), 0..4);
    let agent = prop::option::weighted(0.8, (text(), text(), text(), text()));
    let texts = (prop::option::of(text()), prop::option::of(text()));
    (
        (
            prop_oneof![3 => Just("1.0".to_owned()), 1 => text()],
            text(),
            target,
        ),
        (vec(agent_parameter(), 0..5), request_body),
        (attributes(), attributes(), agent, texts, any::<bool>()),
    )
        .prop_map(
            |(
                (version, group, (target, also_api)),
                (parameters, request_body),
                (session, prompt, agent, (input, session_id), omit_empty),
            )| {
                let mut call = json!({ "messageVersion": version, "actionGroup": group });
                match &target {
                    Target::Function(function) => {
                        call["function"] = json!(function);
                        if also_api {
                            call["apiPath"] = json!("/orders/{orderId}");
                            call["httpMethod"] = json!("GET");
                        }
                    }
                    Target::Api { path, method } => {
                        call["apiPath"] = json!(path);
                        call["httpMethod"] = json!(method);
                    }
                }
                let (listed, parameters): (Vec<Value>, Vec<_>) = parameters.into_iter().unzip();
                if !(omit_empty && listed.is_empty()) {
                    call["parameters"] = json!(listed);
                }
                let request_body = request_body.map(|content| {
                    let json: serde_json::Map<String, Value> = content
                        .iter()
                        .map(|(kind, properties)| {
                            let listed: Vec<&Value> =
                                properties.iter().map(|(json, _)| json).collect();
                            (kind.clone(), json!({ "properties": listed }))
                        })
                        .collect();
                    call["requestBody"] = json!({ "content": json });
                    // The first content type, in sorted order.
                    let first = content.into_iter().next();
                    first.map(|(kind, properties)| {
                        (
                            kind,
                            properties
                                .into_iter()
                                .map(|(_, property)| property)
                                .collect(),
                        )
                    })
                });
                for (field, attributes) in [
                    ("sessionAttributes", &session),
                    ("promptSessionAttributes", &prompt),
                ] {
                    if !(omit_empty && attributes.is_empty()) {
                        call[field] = json!(attributes);
                    }
                }
                let agent = agent.map_or_else(AgentInfo::default, |(name, id, alias, version)| {
                    call["agent"] =
                        json!({ "name": name, "id": id, "alias": alias, "version": version });
                    AgentInfo {
                        name,
                        id,
                        alias,
                        version,
                    }
                });
                if let Some(input) = &input {
                    call["inputText"] = json!(input);
                }
                if let Some(session_id) = &session_id {
                    call["sessionId"] = json!(session_id);
                }
                let action = AgentAction {
                    action_group: group,
                    target,
                    parameters,
                    request_body: request_body.flatten(),
                    input_text: input.unwrap_or_default(),
                    session_id: session_id.unwrap_or_default(),
                    agent,
                    session_attributes: session,
                    prompt_session_attributes: prompt,
                };
                (
                    call,
                    ExpectedAction {
                        message_version: version,
                        action,
                    },
                )
            },
        )
}

proptest! {
    #![proptest_config(config(96))]

    /// Bedrock agents: every well-formed call is answered, exactly as
    /// `expected_answer` says, by every handler, the one that fails and the
    /// one that panics too: the action group, function or API operation and
    /// message version echoed, the handler given every parameter, property
    /// and attribute as the agent sent them, the session attributes merged.
    #[test]
    fn bedrock_agent_answers_every_action((call, expected) in agent_call()) {
        let event = serde_json::to_vec(&call).expect("JSON");
        for served in serve("bedrock_agent", &event) {
            check(&served.what, &served.answer, served.shape)?;
            check_action(&served, Some(&expected))?;
        }
        // The event as the trigger's oracle reads it: the same action.
        let read = expected_action(&event).expect("an action");
        prop_assert_eq!(read.message_version, expected.message_version);
        prop_assert_eq!(read.action, expected.action);
    }
}

/// `ActionResult::failure` of an API operation, without a status: 500,
/// as `ActionResult::with_http_status` says ("200 by default, 500 for a
/// failure"). Found by `bedrock_agent_answers_every_action`, when
/// `respond` answered 200.
#[test]
fn an_action_result_failure_is_a_500() {
    use crate::bedrock_agent::{ActionResult, AgentAction, Source};
    let event = br#"{"messageVersion":"1.0","actionGroup":"g","apiPath":"/p","httpMethod":"GET"}"#;
    let answer = block_on(answered::<Source, AgentAction, ActionResult<String>>(
        <Source as Fixed>::payload,
        |_| ActionResult::failure("no".to_owned()),
        |result| Source::unwrap(result, decode::from_text),
        1,
        event,
    ));
    let answer: Value = serde_json::from_slice(&answer.expect("answered")).expect("JSON");
    assert_eq!(answer["response"]["responseState"], "FAILURE", "{answer}");
    assert_eq!(answer["response"]["httpStatusCode"], 500, "{answer}");
}

/// What every token of `authorizer_request` ends with, which no other
/// strategy writes: where it shows, the token does.
const SECRET: &str = "#secret#";

/// Where `authorizer_request` puts the token.
#[derive(Clone, Copy, Debug)]
enum TokenAt {
    /// `authorizationToken` (a `TOKEN` authorizer's; a `REQUEST` one's
    /// identity sources, joined, for an HTTP API of payload 1.0).
    Field,
    /// An `Authorization` header, spelled so.
    Header(&'static str),
    /// Both.
    Both,
}

/// The members `authorizer_request` replaces by arbitrary JSON now and
/// then.
const AUTHORIZER_FIELDS: &[&str] = &[
    "type",
    "version",
    "authorizationToken",
    "methodArn",
    "routeArn",
    "identitySource",
    "headers",
    "queryStringParameters",
    "pathParameters",
    "stageVariables",
    "cookies",
    "requestContext",
    "rawPath",
];

/// An authorizer request as API Gateway sends one, or nearly: any `type`
/// (mostly `TOKEN` or `REQUEST`) and `version` (mostly `1.0`, `2.0` or a
/// WebSocket API's `$LATEST`), any token ending in `SECRET` (or none), sent
/// as `authorizationToken` and/or an `Authorization` header, after `Bearer `
/// or not, which the identity sources may repeat (as a list or, as payload
/// 1.0 has them, one string); any method ARN as `methodArn` or `routeArn`
/// (or none); any headers; and in a fifth of the cases one member replaced
/// by arbitrary JSON.
fn authorizer_request() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        6 => select(&["TOKEN", "REQUEST"][..]).prop_map(|kind| Some(json!(kind))),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    let version = prop_oneof![
        2 => Just(None),
        3 => select(&["1.0", "2.0", "$LATEST"][..]).prop_map(|version| Some(json!(version))),
        1 => json_value().prop_map(Some),
    ];
    let at = select(vec![
        TokenAt::Field,
        TokenAt::Header("Authorization"),
        TokenAt::Header("authorization"),
        TokenAt::Both,
    ]);
    let token = prop::option::weighted(0.85, (text(), any::<bool>(), at, 0..3_u8));
    let arn = prop_oneof![
        3 => "arn:aws:execute-api:[a-z0-9-]{1,12}:[0-9]{12}:[a-z0-9]{1,10}/[a-z$]{1,8}/(GET|POST|\\*)/[a-z/]{0,12}",
        1 => text(),
    ];
    let arn = prop::option::weighted(0.9, (arn, any::<bool>()));
    let headers = prop::collection::btree_map(key(), text(), 0..4);
    let broken = prop::option::weighted(0.2, (select(AUTHORIZER_FIELDS), json_value()));
    (kind, version, token, arn, headers, broken).prop_map(
        |(kind, version, token, arn, headers, broken)| {
            let mut event = serde_json::Map::new();
            let mut headers: serde_json::Map<String, Value> = headers
                .into_iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
                .map(|(name, value)| (name, json!(value)))
                .collect();
            if let Some(kind) = kind {
                event.insert("type".to_owned(), kind);
            }
            if let Some(version) = version {
                event.insert("version".to_owned(), version);
            }
            if let Some((text, bearer, at, sources)) = token {
                let token = format!("{text}{SECRET}");
                let sent = json!(if bearer {
                    format!("Bearer {token}")
                } else {
                    token
                });
                if let TokenAt::Field | TokenAt::Both = at {
                    event.insert("authorizationToken".to_owned(), sent.clone());
                }
                match at {
                    TokenAt::Header(name) => headers.insert(name.to_owned(), sent.clone()),
                    TokenAt::Both => headers.insert("Authorization".to_owned(), sent.clone()),
                    TokenAt::Field => None,
                };
                match sources {
                    1 => event.insert("identitySource".to_owned(), json!([sent])),
                    2 => event.insert("identitySource".to_owned(), sent),
                    _ => None,
                };
            }
            event.insert("headers".to_owned(), Value::Object(headers));
            if let Some((arn, route)) = arn {
                let key = if route { "routeArn" } else { "methodArn" };
                event.insert(key.to_owned(), json!(arn));
            }
            if let Some((field, value)) = broken {
                event.insert(field.to_owned(), value);
            }
            Value::Object(event)
        },
    )
}

/// Every trigger source of every Cognito user pool trigger.
const COGNITO_SOURCES: &[&str] = &[
    "PreSignUp_SignUp",
    "PreSignUp_AdminCreateUser",
    "PreSignUp_ExternalProvider",
    "PostConfirmation_ConfirmSignUp",
    "PostConfirmation_ConfirmForgotPassword",
    "PreAuthentication_Authentication",
    "PostAuthentication_Authentication",
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
    "CustomMessage_SignUp",
    "CustomMessage_ForgotPassword",
    "DefineAuthChallenge_Authentication",
    "CreateAuthChallenge_Authentication",
    "VerifyAuthChallengeResponse_Authentication",
    "UserMigration_Authentication",
];

proptest! {
    #![proptest_config(config(128))]

    /// Authorizers: any request is answered, by every handler, never with
    /// an invocation error: exactly as `expected_decision` says; an Allow
    /// only from a handler that allows, of a request that decodes; the
    /// policy on the event's ARN (`*` without one) but for the resources a
    /// handler allows; `isAuthorized`, saying the same, exactly for payload
    /// 2.0; and the token nowhere in the answer but in the context of the
    /// handler that puts it there.
    #[test]
    fn authorizer_answers_every_request(event in authorizer_request()) {
        let bytes = serde_json::to_vec(&event).expect("JSON");
        let decodes = expected_request(&event).is_some();
        let text = |key: &str| event.get(key).and_then(Value::as_str);
        let arn = text("methodArn").or_else(|| text("routeArn")).unwrap_or("*");
        let v2 = text("version") == Some("2.0");
        for served in serve("authorizer", &bytes) {
            let what = &served.what;
            let Shape::Decision(kind) = served.shape else {
                unreachable!("{what} does not decide")
            };
            check(what, &served.answer, served.shape)?;
            check_decision(&served, kind, Some(&event))?;
            let body = served.answer.as_ref().map_err(|failure| {
                TestCaseError::fail(format!("{what}: an invocation error: {failure:?}"))
            })?;
            let mut answer: Value = serde_json::from_slice(body).expect("checked to be JSON");
            let statement = &answer["policyDocument"]["Statement"][0];
            let allowed = statement["Effect"] == "Allow";
            prop_assert_eq!(allowed, kind.allows() && decodes, "{}: {}", what, answer);
            let resource = match kind {
                DecisionAnswer::Scoped if allowed => json!(scope(arn)),
                _ => json!([arn]),
            };
            prop_assert_eq!(&statement["Resource"], &resource, "{}", what);
            let is_authorized = v2.then(|| json!(allowed));
            prop_assert_eq!(answer.get("isAuthorized"), is_authorized.as_ref(), "{}", what);
            if kind == DecisionAnswer::EchoesToken
                && let Some(context) = answer.get_mut("context").and_then(Value::as_object_mut)
            {
                context.remove("token");
            }
            let shown = answer.to_string();
            prop_assert!(!shown.contains(SECRET), "{}: the token in {}", what, shown);
        }
    }

    /// Cognito: an event of any trigger source, with any user attributes,
    /// validation data, metadata, scopes and response, is answered by every
    /// handler as `expected_hook` says: the event with the handler's
    /// response when it is of the handler's hook, else `InvalidEvent`.
    #[test]
    fn cognito_answers_each_hook_its_events(
        source in prop_oneof![6 => select(COGNITO_SOURCES).prop_map(|s| json!(s)), 1 => json_value()],
        version in prop::option::of(select(&["1", "2", "3"][..])),
        attributes in prop::collection::btree_map(key(), text(), 0..4),
        validation in prop::option::of(prop::collection::btree_map(key(), text(), 0..3)),
        metadata in prop::option::of(prop::collection::btree_map(key(), text(), 0..3)),
        scopes in prop::option::of(vec(text(), 0..3)),
        response in json_value(),
    ) {
        let mut event = seed(row("cognito").seeds[0]);
        event["triggerSource"] = source;
        match version {
            Some(version) => event["version"] = json!(version),
            None => {
                event.as_object_mut().expect("an object").remove("version");
            }
        }
        let request = &mut event["request"];
        request["userAttributes"] = json!(attributes);
        request["validationData"] = json!(validation);
        request["clientMetadata"] = json!(metadata);
        if let Some(scopes) = scopes {
            request["scopes"] = json!(scopes);
        }
        event["response"] = response;
        block_on(serve_row(row("cognito"), &serde_json::to_vec(&event).expect("JSON")))?;
    }
}

/// A JSON array is not an authorizer request. serde decodes a struct from
/// an array too, member by member in its order (`type`,
/// `authorizationToken`, `methodArn`...), while the ARN the policy covers is
/// looked up among the event's members, and an array has none: before the
/// fix (found by `authorizer_answers_every_request`) such a request was
/// allowed on `*`, every method of every API.
#[test]
fn an_array_is_not_an_authorizer_request() {
    let event = br#"["TOKEN","allow-ada","arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders"]"#;
    let event_json: Value = serde_json::from_slice(event).expect("JSON");
    for served in serve("authorizer", event) {
        let Shape::Decision(kind) = served.shape else {
            unreachable!("{} does not decide", served.what)
        };
        check_decision(&served, kind, Some(&event_json)).unwrap_or_else(|err| panic!("{err}"));
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// `expand` of any text: what it expands to, or a reason.
    #[test]
    fn logs_data_of_any_text_expands_or_is_refused(data in prop_oneof![any::<String>(), base64ish()]) {
        expanded_or_refused(&data)?;
    }

    /// `expand` of any bytes in base64, after a gzip header or not.
    #[test]
    fn logs_data_of_any_bytes_expands_or_is_refused(bytes in vec(any::<u8>(), 0..512), header in any::<bool>()) {
        let mut data = if header { vec![0x1f, 0x8b, 8] } else { Vec::new() };
        data.extend(bytes);
        expanded_or_refused(&STANDARD.encode(data))?;
    }

    /// gzip of any bytes, at any level, expands back to the bytes; damaged,
    /// to the bytes still or to a reason; with a trailer that lies about its
    /// size, to a reason, before expanding anything when it says more than a
    /// delivery may hold.
    #[test]
    fn logs_data_expands_back_to_what_was_compressed(
        bytes in vec(any::<u8>(), 0..2048),
        level in 0..10_u32,
        damage in vec(byte_edit(), 0..3),
        claimed in prop::option::weighted(0.2, prop_oneof![any::<u32>(), (crate::cloudwatch_logs::MAX_EXPANDED as u32)..]),
    ) {
        let mut compressed = gzip(&bytes, level);
        prop_assert_eq!(crate::cloudwatch_logs::expand(&STANDARD.encode(&compressed)), Ok(bytes.clone()));
        if let Some(claimed) = claimed {
            let at = compressed.len() - 4;
            compressed[at..].copy_from_slice(&claimed.to_le_bytes());
        }
        edit_bytes(&mut compressed, &damage);
        let data = STANDARD.encode(&compressed);
        let expanded = expanded_or_refused(&data)?;
        if let Some(expanded) = &expanded {
            prop_assert_eq!(expanded, &bytes, "damaged by {:?}, claiming {:?}", damage, claimed);
        }
        // Only the trailer changed: refused exactly when it lies.
        if let (Some(claimed), true) = (claimed, damage.is_empty()) {
            let lies = claimed as usize != bytes.len();
            prop_assert_eq!(expanded.is_none(), lies, "claiming {}", claimed);
            if claimed as usize > crate::cloudwatch_logs::MAX_EXPANDED {
                let why = crate::cloudwatch_logs::expand(&data).expect_err("refused");
                let says = format!("refused: it says it expands to {claimed} bytes");
                prop_assert!(why.starts_with(&says), "{:?}", why);
            }
        }
    }
}

/// Each node of the documents inside the CloudWatch Logs samples replaced
/// or removed, compressed again.
#[test]
fn every_node_of_the_logs_documents() {
    let documents = logs_documents();
    every_node_of(row("cloudwatch_logs"), documents, |document| {
        logs_delivery(&document, 6)
    });
}

// ---------------------------------------------------------------------------
// CloudFormation custom resources: requests of every shape, with every kind
// of `ResponseURL`, their responses PUT to a loopback receiver (real TCP:
// few cases).

/// A `ResponseURL`: mostly an http(s) URL, to a loopback host or to S3
/// (which `point_here` points at the receiver), with a path and a query
/// signed with `SIGNATURE`; now and then with credentials, to an address
/// that is not loopback yet cannot leave the machine, of another scheme,
/// without a host, not a URL at all, not a string, or left out.
fn response_url() -> impl Strategy<Value = Option<Value>> {
    let scheme = prop_oneof![
        6 => Just("http://"),
        3 => Just("https://"),
        1 => select(&["HTTP://", "ftp://", "//", ""][..]),
    ];
    let credentials = prop_oneof![
        12 => Just(""),
        1 => select(&["user:pw@", "cr:fuzz-signature@"][..]),
    ];
    let host = select(
        &[
            "127.0.0.1",
            "127.0.0.1",
            "127.0.0.1",
            "127.0.0.1",
            "localhost",
            "localhost",
            "LocalHost",
            "[::1]",
            "127.8.9.10",
            "cr-response-bucket.s3.us-east-1.amazonaws.com",
            "cr-response-bucket.s3.us-east-1.amazonaws.com",
            "cr-response-bucket.s3.us-east-1.amazonaws.com",
            "10.0.0.1",
            "0.0.0.0",
            "[::]",
            "[::ffff:127.0.0.1]",
            "[::ffff:10.0.0.1]",
            "",
            "a b",
        ][..],
    );
    let port = prop_oneof![
        Just(String::new()),
        (1..=u16::MAX).prop_map(|port| format!(":{port}"))
    ];
    let path = "(/[A-Za-z0-9._~%-]{0,12}){0,3}";
    let query = prop::option::of("[a-zA-Z0-9=&%._-]{0,16}").prop_map(|query| {
        query.map_or_else(String::new, |query| {
            format!("?X-Amz-Signature={SIGNATURE}&{query}")
        })
    });
    let url = (scheme, credentials, host, port, path, query).prop_map(
        |(scheme, credentials, host, port, path, query)| {
            json!(format!("{scheme}{credentials}{host}{port}{path}{query}"))
        },
    );
    prop_oneof![
        20 => url.prop_map(Some),
        1 => text().prop_map(|text| Some(json!(text))),
        1 => json_value().prop_map(Some),
        1 => Just(None),
    ]
}

/// A member of a request: mostly `value`, now and then arbitrary JSON, or
/// left out.
fn member(value: impl Strategy<Value = String>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        24 => value.prop_map(|value| Some(json!(value))),
        1 => json_value().prop_map(Some),
        1 => Just(None),
    ]
}

/// Properties as CloudFormation sends them: strings (and `ServiceToken`).
fn resource_properties() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), text(), 0..4).prop_map(|properties| json!(properties))
}

/// A custom resource request as CloudFormation sends one, or nearly: any
/// request type (mostly `Create`, `Update` or `Delete`); ids of any text,
/// some long (around the 1 KB a physical id may have, or longer than a
/// response may be), some JSON would escape; a physical id or none (or an
/// empty one, or `null`); properties of strings, of any JSON, or of more
/// data than a response may carry; any `ResponseURL` (`response_url`); and
/// in a tenth of the cases a member more, of any JSON.
fn resource_event() -> impl Strategy<Value = Value> {
    let request_type = member(select(&["Create", "Update", "Delete"][..]).prop_map(str::to_owned));
    let request_id = member(prop_oneof![
        6 => "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        2 => text(),
        1 => "[a-z]{1010,1030}",
    ]);
    let stack_id = member(prop_oneof![
        8 => "arn:aws:cloudformation:us-east-1:[0-9]{12}:stack/[a-z-]{1,16}/[0-9a-f-]{36}",
        2 => text(),
        1 => "[a-z]{2100,4200}",
    ]);
    let logical_id = member(prop_oneof![
        6 => "[A-Za-z0-9]{1,24}",
        2 => text(),
        1 => Just(String::new()),
        1 => "[a-z]{1015,1030}",
        1 => "[\u{1}-\u{1f}\"\\\\]{1,300}",
    ]);
    let physical_id = prop_oneof![
        2 => Just(None),
        6 => "[a-z0-9-]{1,32}".prop_map(|id| Some(json!(id))),
        1 => Just(Some(json!(""))),
        1 => Just(Some(Value::Null)),
        1 => json_value().prop_map(Some),
        1 => "[a-z]{1015,1030}".prop_map(|id| Some(json!(id))),
        // What a failed Create was reported as.
        1 => "lambda-fn:create-failed:[a-z0-9-]{0,36}".prop_map(|id| Some(json!(id))),
    ];
    let resource_type = member("Custom::[A-Za-z]{1,12}");
    let service_token = prop_oneof![
        2 => Just(None),
        5 => "arn:aws:lambda:[a-z0-9-]{1,12}:[0-9]{12}:function:[a-z-]{1,16}".prop_map(|arn| Some(json!(arn))),
        1 => json_value().prop_map(Some),
    ];
    let properties = prop_oneof![
        1 => Just(None),
        6 => resource_properties().prop_map(Some),
        1 => json_value().prop_map(Some),
        1 => "[a-z]{3500,4500}".prop_map(|blob| Some(json!({ "Blob": blob }))),
    ];
    let old_properties = prop_oneof![
        3 => Just(None),
        3 => resource_properties().prop_map(Some),
        1 => json_value().prop_map(Some),
    ];
    let extra = prop::option::weighted(0.1, (key(), json_value()));
    (
        (request_type, request_id, stack_id, logical_id, physical_id),
        (resource_type, service_token, properties, old_properties),
        (response_url(), extra),
    )
        .prop_map(|(ids, resource, (url, extra))| {
            let (request_type, request_id, stack_id, logical_id, physical_id) = ids;
            let (resource_type, service_token, properties, old_properties) = resource;
            let mut event = serde_json::Map::new();
            for (key, value) in [
                ("RequestType", request_type),
                ("RequestId", request_id),
                ("StackId", stack_id),
                ("LogicalResourceId", logical_id),
                ("PhysicalResourceId", physical_id),
                ("ResourceType", resource_type),
                ("ServiceToken", service_token),
                ("ResourceProperties", properties),
                ("OldResourceProperties", old_properties),
                ("ResponseURL", url),
            ] {
                if let Some(value) = value {
                    event.insert(key.to_owned(), value);
                }
            }
            if let Some((key, value)) = extra {
                event.insert(key, value);
            }
            Value::Object(event)
        })
}

proptest! {
    #![proptest_config(config(64))]

    /// Custom resources: any request, with any `ResponseURL`, is answered
    /// by every handler as `check_resource` says: exactly one response
    /// document PUT to a URL that may be sent to, `SUCCESS` exactly when
    /// the request decodes and the handler answers a resource
    /// CloudFormation takes, echoing the event, never over the limit but
    /// for an event whose own fields fill it; and nothing sent, and
    /// `InvalidEvent`, for a URL that may not be.
    #[test]
    fn custom_resource_answers_every_request(event in resource_event()) {
        let bytes = serde_json::to_vec(&event).expect("JSON");
        block_on(serve_row(row("custom_resource"), &bytes))?;
    }

    /// Custom resources: a refused PUT (S3's 403 for an expired URL) is
    /// not tried again, and fails the invocation `ResponseNotDelivered`
    /// naming the URL's scheme, host and path, never its query (the
    /// signature).
    #[test]
    fn custom_resource_refusals_never_show_the_signature(
        host in select(&["127.0.0.1", "localhost"][..]),
        path in "(/[A-Za-z0-9._~%-]{0,12}){0,3}",
        query in "[a-zA-Z0-9=&%._-]{0,16}",
        sample in 0..row("custom_resource").seeds.len(),
    ) {
        let mut event = seed(row("custom_resource").seeds[sample]);
        event["ResponseURL"] = json!(format!("http://{host}{path}?X-Amz-Signature={SIGNATURE}&{query}"));
        let bytes = serde_json::to_vec(&event).expect("JSON");
        let served = block_on(serve_resources_with(
            row("custom_resource"),
            &bytes,
            &[ResourceAnswer::Describes],
            403,
        ));
        let [served] = &served[..] else {
            unreachable!("one handler")
        };
        let delivery = served.delivery.as_ref().expect("a delivery");
        prop_assert_eq!(delivery.puts.len(), 1, "{:?}: {:?}", delivery, served.answer);
        let failure = served.answer.as_ref().expect_err("refused");
        prop_assert_eq!(&failure.error_type, "ResponseNotDelivered");
        let sent: Value = serde_json::from_slice(&delivery.event).expect("JSON");
        let url = sent["ResponseURL"].as_str().expect("a URL");
        let (place, _) = url.split_once('?').expect("a query");
        // Scheme, host and path: `/` when the URL has none.
        let place = if place.matches('/').count() == 2 { format!("{place}/") } else { place.to_owned() };
        let message = &failure.error_message;
        let logical = event["LogicalResourceId"].as_str().expect("a logical id");
        prop_assert_eq!(
            message,
            &format!("the SUCCESS response for {logical} could not be sent to {place} after 1 attempt: the PUT was answered 403 Forbidden (AccessDenied: Request has expired)")
        );
    }
}

/// A `ResponseURL` with a query but no path
/// (`http://127.0.0.1:9?X-Amz-Signature=..`) is answered: its PUT's
/// request target is `/?X-Amz-Signature=..`. Found by
/// `custom_resource_refusals_never_show_the_signature`, whose PUT could not
/// be built, so that CloudFormation was never answered.
#[test]
fn a_response_url_without_a_path_is_answered() {
    let mut event = seed(fixture!(
        "example-cloudformation-custom-resource-create-request.json"
    ));
    event["ResponseURL"] = json!("http://127.0.0.1:9?X-Amz-Signature=fuzz-signature");
    let event = serde_json::to_vec(&event).expect("JSON");
    let served = block_on(serve_resources_with(
        row("custom_resource"),
        &event,
        &[ResourceAnswer::Describes],
        200,
    ));
    let delivery = served[0].delivery.as_ref().expect("a delivery");
    assert_eq!(
        delivery.puts.len(),
        1,
        "{delivery:?}: {:?}",
        served[0].answer
    );
}
