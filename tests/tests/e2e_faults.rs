//! Fault injection at volume: the release builds of `sqs-orders` (a batch
//! trigger) and `guarded` (a whole event, served one at a time and, as on
//! Lambda Managed Instances, four at a time) served through the loopback
//! Runtime API with valid events mixed with undecodable events, wrong-shaped
//! envelopes, handler errors, panics, records that overrun short deadlines,
//! `410 Gone` answers to response posts, answer posts that are never replied
//! to, `/next` polls that fail with `500` or lose their connection, request
//! ids that are not URL-safe, events without an invocation id, very large
//! events, events over Lambda's payload limit, events whose error message
//! quotes megabytes, and `SIGTERM` while an invocation runs. See
//! `RELIABILITY.md`.
//!
//! Every check is on what Lambda and the invoker would see: each invocation
//! served is answered exactly once, at its own (percent-encoded) request id
//! and echoing its own invocation id, with the expected answer or documented
//! `errorType`; each SQS batch answer lists exactly the messages the function
//! did not accept (read back from its own log); the process keeps serving;
//! no error message or log line carries a credential, and no log line at the
//! default level carries a payload.
//!
//! The default size runs in `cargo test` (and `.ci/run`); the full size
//! (25,000 mixed invocations, 1,000,000 for the memory check) is
//! `LAMBDA_FN_FAULTS=full cargo test --release -p lambda-fn-tests --test e2e_faults -- --nocapture`.
//! `LAMBDA_FN_FAULTS_SEED=<n>` replays one mix.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use lambda_fn::testing::{Answer, DeadlineHeader, Event, Function, PollFault, RuntimeApi};
use lambda_fn_tests::{accepted_orders, example_binary, seconds, send_signal, three_seconds};
use serde_json::{Value, json};

/// How much one run injects.
struct Size {
    /// Invocations of each of the two functions in the mixed runs (the
    /// concurrent run of `guarded` gets half as many).
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
            rss_total: 1_000_000,
        }
    } else {
        Size {
            per_function: 1_000,
            rss_first: 2_000,
            rss_total: 20_000,
        }
    }
}

/// Lambda's payload limit, which lambda-fn holds events, responses and
/// error bodies to.
const LIMIT: usize = 6_291_556;

/// One invocation in this many of the mixed runs has its answer post
/// never replied to.
const HANG_EVERY: usize = 500;

/// Invocations pushed at once in the mixed runs.
const WINDOW: usize = 100;

/// Invocations pushed at once in the memory run: its events are small, and
/// a larger window keeps the function busy while a window is checked.
const MEMORY_WINDOW: usize = 1_000;

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

/// What the function logs when an answer post got no reply in time.
const NO_REPLY: &str = "no reply within 5s";

/// What the function logs for every answer post that failed (`410 Gone`,
/// or no reply).
const POST_FAILED: &str = "could not post the answer";

/// What the watchdog's `Timeout` message says.
const BY_WATCHDOG: &str = "answered by lambda-fn's watchdog";

/// What a truncated error message ends with (before the length and `bytes]`).
const TRUNCATED: &str = " ... [truncated: the message is ";

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
    /// An error of this `errorType` whose message contains this text.
    ErrorSaying(&'static str, String),
    /// `InvalidEvent` for an event whose error message quotes a huge
    /// string: `quoted` bytes of the message quote it, `escaped` bytes once
    /// the message is escaped into the JSON error body. The body must stay
    /// within [`LIMIT`]: cut, with a marker, when it would not fit.
    Capped { quoted: usize, escaped: usize },
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
    /// Either, depending on timing (a short deadline, a shutdown, or behind
    /// a failure in a FIFO batch): checked against the function's log
    /// instead.
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
    /// Answer posts never replied to.
    hung: usize,
    /// Events served without a `Lambda-Runtime-Invocation-Id`.
    without_invocation_id: usize,
    /// The largest event the function had to read (within [`LIMIT`]) ...
    largest_event: usize,
    /// ... and the largest it had to refuse unread (over it).
    largest_unread_event: usize,
    /// Error messages cut to fit [`LIMIT`].
    truncated: usize,
    /// `Timeout`s the watchdog answered.
    by_watchdog: usize,
    elapsed: Duration,
}

impl Tally {
    fn report(&self, name: &str) {
        let mut kinds: Vec<_> = self.kinds.iter().collect();
        kinds.sort();
        let total = self.kinds.values().sum::<usize>();
        eprintln!(
            "{name}: {total} invocations {kinds:?}, {} /next faults, {} answers refused 410 Gone, {} answer posts hung, {} without an invocation id, largest event {} bytes, largest unread event {} bytes, {} error messages truncated, {} Timeouts by the watchdog; {:.1} s, {:.0} invocations/s",
            self.poll_faults,
            self.gone,
            self.hung,
            self.without_invocation_id,
            self.largest_event,
            self.largest_unread_event,
            self.truncated,
            self.by_watchdog,
            self.elapsed.as_secs_f64(),
            total as f64 / self.elapsed.as_secs_f64().max(1e-9),
        );
    }
}

/// How many lines of `log` contain `text`.
fn lines_with(log: &str, text: &str) -> usize {
    log.lines().filter(|line| line.contains(text)).count()
}

/// Serves `scripts` in windows of `window` invocations (so large events are
/// not all held at once), with a `/next` fault before about 1 % of them,
/// `410 Gone` for about 3 % of the answers, no invocation id for about 5 %
/// of the events and, with `hang`, an answer post that is never replied to
/// for one in [`HANG_EVERY`] (0.2 %: each stalls the function 5 s, so they
/// are spaced out rather than drawn, which keeps the run's length
/// predictable); checks every answer against its expectation, its request
/// id and invocation id, and returns the batches' answers for the log
/// check.
async fn drive(
    api: &RuntimeApi,
    function: &mut Function,
    rng: &mut Rng,
    count: usize,
    window: usize,
    hang: bool,
    mut script: impl FnMut(&mut Rng) -> Scripted,
) -> (Tally, Vec<(Vec<Message>, BTreeSet<String>)>) {
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut batches = Vec::new();
    let mut fault = PollFault::ServerError;
    let hung_before = api.hung_posts();
    let log_before = function.stderr();
    let (no_reply_before, failed_before) = (
        lines_with(&log_before, NO_REPLY),
        lines_with(&log_before, POST_FAILED),
    );
    drop(log_before);
    let mut done = 0;
    while done < count {
        let mut expected = HashMap::new();
        for at in done..count.min(done + window) {
            let mut scripted = script(rng);
            if hang && at % HANG_EVERY == HANG_EVERY / 2 {
                scripted.event = scripted.event.answer_hangs();
                scripted.kind = "hung answer post";
            }
            // A post that hangs is never replied to, so it cannot be refused
            // `410 Gone` too.
            let gone = rng.percent(3);
            if scripted.event.answer_hangs {
                tally.hung += 1;
            } else if gone {
                scripted.event = scripted.event.answered_gone();
                tally.gone += 1;
            }
            if rng.percent(5) {
                scripted.event = scripted.event.without_invocation_id();
                tally.without_invocation_id += 1;
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
            let size = scripted.event.body.len();
            if size > LIMIT {
                tally.largest_unread_event = tally.largest_unread_event.max(size);
            } else {
                tally.largest_event = tally.largest_event.max(size);
            }
            let previous = expected.insert(
                scripted.event.request_id.clone(),
                (
                    scripted.kind,
                    scripted.expect,
                    scripted.event.invocation_id.clone(),
                ),
            );
            assert!(previous.is_none(), "request id scripted twice");
            api.push(scripted.event);
        }
        let window = expected.len();
        let mut answered = 0;
        let mut progress_at = Instant::now();
        loop {
            let now = api.answer_count();
            if now >= window {
                break;
            }
            if now != answered {
                (answered, progress_at) = (now, Instant::now());
            }
            assert!(
                progress_at.elapsed() < Duration::from_secs(60),
                "only {now} of {window} invocations answered, none for 60 s; running: {}; {} mismatched posts, {} stray requests, {} unexpected posts\n{}",
                function.is_running(),
                api.mismatched_posts().len(),
                api.stray_requests().len(),
                api.unexpected_posts().len(),
                tail(&function.stderr())
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for answer in api.take_answers() {
            let id = answer
                .request_id
                .clone()
                .unwrap_or_else(|| panic!("an init error: {:?}", answer.outcome));
            let (kind, expect, invocation_id) = expected
                .remove(&id)
                .unwrap_or_else(|| panic!("{id} answered twice or never served"));
            assert_eq!(
                answer.invocation_id, invocation_id,
                "{id} ({kind}): the answer does not echo the invocation id it was served with"
            );
            if let Some(batch) = check(&answer, kind, expect, &mut tally) {
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
    let mismatched: Vec<_> = api
        .mismatched_posts()
        .into_iter()
        .map(|post| (post.request_id, post.invocation_id, post.path))
        .collect();
    assert!(
        mismatched.is_empty(),
        "posts with the wrong invocation id: {mismatched:?}"
    );
    assert_eq!(
        api.stray_requests(),
        Vec::<String>::new(),
        "requests the Runtime API does not know"
    );
    assert_eq!(
        api.hung_posts() - hung_before,
        tally.hung,
        "answer posts held unanswered"
    );
    // Each post that hung is given up after 5 s, logged, and its
    // connection closed; the loop went on meanwhile (the windows after it
    // were served).
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let log = function.stderr();
        let logged = (
            lines_with(&log, NO_REPLY) - no_reply_before,
            lines_with(&log, POST_FAILED) - failed_before,
        );
        let open = api.open_hung_posts();
        if (open, logged) == (0, (tally.hung, tally.gone + tally.hung)) {
            break;
        }
        assert!(
            Instant::now() < give_up,
            "10 s after the last window: {open} hung answer posts still open, {} of {} logged as unreplied, {} of {} failed posts logged",
            logged.0,
            tally.hung,
            logged.1,
            tally.gone + tally.hung,
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        function.is_running(),
        "the function exited:\n{}",
        tail(&function.stderr())
    );
    tally.elapsed = started.elapsed();
    (tally, batches)
}

/// The request id a `/response` or `/error` path names, percent-decoded,
/// and whether it is `/response`; `None` unless the id is one path segment
/// of unreserved characters and escapes only.
fn answer_path(path: &str) -> Option<(String, bool)> {
    let rest = path.strip_prefix("/2018-06-01/runtime/invocation/")?;
    let (segment, kind) = rest.split_once('/')?;
    let response = match kind {
        "response" => true,
        "error" => false,
        _ => return None,
    };
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b);
    if !segment.bytes().all(unreserved) || matches!(segment, "" | "." | "..") {
        return None;
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    Some((String::from_utf8(decoded).ok()?, response))
}

/// Checks one answer; returns a batch's messages and listed failures.
fn check(
    answer: &Answer,
    kind: &str,
    expect: Expect,
    tally: &mut Tally,
) -> Option<(Vec<Message>, BTreeSet<String>)> {
    let id = answer.request_id.as_deref().unwrap_or("?");
    let path = answer.path.as_deref().unwrap_or_default();
    assert_eq!(
        answer_path(path),
        Some((id.to_owned(), answer.outcome.is_ok())),
        "{id} ({kind}): answered at {path:?}, not at its own percent-encoded request id"
    );
    assert_eq!(
        answer.error_type_header.is_some(),
        answer.outcome.is_err(),
        "{id} ({kind}): Lambda-Runtime-Function-Error-Type {:?}",
        answer.error_type_header
    );
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
        assert!(
            answer.body_len <= LIMIT,
            "{id} ({kind}): an error body of {} bytes",
            answer.body_len
        );
        if error_type == "Timeout" && message.contains(BY_WATCHDOG) {
            tally.by_watchdog += 1;
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
        Expect::ErrorSaying(error_type, text) => {
            assert_eq!(
                answer.error_type(),
                Some(error_type),
                "{id} ({kind}): {:?}",
                answer.outcome
            );
            let message = answer.error_message().unwrap_or_default();
            assert!(
                message.contains(&text),
                "{id} ({kind}): the message does not say {text:?}: {message}"
            );
            None
        }
        Expect::Capped { quoted, escaped } => {
            let shown = |m: &str| m.chars().take(300).collect::<String>();
            assert_eq!(
                answer.error_type(),
                Some("InvalidEvent"),
                "{id} ({kind}): {:?}",
                answer.outcome.as_ref().map_err(|(t, m)| (t, shown(m)))
            );
            let message = answer.error_message().unwrap_or_default();
            let marker = message.rfind(TRUNCATED).map(|at| &message[at..]);
            if escaped > LIMIT {
                let marker = marker.unwrap_or_else(|| {
                    panic!(
                        "{id} ({kind}): a {escaped}-byte message is not cut: {} bytes, {}",
                        answer.body_len,
                        shown(message)
                    )
                });
                let length: usize = marker[TRUNCATED.len()..]
                    .strip_suffix(" bytes]")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{id} ({kind}): a malformed marker {marker:?}"));
                assert!(
                    length >= quoted,
                    "{id} ({kind}): the marker says {length} bytes, the message quotes {quoted}"
                );
                // As much of the message as fits is kept.
                assert!(
                    answer.body_len > LIMIT - 1024,
                    "{id} ({kind}): cut to {} bytes",
                    answer.body_len
                );
                tally.truncated += 1;
            } else if escaped + 64 * 1024 < LIMIT {
                assert!(
                    marker.is_none() && message.len() >= quoted,
                    "{id} ({kind}): a {escaped}-byte message was cut: {marker:?}"
                );
            }
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
/// Waits for `function` to exit 1 saying its `/next` polls failed for good.
async fn exits_because_the_runtime_api_is_gone(function: &mut Function) {
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

/// `name` serving `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once, as on
/// Lambda Managed Instances.
fn spawn_concurrent(api: &RuntimeApi, name: &str, concurrency: &str) -> Function {
    let mut env = SECRETS.to_vec();
    env.push(("AWS_LAMBDA_MAX_CONCURRENCY", concurrency));
    api.spawn(&example_binary(name), &env)
        .expect("the example starts")
}

fn deadline(rng: &mut Rng) -> DeadlineHeader {
    match rng.below(50) {
        0 => DeadlineHeader::Missing,
        1 => DeadlineHeader::Raw("600000".to_owned()),
        2 => DeadlineHeader::Raw("soon".to_owned()),
        _ => seconds(10),
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

/// `event`, under a request id that is unique but not URL-safe: `/`, `?`,
/// `#`, a space, `..` and non-ASCII.
fn odd_request_id(event: Event) -> Event {
    let id = format!("odd/../{}?q=1#frag é", event.request_id);
    event.with_request_id(id)
}

/// Waits (up to 15 s) until `/next` has handed out every one of `ids`.
async fn wait_served(api: &RuntimeApi, function: &mut Function, ids: &[String]) {
    let give_up = Instant::now() + Duration::from_secs(15);
    loop {
        let served = api.served();
        let recent: BTreeSet<&str> = served
            .iter()
            .rev()
            .take(ids.len() + 64)
            .map(|s| s.request_id.as_str())
            .collect();
        if ids.iter().all(|id| recent.contains(id.as_str())) {
            return;
        }
        drop(served);
        assert!(
            Instant::now() < give_up,
            "{ids:?} not served within 15 s; running: {}\n{}",
            function.is_running(),
            tail(&function.stderr())
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// How long after `/next` handed out a small event the signal is sent, so
/// that the function has received it: a signal that arrives while the
/// event is still on its way is not acted on as mid-invocation (see
/// [`sigterm_while_an_event_arrives_still_answers_it`]).
const RECEIVED: Duration = Duration::from_millis(100);

/// Sends `SIGTERM` to `function` while `sleepers` invocations of a 5 s
/// sleep (deadline 10 s away) are in flight: each is answered once,
/// `Timeout` for the shutdown, within 500 ms of the signal, at its own
/// request and invocation id; the process exits 0 within 1 s of it.
async fn sigterm_while_sleeping(
    api: &RuntimeApi,
    function: &mut Function,
    sleepers: usize,
    name: &str,
) {
    let mut ids = Vec::new();
    for _ in 0..sleepers {
        let event = Event::new(
            command(json!({"action": "sleep", "ms": 5_000})),
            seconds(10),
        );
        ids.push((event.request_id.clone(), event.invocation_id.clone()));
        api.push(event);
    }
    let request_ids: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    wait_served(api, function, &request_ids).await;
    tokio::time::sleep(RECEIVED).await;
    let signalled = Instant::now();
    send_signal(function.pid().expect("running"), "TERM");
    let mut slowest = Duration::ZERO;
    for (id, invocation_id) in &ids {
        let answer = api
            .answer(id, Duration::from_secs(2))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{id}, in flight at SIGTERM, is not answered\n{}",
                    tail(&function.stderr())
                )
            });
        assert_eq!(
            answer.error_type(),
            Some("Timeout"),
            "{id}: {:?}",
            answer.outcome
        );
        let message = answer.error_message().unwrap_or_default();
        assert!(message.contains("SIGTERM"), "{id}: {message}");
        assert_eq!(&answer.invocation_id, invocation_id, "{id}");
        let after = answer.answered_at.saturating_duration_since(signalled);
        assert!(
            after <= Duration::from_millis(500),
            "{id} answered {after:?} after SIGTERM"
        );
        slowest = slowest.max(after);
    }
    let status = function
        .wait(Duration::from_secs(1).saturating_sub(signalled.elapsed()))
        .await;
    let exited = signalled.elapsed();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "exit within 1 s of SIGTERM ({exited:?})\n{}",
        tail(&function.stderr())
    );
    let answers = api.take_answers();
    assert_eq!(answers.len(), sleepers, "answers after SIGTERM");
    assert!(api.unexpected_posts().is_empty() && api.mismatched_posts().is_empty());
    eprintln!(
        "{name}: SIGTERM with {sleepers} invocation(s) in flight: answered Timeout within {slowest:?}, exit 0 after {exited:?}"
    );
}

// ---------------------------------------------------------------- guarded

const OK: fn() -> Value = || json!({ "ok": true, "init_runs": 1 });

/// A `guarded` command carrying the payload marker.
fn command(mut command: Value) -> Vec<u8> {
    command["note"] = MARKER.into();
    command.to_string().into_bytes()
}

/// Which kinds a run of `guarded` mixes in, besides the base mix.
#[derive(Clone, Copy)]
struct GuardedMix {
    /// Multi-megabyte events: very large (1–5.5 MB), over the limit
    /// (6.3–12 MB) and quoting a huge string (2–4 MB).
    large: bool,
    /// `trace`: `_X_AMZN_TRACE_ID` is only set with one invocation at a time.
    trace: bool,
    /// `block`: handlers that block the thread for 5–20 ms (with
    /// concurrency, every invocation of the process waits for them).
    block: bool,
}

/// One invocation of `guarded`: one of the kinds of `mix` (trace 5 %, odd
/// request id 2 %, over-limit event 0.5 %, quoted huge string 0.5 %, block
/// 2 %), else one of the base mix ([`guarded_base`]).
fn guarded_event(rng: &mut Rng, mix: GuardedMix) -> Scripted {
    match rng.below(1000) {
        0..50 if mix.trace => {
            let event = Event::new(command(json!({"action": "trace"})), deadline(rng));
            if rng.below(10) == 0 {
                // The previous invocation's trace id must not linger.
                Scripted {
                    event: event.without_trace_id(),
                    expect: Expect::Response(OK()),
                    kind: "trace, none sent",
                }
            } else {
                let trace = event.trace_id.clone().expect("Event::new sets one");
                Scripted {
                    event,
                    expect: Expect::Response(json!({"ok": true, "init_runs": 1, "trace": trace})),
                    kind: "trace",
                }
            }
        }
        50..70 => {
            let scripted = guarded_base(rng, mix.large);
            Scripted {
                event: odd_request_id(scripted.event),
                kind: "odd request id",
                ..scripted
            }
        }
        70..75 if mix.large => over_limit(rng),
        75..80 if mix.large => quoted_huge_string(rng),
        82..102 if mix.block => Scripted {
            // Short: an event served meanwhile still arrives before its
            // deadline (see `an_event_that_waited_past_its_deadline_behind_a_blocked_thread_is_answered_timeout`).
            event: Event::new(
                command(json!({"action": "block", "ms": rng.range(5, 20)})),
                seconds(10),
            ),
            expect: Expect::Response(OK()),
            kind: "block",
        },
        _ => guarded_base(rng, mix.large),
    }
}

/// An event over Lambda's payload limit (6.3–12 MB), sent with a
/// `Content-Length` or (half of them) chunked: refused unread.
fn over_limit(rng: &mut Rng) -> Scripted {
    // Written out: serializing 12 MB through `serde_json::Value` is slow in
    // a debug build.
    let pad = "x".repeat(rng.range(6_300_000, 12_000_000) as usize);
    let body = format!(r#"{{"action":"ok","note":"{MARKER}","pad":"{pad}"}}"#);
    let tail = format!("over the {LIMIT} bytes of Lambda's payload limits; it was not read");
    let event = Event::new(body, seconds(10));
    if rng.below(2) == 0 {
        Scripted {
            expect: Expect::ErrorSaying(
                "InvalidEvent",
                format!("the event is more than {LIMIT} bytes, {tail}"),
            ),
            event: event.chunked(),
            kind: "over-limit event, chunked",
        }
    } else {
        Scripted {
            expect: Expect::ErrorSaying(
                "InvalidEvent",
                format!("the event is {} bytes, {tail}", event.body.len()),
            ),
            event,
            kind: "over-limit event",
        }
    }
}

/// A 2–4 MB event whose error message quotes a huge string: as an unknown
/// `action` (quoted as it is: `"` characters, or control characters), or
/// as a string `ms` (which serde quotes with Rust's escapes, so that the
/// message is 2–7 times as long: `"` becomes `\"`, DEL `\u{7f}`), most of
/// which are over the limit once escaped into the error body.
fn quoted_huge_string(rng: &mut Rng) -> Scripted {
    let size = rng.range(2_000_000, 4_000_000) as usize;
    // Written out as JSON text: serializing megabytes through
    // `serde_json::Value` is slow in a debug build.
    let event = |field: &str, text: &str| match field {
        "action" => format!(r#"{{"action":"{text}","note":"{MARKER}"}}"#),
        _ => format!(r#"{{"action":"ok","ms":"{text}","note":"{MARKER}"}}"#),
    };
    let (body, quoted, escaped) = match rng.below(4) {
        0 => {
            let n = size / 2;
            (event("action", &r#"\""#.repeat(n)), n, 2 * n)
        }
        1 => {
            // Every control character, escaped as JSON escapes it, over and
            // over (the message quotes them as they are).
            let start = rng.below(31) as u32;
            let cycle: String = (0..31)
                .map(|at| match 1 + (start + at) % 31 {
                    8 => "\\b".to_owned(),
                    9 => "\\t".to_owned(),
                    10 => "\\n".to_owned(),
                    12 => "\\f".to_owned(),
                    13 => "\\r".to_owned(),
                    c => format!("\\u{c:04x}"),
                })
                .collect();
            let times = size / cycle.len() + 1;
            let text = cycle.repeat(times);
            let (quoted, escaped) = (31 * times, text.len());
            (event("action", &text), quoted, escaped)
        }
        2 => {
            let n = size / 2;
            (event("ms", &r#"\""#.repeat(n)), 2 * n, 4 * n)
        }
        _ => (event("ms", &"\u{7f}".repeat(size)), 6 * size, 7 * size),
    };
    Scripted {
        event: Event::new(body, seconds(10)),
        expect: Expect::Capped { quoted, escaped },
        kind: "quoted huge string",
    }
}

/// One invocation of `guarded`'s base mix (`{"action": ..., "ms": ...}`);
/// `large` allows events of up to 5.5 MB.
fn guarded_base(rng: &mut Rng, large: bool) -> Scripted {
    let ten_s = seconds(10);
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
    let mix = GuardedMix {
        large: true,
        trace: true,
        block: false,
    };
    let (tally, _) = drive(
        &api,
        &mut function,
        &mut rng,
        size.per_function,
        WINDOW,
        true,
        |rng| guarded_event(rng, mix),
    )
    .await;
    tally.report("guarded");
    // The end of the environment, while an invocation runs.
    sigterm_while_sleeping(&api, &mut function, 1, "guarded").await;
    check_log(&function.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_serving_four_at_once_answers_every_invocation_exactly_once_under_faults() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn_concurrent(&api, "guarded", "4");
    // No `trace`: with concurrency, one process-wide variable cannot name
    // the trace of each invocation, and lambda-fn does not set it.
    let mix = GuardedMix {
        large: true,
        trace: false,
        block: true,
    };
    let (tally, _) = drive(
        &api,
        &mut function,
        &mut rng,
        size.per_function / 2,
        WINDOW,
        true,
        |rng| guarded_event(rng, mix),
    )
    .await;
    tally.report("guarded (concurrency 4)");
    let (in_flight, polls) = (api.most_in_flight(), api.most_waiting_polls());
    eprintln!(
        "guarded (concurrency 4): at most {in_flight} invocations in flight and {polls} /next polls open at once"
    );
    assert!(in_flight > 1, "served one at a time: {in_flight}");
    sigterm_while_sleeping(&api, &mut function, 4, "guarded (concurrency 4)").await;
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

fn sqs_record(message_id: &str, body: &str, fifo: bool) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": "AQEB",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": if fifo { FIFO_QUEUE } else { QUEUE },
        "awsRegion": "us-east-1"
    })
}

/// A batch of `records` valid orders.
fn valid_batch(ids: &mut Ids, records: usize, fifo: bool) -> (String, Vec<Message>) {
    let mut messages = Vec::new();
    let mut json_records = Vec::new();
    for _ in 0..records {
        ids.message += 1;
        ids.order += 1;
        let (message_id, order) = (format!("m-{:08}", ids.message), ids.order);
        let body =
            json!({"id": order, "amount": 9.5, "customer": format!("c{order}"), "note": MARKER});
        json_records.push(sqs_record(&message_id, &body.to_string(), fifo));
        messages.push(Message {
            id: message_id,
            order: Some(order),
            fate: Fate::Succeeds,
        });
    }
    (json!({ "Records": json_records }).to_string(), messages)
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
        json_records.push(sqs_record(&message_id, &body, fifo));
        messages.push(Message {
            id: message_id,
            order,
            fate,
        });
    }
    (json!({ "Records": json_records }).to_string(), messages)
}

/// One invocation of `sqs-orders`: under an odd request id (2 %) or not;
/// the event itself from the base mix ([`sqs_base`]).
fn sqs_event(rng: &mut Rng, ids: &mut Ids) -> Scripted {
    match rng.below(1000) {
        0..20 => {
            let scripted = sqs_base(rng, ids);
            Scripted {
                event: odd_request_id(scripted.event),
                kind: "odd request id",
                ..scripted
            }
        }
        _ => sqs_base(rng, ids),
    }
}

fn sqs_base(rng: &mut Rng, ids: &mut Ids) -> Scripted {
    let ten_s = seconds(10);
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

/// Serves `batch` and sends `SIGTERM` as soon as the function has logged
/// accepting its first order (so it is being served, not on its way):
/// valid messages may succeed or be cut short. The batch is answered once,
/// within 500 ms of the signal, and the process exits 0. Returns the batch
/// and its listed failures, and the answer.
async fn sigterm_during_batch(
    api: &RuntimeApi,
    function: &mut Function,
    (body, mut messages): (String, Vec<Message>),
) -> ((Vec<Message>, BTreeSet<String>), Answer) {
    for message in &mut messages {
        if message.fate == Fate::Succeeds {
            message.fate = Fate::Either;
        }
    }
    let records = messages.len();
    let orders: BTreeSet<u64> = messages.iter().filter_map(|m| m.order).collect();
    let event = Event::new(body, seconds(10));
    let (id, invocation_id) = (event.request_id.clone(), event.invocation_id.clone());
    api.push(event);
    wait_served(api, function, std::slice::from_ref(&id)).await;
    let give_up = Instant::now() + Duration::from_secs(10);
    while accepted_orders(&function.stderr()).is_disjoint(&orders) {
        assert!(
            Instant::now() < give_up,
            "no order of the batch accepted within 10 s\n{}",
            tail(&function.stderr())
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let signalled = Instant::now();
    send_signal(function.pid().expect("running"), "TERM");
    let answer = api
        .answer(&id, Duration::from_secs(2))
        .await
        .unwrap_or_else(|| {
            panic!(
                "the batch in flight at SIGTERM is not answered\n{}",
                tail(&function.stderr())
            )
        });
    let after = answer.answered_at.saturating_duration_since(signalled);
    assert!(
        after <= Duration::from_millis(500),
        "the batch was answered {after:?} after SIGTERM"
    );
    assert_eq!(answer.invocation_id, invocation_id);
    let batch = check(
        &answer,
        "batch at SIGTERM",
        Expect::Batch(messages),
        &mut Tally::default(),
    )
    .expect("a batch answer");
    let status = function.wait(Duration::from_secs(10)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit after SIGTERM");
    assert_eq!(api.take_answers().len(), 1, "answers after SIGTERM");
    assert!(api.unexpected_posts().is_empty() && api.mismatched_posts().is_empty());
    eprintln!(
        "sqs-orders: SIGTERM {:?} after a batch of {records} was served: answered {after:?} after the signal, {} of {records} listed as failed",
        signalled.saturating_duration_since(answer.served_at.expect("served")),
        batch.1.len()
    );
    (batch, answer)
}

/// Checks that each message of `batches` is listed as failed exactly when
/// the function did not log it as accepted; returns the number of messages.
fn check_batches_against_log(batches: &[(Vec<Message>, BTreeSet<String>)], stderr: &str) -> usize {
    let accepted = accepted_orders(stderr);
    let mut messages = 0;
    for (batch, failed) in batches {
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
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_batches_list_exactly_the_messages_not_accepted_under_faults() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders");
    let mut ids = Ids::default();
    let (tally, mut batches) = drive(
        &api,
        &mut function,
        &mut rng,
        size.per_function,
        WINDOW,
        true,
        |rng| sqs_event(rng, &mut ids),
    )
    .await;
    tally.report("sqs-orders");
    // The environment ends while a batch of ten is in flight (a FIFO one,
    // served one message at a time: 200 ms of work, where a standard batch
    // of ten takes 20 ms); the shutdown hook then reports how many orders
    // the warm state accepted.
    let batch = valid_batch(&mut ids, 10, true);
    let (batch, _) = sigterm_during_batch(&api, &mut function, batch).await;
    batches.push(batch);
    let stderr = function.stderr();
    check_log(&stderr);
    let accepted = accepted_orders(&stderr);
    let flushed = flushed_orders(&stderr);
    assert_eq!(flushed, Some(accepted.len() as u64), "the hook's total");
    let messages = check_batches_against_log(&batches, &stderr);
    eprintln!(
        "sqs-orders: {messages} messages in {} answered batches, {} accepted",
        batches.len(),
        accepted.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_cuts_a_long_batch_and_lists_every_message_not_accepted() {
    // 200 messages (SQS hands out up to 10,000 with a batching window), ten
    // at a time, 20 ms each: about 400 ms of work, cut by SIGTERM's 250 ms
    // grace.
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders");
    let mut ids = Ids::default();
    let batch = sqs_batch(&mut rng, &mut ids, 200, false, 0);
    let (batch, answer) = sigterm_during_batch(&api, &mut function, batch).await;
    let stderr = function.stderr();
    check_log(&stderr);
    let accepted = accepted_orders(&stderr);
    assert_eq!(
        flushed_orders(&stderr),
        Some(accepted.len() as u64),
        "the hook's total"
    );
    check_batches_against_log(std::slice::from_ref(&batch), &stderr);
    let valid = batch.0.iter().filter(|m| m.order.is_some()).count();
    let cut = batch
        .0
        .iter()
        .filter(|m| m.order.is_some() && batch.1.contains(&m.id))
        .count();
    eprintln!(
        "sqs-orders, SIGTERM during 200 messages: {valid} valid orders, {} accepted, {cut} cut short and listed, answered {:?} after being served",
        accepted.len(),
        answer.latency().unwrap_or_default()
    );
    assert!(
        !accepted.is_empty() && cut > 0,
        "the grace neither let orders finish nor cut any: {} accepted, {cut} cut",
        accepted.len()
    );
}

// ----------------------------------------------------------- exits, limits

#[tokio::test]
async fn next_failing_for_good_exits_non_zero_and_says_why() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
    assert_eq!(answer.json(), OK());
    // One failure, then another kind, is survived ...
    api.push_fault(PollFault::ServerError);
    api.push_fault(PollFault::DropConnection);
    let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
    assert_eq!(answer.json(), OK());
    // ... five in a row mean the Runtime API is gone: Lambda would replace
    // the environment, so the process says why and exits non-zero.
    for fault in [PollFault::ServerError, PollFault::DropConnection] {
        for _ in 0..3 {
            api.push_fault(fault);
        }
    }
    exits_because_the_runtime_api_is_gone(&mut function).await;
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
        .invoke(json!({ "name": name }).to_string(), seconds(10))
        .await;
    assert_eq!(answer.error_type(), Some("InvalidResponse"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("over Lambda's limit of 6291556 bytes"),
        "{message}"
    );
    // The next invocation is served as usual.
    let answer = api.invoke(r#"{"name":"Ferris"}"#, three_seconds()).await;
    assert_eq!(answer.json()["message"], "Hello, Ferris!");
    function.kill().await;
}

#[tokio::test]
async fn concurrent_loops_give_up_one_at_a_time_and_the_last_ends_the_process() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn_concurrent(&api, "guarded", "4");
    let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
    assert_eq!(answer.json(), OK());
    let give_up = Instant::now() + Duration::from_secs(5);
    while api.most_waiting_polls() < 4 {
        assert!(Instant::now() < give_up, "four loops do not poll /next");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // 19 failed polls: at most three loops fail five in a row and give up;
    // one at least serves on.
    for n in 0..19 {
        api.push_fault(if n % 2 == 0 {
            PollFault::ServerError
        } else {
            PollFault::DropConnection
        });
    }
    let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
    assert_eq!(answer.json(), OK());
    assert!(function.is_running(), "{}", tail(&function.stderr()));
    let gave_up = lines_with(
        &function.stderr(),
        "a serving loop gave up on /next; the others keep serving",
    );
    // 20 more: every loop left gives up, and the process ends with the last.
    for _ in 0..20 {
        api.push_fault(PollFault::ServerError);
    }
    exits_because_the_runtime_api_is_gone(&mut function).await;
    eprintln!(
        "concurrency 4: {gave_up} loop(s) gave up after 19 failed polls and the rest served on; exit 1 once all had"
    );
}

#[tokio::test]
async fn request_ids_that_cannot_name_an_invocation_are_not_served() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    for id in ["", ".", ".."] {
        api.push(Event::new(command(json!({"action": "ok"})), three_seconds()).with_request_id(id));
    }
    // Served after them, and answered as usual.
    let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
    assert_eq!(answer.json(), OK());
    assert_eq!(api.served().len(), 4);
    assert_eq!(api.answers().len(), 1, "{:?}", api.answers());
    assert!(api.unexpected_posts().is_empty() && api.stray_requests().is_empty());
    let give_up = Instant::now() + Duration::from_secs(5);
    let text = "which cannot name an invocation in a URL";
    while lines_with(&function.stderr(), text) < 3 {
        assert!(
            Instant::now() < give_up,
            "not logged: {}",
            tail(&function.stderr())
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(function.is_running());
    function.kill().await;
    check_log(&function.stderr());
}

// ------------------------------------------------------------------ memory

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_does_not_grow_with_invocations() {
    let size = size();
    let mut rng = Rng::from_env();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "guarded");
    let mut peak = Vec::new();
    // Every kind but the long sleeps, the multi-megabyte events (whose
    // buffers would set the peak by themselves) and the posts that hang (5 s
    // each); every event with its own trace id, set in the environment.
    let mix = GuardedMix {
        large: false,
        trace: true,
        block: false,
    };
    for count in [size.rss_first, size.rss_total - size.rss_first] {
        let (tally, _) = drive(
            &api,
            &mut function,
            &mut rng,
            count,
            MEMORY_WINDOW,
            false,
            |rng| loop {
                let scripted = guarded_event(rng, mix);
                if scripted.kind != "deadline overrun" {
                    break scripted;
                }
            },
        )
        .await;
        tally.report("guarded (memory)");
        peak.push(function.peak_rss_kib().expect("VmHWM is readable"));
    }
    let cpu = function.cpu_time().unwrap_or_default();
    eprintln!(
        "guarded (memory): the function's CPU time {:.1} s, {:.0} µs per invocation",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / size.rss_total as f64
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_an_event_arrives_still_answers_it() {
    // Once `/next` has begun handing out an event, Lambda counts the
    // invocation as running: a signal while its 5 MB body is still arriving
    // must not make the function drop it.
    let mut lost = 0;
    for _ in 0..5 {
        let api = RuntimeApi::start().await.unwrap();
        let mut function = spawn(&api, "guarded");
        let answer = api.invoke(r#"{"action":"ok"}"#, three_seconds()).await;
        assert_eq!(answer.json(), OK());
        let pad = "x".repeat(5_000_000);
        let event = Event::new(
            format!(r#"{{"action":"sleep","ms":5000,"pad":"{pad}"}}"#),
            seconds(10),
        );
        let id = event.request_id.clone();
        api.push(event);
        wait_served(&api, &mut function, std::slice::from_ref(&id)).await;
        send_signal(function.pid().expect("running"), "TERM");
        let answer = api.answer(&id, Duration::from_secs(1)).await;
        let status = function.wait(Duration::from_secs(3)).await;
        assert_eq!(status.and_then(|s| s.code()), Some(0));
        if answer.is_none() {
            lost += 1;
        }
    }
    assert_eq!(
        lost, 0,
        "{lost} of 5 events in flight at SIGTERM were never answered"
    );
}

#[tokio::test]
async fn the_shutdown_hook_runs_when_the_runtime_api_is_gone() {
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(&api, "sqs-orders");
    let mut ids = Ids::default();
    let (body, _) = valid_batch(&mut ids, 3, false);
    let answer = api.invoke(body, seconds(10)).await;
    assert_eq!(answer.json(), json!({"batchItemFailures": []}));
    for _ in 0..5 {
        api.push_fault(PollFault::ServerError);
    }
    let status = function
        .wait(Duration::from_secs(10))
        .await
        .expect("the function exits");
    assert_eq!(status.code(), Some(1), "{status}");
    let stderr = function.stderr();
    assert_eq!(flushed_orders(&stderr), Some(3), "{}", tail(&stderr));
    assert_eq!(lines_with(&stderr, "flushed "), 1, "the hook runs once");
}
