//! Fault injection at volume: the release builds of `sqs-orders` (a batch
//! trigger) and `guarded` (a whole event) served through the loopback
//! Runtime API with valid events mixed with undecodable events, wrong-shaped
//! envelopes, handler errors, panics, records that overrun short deadlines,
//! `410 Gone` answers to response posts, `/next` polls that fail with `500`
//! or lose their connection, and very large events. See `RELIABILITY.md`.
//!
//! Every check is on what Lambda and the invoker would see: each invocation
//! served is answered exactly once, with the expected answer or documented
//! `errorType`; each SQS batch answer lists exactly the messages the function
//! did not accept (read back from its own log); the process keeps serving;
//! no error message or log line carries a credential, and no log line at the
//! default level carries a payload.
//!
//! The default size runs in `cargo test` (and `.ci/run`); the full size
//! (20,000 mixed invocations, 100,000 for the memory check) is
//! `LAMBDA_FN_FAULTS=full cargo test --release -p lambda-fn-tests --test e2e_faults -- --nocapture`.
//! `LAMBDA_FN_FAULTS_SEED=<n>` replays one mix.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use lambda_fn::testing::{Answer, DeadlineHeader, Event, Function, PollFault, RuntimeApi};
use lambda_fn_tests::{accepted_orders, example_binary, send_signal};
use serde_json::{Value, json};

/// How much one run injects.
struct Size {
    /// Invocations of each of the two functions in the mixed runs.
    per_function: usize,
    /// The memory check: peak RSS after this many invocations ...
    rss_first: usize,
    /// ... against after this many.
    rss_total: usize,
}

fn size() -> Size {
    if std::env::var("LAMBDA_FN_FAULTS").as_deref() == Ok("full") {
        Size {
            per_function: 10_000,
            rss_first: 10_000,
            rss_total: 100_000,
        }
    } else {
        Size {
            per_function: 1_000,
            rss_first: 2_000,
            rss_total: 20_000,
        }
    }
}

/// Credentials in the function's environment, as Lambda sets them: none may
/// appear in an answer or a log line.
const SECRETS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "ASIAFAULTSUITE7Q2XKEY"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "fAuLtSuItE/secret+access/key/DoNotLeak0001",
    ),
    (
        "AWS_SESSION_TOKEN",
        "FaultSuiteSessionToken//DoNotLeak//0002",
    ),
];

/// Carried by every event: it must never reach a log line at the default
/// level.
const MARKER: &str = "payload-marker-5c0ffee";

/// The `errorType`s lambda-fn documents, plus the examples' own error types.
const DOCUMENTED: [&str; 7] = [
    "InvalidEvent",
    "Panic",
    "Timeout",
    "InitError",
    "InvalidResponse",
    "HandlerError",
    "GuardedError",
];

/// A small deterministic generator (xorshift64*), so a failing mix can be
/// replayed from its seed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Self {
        let seed = std::env::var("LAMBDA_FN_FAULTS_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(0x5eed_1a3b_dafe_0001_u64);
        eprintln!("fault mix seed: LAMBDA_FN_FAULTS_SEED={seed}");
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// What an invocation must be answered with.
#[derive(Debug)]
enum Expect {
    /// This JSON response.
    Response(Value),
    /// An error of this `errorType`.
    Error(&'static str),
    /// An `SqsBatchResponse` for these messages.
    Batch(Vec<Message>),
}

/// One SQS message of a scripted batch.
#[derive(Debug)]
struct Message {
    id: String,
    /// The order id in its body, when it has a valid one.
    order: Option<u64>,
    fate: Fate,
}

/// What must become of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Accepted: not listed in `batchItemFailures`.
    Succeeds,
    /// Listed in `batchItemFailures`.
    Fails,
    /// Either, depending on timing (a short deadline, or behind a failure
    /// in a FIFO batch): checked against the function's log instead.
    Either,
}

/// A scripted invocation and what it must be answered with.
struct Scripted {
    event: Event,
    expect: Expect,
    kind: &'static str,
}

/// What a run injected, by kind.
#[derive(Default)]
struct Tally {
    kinds: HashMap<&'static str, usize>,
    poll_faults: usize,
    gone: usize,
    largest_event: usize,
}

impl Tally {
    fn report(&self, name: &str) {
        let mut kinds: Vec<_> = self.kinds.iter().collect();
        kinds.sort();
        eprintln!(
            "{name}: {} invocations {kinds:?}, {} /next faults, {} answers refused 410 Gone, largest event {} bytes",
            self.kinds.values().sum::<usize>(),
            self.poll_faults,
            self.gone,
            self.largest_event
        );
    }
}

/// Serves `scripts` in windows (so large events are not all held at once),
/// with a `/next` fault before about 1 % of them and `410 Gone` for about
/// 3 % of the answers; checks every answer against its expectation and
/// returns the batches' answers for the log check.
async fn drive(
    api: &RuntimeApi,
    function: &mut Function,
    rng: &mut Rng,
    count: usize,
    mut script: impl FnMut(&mut Rng) -> Scripted,
) -> (Tally, Vec<(Vec<Message>, BTreeSet<String>)>) {
    const WINDOW: usize = 100;
    let mut tally = Tally::default();
    let mut batches = Vec::new();
    let mut fault = PollFault::ServerError;
    let mut done = 0;
    while done < count {
        let mut expected = HashMap::new();
        for _ in 0..WINDOW.min(count - done) {
            let mut scripted = script(rng);
            if rng.percent(3) {
                scripted.event = scripted.event.answered_gone();
                tally.gone += 1;
            }
            if rng.percent(1) {
                api.push_fault(fault);
                tally.poll_faults += 1;
                fault = match fault {
                    PollFault::ServerError => PollFault::DropConnection,
                    PollFault::DropConnection => PollFault::ServerError,
                };
            }
            *tally.kinds.entry(scripted.kind).or_default() += 1;
            tally.largest_event = tally.largest_event.max(scripted.event.body.len());
            expected.insert(
                scripted.event.request_id.clone(),
                (scripted.kind, scripted.expect),
            );
            api.push(scripted.event);
        }
        let window = expected.len();
        let give_up = Instant::now() + Duration::from_secs(60);
        while api.answer_count() < window {
            assert!(
                Instant::now() < give_up,
                "only {} of {window} invocations answered within 60 s; running: {}\n{}",
                api.answer_count(),
                function.is_running(),
                tail(&function.stderr())
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for answer in api.take_answers() {
            let id = answer
                .request_id
                .clone()
                .unwrap_or_else(|| panic!("an init error: {:?}", answer.outcome));
            let (kind, expect) = expected
                .remove(&id)
                .unwrap_or_else(|| panic!("{id} answered twice or never served"));
            if let Some(batch) = check(&answer, kind, expect) {
                batches.push(batch);
            }
        }
        assert!(expected.is_empty(), "unanswered: {:?}", expected.keys());
        done += window;
    }
    assert_eq!(
        api.unexpected_posts(),
        Vec::<String>::new(),
        "posts for invocations already answered or never served"
    );
    assert!(
        function.is_running(),
        "the function exited:\n{}",
        tail(&function.stderr())
    );
    (tally, batches)
}

/// Checks one answer; returns a batch's messages and listed failures.
fn check(answer: &Answer, kind: &str, expect: Expect) -> Option<(Vec<Message>, BTreeSet<String>)> {
    let id = answer.request_id.as_deref().unwrap_or("?");
    if let Err((error_type, message)) = &answer.outcome {
        assert!(
            DOCUMENTED.contains(&error_type.as_str()),
            "{id} ({kind}): undocumented errorType {error_type}: {message}"
        );
        assert!(!message.is_empty(), "{id} ({kind}): empty errorMessage");
        for (name, secret) in SECRETS {
            assert!(
                !message.contains(secret),
                "{id} ({kind}): the errorMessage carries {name}: {message}"
            );
        }
    }
    match expect {
        Expect::Response(value) => {
            assert_eq!(
                answer.outcome.as_ref().map(|_| answer.json()).ok(),
                Some(value),
                "{id} ({kind}): {:?}",
                answer.outcome
            );
            None
        }
        Expect::Error(error_type) => {
            assert_eq!(
                answer.error_type(),
                Some(error_type),
                "{id} ({kind}): {:?}",
                answer.outcome
            );
            None
        }
        Expect::Batch(messages) => {
            let body = answer.outcome.as_ref().unwrap_or_else(|err| {
                panic!("{id} ({kind}): a batch must be answered, not failed: {err:?}")
            });
            let response: Value = serde_json::from_slice(body).expect("JSON");
            let listed: Vec<String> = response["batchItemFailures"]
                .as_array()
                .unwrap_or_else(|| panic!("{id} ({kind}): not an SqsBatchResponse: {response}"))
                .iter()
                .map(|item| item["itemIdentifier"].as_str().unwrap().to_owned())
                .collect();
            let failed: BTreeSet<String> = listed.iter().cloned().collect();
            assert_eq!(failed.len(), listed.len(), "{id}: listed twice: {listed:?}");
            for message in &messages {
                let is_listed = failed.contains(&message.id);
                match message.fate {
                    Fate::Succeeds => assert!(!is_listed, "{id}: {} listed", message.id),
                    Fate::Fails => assert!(is_listed, "{id}: {} not listed", message.id),
                    Fate::Either => {}
                }
            }
            let known: BTreeSet<&String> = messages.iter().map(|m| &m.id).collect();
            assert!(
                failed.iter().all(|f| known.contains(f)),
                "{id}: lists a message not in the batch: {failed:?}"
            );
            Some((messages, failed))
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Checks the log of a whole run: no credential, and no payload at the
/// default level.
fn check_log(stderr: &str) {
    for (name, secret) in SECRETS {
        assert!(!stderr.contains(secret), "the log carries {name}");
    }
    let leaks: Vec<&str> = stderr.lines().filter(|l| l.contains(MARKER)).collect();
    assert!(
        leaks.is_empty(),
        "{} log lines carry a payload, e.g. {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(3)]
    );
}

fn spawn(api: &RuntimeApi, name: &str) -> Function {
    api.spawn(&example_binary(name), &SECRETS)
        .expect("the example starts")
}

fn deadline(rng: &mut Rng) -> DeadlineHeader {
    match rng.below(50) {
        0 => DeadlineHeader::Missing,
        1 => DeadlineHeader::Raw("600000".to_owned()),
        2 => DeadlineHeader::Raw("soon".to_owned()),
        _ => DeadlineHeader::In(Duration::from_secs(10)),
    }
}

/// Bytes that are not a JSON document.
fn undecodable(rng: &mut Rng) -> Vec<u8> {
    match rng.below(5) {
        0 => Vec::new(),
        1 => format!("{{\"action\": \"ok\", \"note\": \"{MARKER}").into_bytes(),
        2 => (0..rng.range(1, 300)).map(|_| rng.next() as u8).collect(),
        3 => format!("not json {MARKER}").into_bytes(),
        _ => vec![0xff, 0xfe, b'{', b'}'],
    }
}

// ---------------------------------------------------------------- guarded

const OK: fn() -> Value = || json!({ "ok": true, "init_runs": 1 });

/// A `guarded` command carrying the payload marker.
fn command(mut command: Value) -> Vec<u8> {
    command["note"] = MARKER.into();
    command.to_string().into_bytes()
}

/// One invocation of `guarded` (`{"action": ..., "ms": ...}`); `large`
/// allows events of up to 5.5 MB.
fn guarded_event(rng: &mut Rng, large: bool) -> Scripted {
    let ten_s = DeadlineHeader::In(Duration::from_secs(10));
    let (kind, body, deadline, expect) = match rng.below(100) {
        0..30 => (
            "ok",
            command(json!({"action": "ok"})),
            deadline(rng),
            Expect::Response(OK()),
        ),
        30..40 => (
            "sleep",
            command(json!({"action": "sleep", "ms": rng.below(5)})),
            ten_s,
            Expect::Response(OK()),
        ),
        40..52 => (
            "handler error",
            command(json!({"action": "error"})),
            deadline(rng),
            Expect::Error("GuardedError"),
        ),
        52..64 => (
            "panic",
            command(json!({"action": "panic"})),
            deadline(rng),
            Expect::Error("Panic"),
        ),
        64..70 => (
            // The guard answers 200 ms before the deadline: after at most
            // 60 ms, long before the sleep ends.
            "deadline overrun",
            command(json!({"action": "sleep", "ms": 2_000})),
            DeadlineHeader::In(Duration::from_millis(rng.range(150, 260))),
            Expect::Error("Timeout"),
        ),
        70..82 => (
            "undecodable",
            undecodable(rng),
            deadline(rng),
            Expect::Error("InvalidEvent"),
        ),
        82..97 => {
            let wrong = match rng.below(6) {
                0 => json!({"action": "fly", "note": MARKER}),
                1 => json!({"action": 5}),
                2 => json!([MARKER]),
                3 => Value::Null,
                4 => json!({"ms": 3, "note": MARKER}),
                _ => json!({"Records": [{"messageId": "m", "body": MARKER}]}),
            };
            (
                "wrong shape",
                wrong.to_string().into_bytes(),
                deadline(rng),
                Expect::Error("InvalidEvent"),
            )
        }
        _ if large => {
            let pad = "x".repeat(rng.range(1_000_000, 5_500_000) as usize);
            (
                "very large",
                command(json!({"action": "ok", "pad": pad})),
                ten_s,
                Expect::Response(OK()),
            )
        }
        _ => (
            "ok",
            br#"{"action":"ok"}"#.to_vec(),
            ten_s,
            Expect::Response(OK()),
        ),
    };
    Scripted {
        event: Event::new(body, deadline),
        expect,
        kind,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_answers_every_invocation_exactly_once_under_faults() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    let (tally, _) = drive(&api, &mut function, &mut rng, size.per_function, |rng| {
        guarded_event(rng, true)
    })
    .await;
    tally.report("guarded");
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    check_log(&function.stderr());
}

// ------------------------------------------------------------- sqs-orders

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:orders";
const FIFO_QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:orders.fifo";

/// Counters that keep message and order ids unique across a run.
#[derive(Default)]
struct Ids {
    message: u64,
    order: u64,
}

/// One message body and its fate (before deadlines): a valid order, a
/// negative amount (`NegativeAmount`), order id 0 (the example panics), or a
/// body that is not an order.
fn message_body(rng: &mut Rng, ids: &mut Ids, pad: usize) -> (String, Option<u64>, Fate) {
    ids.order += 1;
    let id = ids.order;
    let order = |id: u64, amount: f64| {
        json!({"id": id, "amount": amount, "customer": format!("c{id}"), "note": MARKER, "pad": "p".repeat(pad)})
            .to_string()
    };
    match rng.below(100) {
        0..70 => (order(id, 9.5), Some(id), Fate::Succeeds),
        70..78 => (order(id, -1.0), None, Fate::Fails),
        78..83 => (order(0, 1.0), None, Fate::Fails),
        83..90 => (
            format!("{{\"id\": {id}, \"amount\": 1, \"note\": \"{MARKER}"),
            None,
            Fate::Fails,
        ),
        90..95 => (
            json!({"id": "seven", "amount": 1, "customer": "c", "note": MARKER}).to_string(),
            None,
            Fate::Fails,
        ),
        _ => (
            json!({"id": id, "note": MARKER}).to_string(),
            None,
            Fate::Fails,
        ),
    }
}

fn sqs_batch(
    rng: &mut Rng,
    ids: &mut Ids,
    records: usize,
    fifo: bool,
    pad: usize,
) -> (String, Vec<Message>) {
    let mut messages = Vec::new();
    let mut json_records = Vec::new();
    let mut failed_before = false;
    for _ in 0..records {
        ids.message += 1;
        let message_id = format!("m-{:08}", ids.message);
        let (body, order, mut fate) = message_body(rng, ids, pad);
        // A FIFO batch stops at its first failure: the rest is reported
        // failed, unprocessed, so that SQS keeps the group's order.
        if fifo && failed_before {
            fate = Fate::Either;
        }
        failed_before |= fate == Fate::Fails;
        json_records.push(json!({
            "messageId": message_id,
            "receiptHandle": "AQEB",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": if fifo { FIFO_QUEUE } else { QUEUE },
            "awsRegion": "us-east-1"
        }));
        messages.push(Message {
            id: message_id,
            order,
            fate,
        });
    }
    (json!({ "Records": json_records }).to_string(), messages)
}

fn sqs_event(rng: &mut Rng, ids: &mut Ids) -> Scripted {
    let ten_s = DeadlineHeader::In(Duration::from_secs(10));
    let (kind, body, deadline, expect) = match rng.below(100) {
        0..62 => {
            let records = rng.range(1, 11) as usize;
            let (body, messages) = sqs_batch(rng, ids, records, false, 0);
            ("batch", body, ten_s, Expect::Batch(messages))
        }
        62..67 => {
            let records = rng.range(1, 4) as usize;
            let (body, messages) = sqs_batch(rng, ids, records, true, 0);
            ("fifo batch", body, ten_s, Expect::Batch(messages))
        }
        67..77 => {
            // The default margin is 100 ms and each order takes 20 ms: some
            // batches finish, some are cut short, some have no time at all.
            let records = rng.range(1, 11) as usize;
            let (body, mut messages) = sqs_batch(rng, ids, records, false, 0);
            for message in &mut messages {
                if message.fate == Fate::Succeeds {
                    message.fate = Fate::Either;
                }
            }
            let deadline = DeadlineHeader::In(Duration::from_millis(rng.range(90, 140)));
            ("short deadline", body, deadline, Expect::Batch(messages))
        }
        77..85 => (
            "undecodable",
            String::from_utf8_lossy(&undecodable(rng)).into_owned(),
            ten_s,
            Expect::Error("InvalidEvent"),
        ),
        85..96 => {
            let wrong = match rng.below(5) {
                0 => json!({"Records": 5}),
                1 => json!({"Records": [{"messageId": 7, "body": MARKER}]}),
                // An SNS notification: its records have no messageId and no
                // body, so a failure could not be reported by id.
                2 => json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": MARKER}}]}),
                3 => json!({"action": "ok", "note": MARKER}),
                _ => json!([{"body": MARKER}]),
            };
            (
                "wrong envelope",
                wrong.to_string(),
                ten_s,
                Expect::Error("InvalidEvent"),
            )
        }
        _ => {
            // Ten messages of up to ~250 KB (SQS's limit is 256 KB each).
            let pad = rng.range(100_000, 250_000) as usize;
            let (body, messages) = sqs_batch(rng, ids, 10, false, pad);
            ("very large batch", body, ten_s, Expect::Batch(messages))
        }
    };
    Scripted {
        event: Event::new(body, deadline),
        expect,
        kind,
    }
}

/// The total the shutdown hook of `sqs-orders` flushed.
fn flushed_orders(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|line| line.split("flushed ").nth(1))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_batches_list_exactly_the_messages_not_accepted_under_faults() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders");
    let mut ids = Ids::default();
    let (tally, batches) = drive(&api, &mut function, &mut rng, size.per_function, |rng| {
        sqs_event(rng, &mut ids)
    })
    .await;
    tally.report("sqs-orders");
    // The shutdown hook reports how many orders the warm state accepted.
    send_signal(function.pid().expect("running"), "TERM");
    let status = function.wait(Duration::from_secs(10)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit after SIGTERM");
    let stderr = function.stderr();
    check_log(&stderr);
    let accepted = accepted_orders(&stderr);
    let flushed = flushed_orders(&stderr);
    assert_eq!(flushed, Some(accepted.len() as u64), "the hook's total");
    let mut messages = 0;
    for (batch, failed) in &batches {
        for message in batch {
            messages += 1;
            let was_accepted = message.order.is_some_and(|order| accepted.contains(&order));
            assert_eq!(
                failed.contains(&message.id),
                !was_accepted,
                "{} ({:?}): listed as failed = {}, accepted = {was_accepted}",
                message.id,
                message.fate,
                failed.contains(&message.id)
            );
        }
    }
    eprintln!(
        "sqs-orders: {messages} messages in {} answered batches, {} accepted",
        batches.len(),
        accepted.len()
    );
}

// ----------------------------------------------------------- exits, limits

#[tokio::test]
async fn next_failing_for_good_exits_non_zero_and_says_why() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    let answer = api
        .invoke(
            r#"{"action":"ok"}"#,
            DeadlineHeader::In(Duration::from_secs(3)),
        )
        .await;
    assert_eq!(answer.json(), OK());
    // One failure, then another kind, is survived ...
    api.push_fault(PollFault::ServerError);
    api.push_fault(PollFault::DropConnection);
    let answer = api
        .invoke(
            r#"{"action":"ok"}"#,
            DeadlineHeader::In(Duration::from_secs(3)),
        )
        .await;
    assert_eq!(answer.json(), OK());
    // ... five in a row mean the Runtime API is gone: Lambda would replace
    // the environment, so the process says why and exits non-zero.
    for fault in [PollFault::ServerError, PollFault::DropConnection] {
        for _ in 0..3 {
            api.push_fault(fault);
        }
    }
    let status = function
        .wait(Duration::from_secs(10))
        .await
        .expect("the function exits");
    assert_eq!(status.code(), Some(1), "{status}");
    let stderr = function.stderr();
    assert!(
        stderr.contains("the Runtime API failed 5 polls of /next in a row"),
        "{}",
        tail(&stderr)
    );
}

#[tokio::test]
async fn a_response_over_6_mb_is_answered_invalid_response() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "hello");
    // An event within the 6,291,556 bytes lambda-fn reads (`{"name":"..."}`
    // is the name plus 11 bytes) whose greeting (the name plus 37 bytes) is
    // over Lambda's response limit of the same size.
    let name = "n".repeat(6_291_530);
    let answer = api
        .invoke(
            json!({ "name": name }).to_string(),
            DeadlineHeader::In(Duration::from_secs(10)),
        )
        .await;
    assert_eq!(answer.error_type(), Some("InvalidResponse"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("over Lambda's limit of 6291556 bytes"),
        "{message}"
    );
    // The next invocation is served as usual.
    let answer = api
        .invoke(
            r#"{"name":"Ferris"}"#,
            DeadlineHeader::In(Duration::from_secs(3)),
        )
        .await;
    assert_eq!(answer.json()["message"], "Hello, Ferris!");
    function.kill().await;
}

// ------------------------------------------------------------------ memory

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_does_not_grow_with_invocations() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    let mut peak = Vec::new();
    for count in [size.rss_first, size.rss_total - size.rss_first] {
        // Every kind but the long sleeps and the multi-megabyte events,
        // whose buffers would set the peak by themselves.
        let (tally, _) = drive(&api, &mut function, &mut rng, count, |rng| {
            loop {
                let scripted = guarded_event(rng, false);
                if scripted.kind != "deadline overrun" {
                    break scripted;
                }
            }
        })
        .await;
        tally.report("guarded (memory)");
        peak.push(function.peak_rss_kib().expect("VmHWM is readable"));
    }
    eprintln!(
        "peak RSS after {} invocations: {} KiB; after {}: {} KiB ({:.3}x)",
        size.rss_first,
        peak[0],
        size.rss_total,
        peak[1],
        peak[1] as f64 / peak[0] as f64
    );
    assert!(
        peak[1] * 10 <= peak[0] * 11,
        "peak RSS grew more than 10 %: {} KiB after {}, {} KiB after {}",
        peak[0],
        size.rss_first,
        peak[1],
        size.rss_total
    );
    function.kill().await;
}
