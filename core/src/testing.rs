//! A loopback Lambda Runtime API, for end-to-end tests and benchmarks
//! (feature `testing`).
//!
//! [`RuntimeApi`] is a real HTTP server on `127.0.0.1` that speaks the
//! [Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//! it hands out scripted events on `/next` (holding the poll open until one
//! is queued, as Lambda does), and records every `/response`, `/error` and
//! `/init/error` post. [`RuntimeApi::spawn`] starts a built function binary
//! against it with the environment Lambda sets.
//!
//! As Lambda does under production traffic, every [`Event`] is served with
//! its own X-Ray trace id and `Lambda-Runtime-Invocation-Id`, and an answer
//! is matched to its invocation by the percent-decoded request id in its
//! path and the invocation id it echoes. What was served
//! ([`RuntimeApi::served`]) and everything that did not match
//! ([`RuntimeApi::mismatched_posts`], [`RuntimeApi::unexpected_posts`],
//! [`RuntimeApi::stray_requests`]) is recorded for tests to compare.
//!
//! A response posted in Lambda's streaming mode
//! (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked) is read
//! frame by frame as it arrives: [`Answer::streamed`] holds when each chunk
//! came and the HTTP trailers, and an error reported in the trailers after
//! the first byte (`Lambda-Runtime-Function-Error-Type`/`-Body`) is the
//! answer's `Err`, as Lambda reports it to the caller.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use lambda_fn::testing::{DeadlineHeader, RuntimeApi};
//! use std::time::Duration;
//!
//! let api = RuntimeApi::start().await?;
//! let mut function = api.spawn("target/release/hello".as_ref(), &[])?;
//! let answer = api
//!     .invoke(r#"{"name":"Ferris"}"#, DeadlineHeader::In(Duration::from_secs(3)))
//!     .await;
//! assert_eq!(answer.json()["message"], "Hello, Ferris!");
//! function.kill().await;
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// The `Lambda-Runtime-Deadline-Ms` header an event is served with.
#[derive(Clone, Debug)]
pub enum DeadlineHeader {
    /// A real deadline this long after the event is served.
    In(Duration),
    /// This exact header value (`"600000"`, `"soon"`, ...).
    Raw(String),
    /// No header at all.
    Missing,
}

/// One scripted event.
///
/// Build it with [`Event::new`] and the `with_*`/`without_*` methods, or
/// with struct update syntax (`Event { request_id, ..Event::new(..) }`).
#[derive(Clone, Debug)]
pub struct Event {
    /// The `Lambda-Runtime-Aws-Request-Id`. Sent as raw header bytes, so any
    /// string a header value can hold works (see
    /// [`with_request_id`](Self::with_request_id)); a value that cannot be
    /// one (a control character) makes `/next` answer `500`.
    pub request_id: String,
    /// The event body.
    pub body: Bytes,
    /// The deadline header.
    pub deadline: DeadlineHeader,
    /// The status the server answers this invocation's `/response` or
    /// `/error` post with: `202 Accepted`, or `410 Gone` to play Lambda
    /// having already ended the invocation. The post is recorded either way.
    pub answer_status: StatusCode,
    /// The `Lambda-Runtime-Trace-Id` (X-Ray tracing header) `/next` sends,
    /// or `None` to send none. [`Event::new`] makes a fresh one per event.
    pub trace_id: Option<String>,
    /// The `Lambda-Runtime-Invocation-Id` `/next` sends, which the function
    /// is expected to echo on this invocation's `/response` or `/error`
    /// post; `None` sends none, and then any post for the request id is
    /// accepted. [`Event::new`] makes a fresh one per event.
    pub invocation_id: Option<String>,
    /// Whether the server, after reading and recording this invocation's
    /// `/response` or `/error` post, never replies to it (see
    /// [`answer_hangs`](Self::answer_hangs)).
    pub answer_hangs: bool,
    /// `Some(n)`: `/next` sends the body with chunked transfer encoding (no
    /// `Content-Length`), in chunks of `n` bytes (at least 1); `None` (the
    /// default): one body with a `Content-Length`.
    pub chunk_size: Option<usize>,
    /// `Some(n)`: once a streamed response to this invocation has sent `n`
    /// bytes, the server drops the connection, as Lambda does when the
    /// caller goes away (see [`caller_leaves_after`](Self::caller_leaves_after)).
    pub stream_cut_after: Option<usize>,
}

impl Event {
    /// An event with a fresh request id, a fresh X-Ray trace id and a fresh
    /// invocation id (each distinct from every other event's in this
    /// process).
    pub fn new(body: impl Into<Bytes>, deadline: DeadlineHeader) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self {
            request_id: format!("req-{n:08}"),
            body: body.into(),
            deadline,
            answer_status: StatusCode::ACCEPTED,
            trace_id: Some(fresh_trace_id(n)),
            invocation_id: Some(fresh_invocation_id(n)),
            answer_hangs: false,
            chunk_size: None,
            stream_cut_after: None,
        }
    }

    /// This event, whose streamed response is cut once `bytes` of it have
    /// arrived: the server drops the post's connection, as when the caller
    /// of a streaming invocation goes away. Nothing is recorded as its
    /// answer; [`RuntimeApi::cut_streams`] lists it.
    #[must_use]
    pub fn caller_leaves_after(mut self, bytes: usize) -> Self {
        self.stream_cut_after = Some(bytes);
        self
    }

    /// This event, with its answer refused as `410 Gone` (the answer is
    /// still recorded): what Lambda replies once an invocation has timed out.
    #[must_use]
    pub fn answered_gone(mut self) -> Self {
        self.answer_status = StatusCode::GONE;
        self
    }

    /// This event, with `request_id` as its request id: any string, `/`,
    /// `?`, `#`, `..`, spaces and non-ASCII UTF-8 included. `/next` sends it
    /// as raw header bytes; the router percent-decodes the id segment of a
    /// `/response` or `/error` path before matching it, so a function must
    /// percent-encode such an id in the path. Push the same request id
    /// twice to play a re-delivered invocation.
    ///
    /// # Panics
    ///
    /// If `request_id` cannot be a header value (it holds a control
    /// character such as `\r`, `\n` or `\0`).
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = header_value_or_panic("request id", request_id.into());
        self
    }

    /// This event, sent with this exact `Lambda-Runtime-Trace-Id`.
    ///
    /// # Panics
    ///
    /// If `trace_id` cannot be a header value.
    #[must_use]
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> Self {
        self.trace_id = Some(header_value_or_panic("trace id", trace_id.into()));
        self
    }

    /// This event, sent without a `Lambda-Runtime-Trace-Id` header.
    #[must_use]
    pub fn without_trace_id(mut self) -> Self {
        self.trace_id = None;
        self
    }

    /// This event, sent with this exact `Lambda-Runtime-Invocation-Id`: to
    /// give two deliveries of one request id known invocation ids.
    ///
    /// # Panics
    ///
    /// If `invocation_id` cannot be a header value.
    #[must_use]
    pub fn with_invocation_id(mut self, invocation_id: impl Into<String>) -> Self {
        self.invocation_id = Some(header_value_or_panic("invocation id", invocation_id.into()));
        self
    }

    /// This event, sent without a `Lambda-Runtime-Invocation-Id` header (as
    /// Lambda did before it sent one): any post for its request id is
    /// accepted, and [`Answer::invocation_id`] records whatever was sent.
    #[must_use]
    pub fn without_invocation_id(mut self) -> Self {
        self.invocation_id = None;
        self
    }

    /// This event, with its `/response` or `/error` post read in full and
    /// recorded as usual ([`RuntimeApi::answer`] returns it) and then never
    /// replied to: the connection stays open until the function drops it.
    /// Takes precedence over [`answered_gone`](Self::answered_gone). Counted
    /// by [`RuntimeApi::hung_posts`].
    #[must_use]
    pub fn answer_hangs(mut self) -> Self {
        self.answer_hangs = true;
        self
    }

    /// This event, with its body sent by `/next` with chunked transfer
    /// encoding, in chunks of 64 KiB, and no `Content-Length`: the function
    /// cannot know the size up front.
    #[must_use]
    pub fn chunked(mut self) -> Self {
        self.chunk_size = Some(64 * 1024);
        self
    }
}

/// `value`, checked to be sendable as a header value.
fn header_value_or_panic(what: &str, value: String) -> String {
    if let Err(err) = HeaderValue::from_bytes(value.as_bytes()) {
        panic!(
            "{what} {value:?} cannot be sent as a header value ({err}): it holds a control character"
        );
    }
    value
}

/// A process-wide seed, from the time and the process id, so that two test
/// processes are unlikely to hand out the same ids.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        splitmix64(nanos as u64 ^ (u64::from(std::process::id()) << 32))
    })
}

/// The splitmix64 mixer: a bijection on `u64`, so distinct counters give
/// distinct outputs (what makes every event's ids differ).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An X-Ray tracing header for event number `n`, in the format of
/// <https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader>.
fn fresh_trace_id(n: u64) -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as u32;
    let seed = seed();
    let high = (splitmix64(n ^ seed.rotate_left(17)) >> 32) as u32;
    let unique = splitmix64(n.wrapping_add(seed));
    let parent = splitmix64(n.wrapping_add(seed ^ 0x5A5A_5A5A_5A5A_5A5A));
    format!("Root=1-{seconds:08x}-{high:08x}{unique:016x};Parent={parent:016x};Sampled=1")
}

/// A UUID-shaped (8-4-4-4-12 hex digits) invocation id for event number
/// `n`; its last 16 digits alone differ between any two events.
fn fresh_invocation_id(n: u64) -> String {
    let seed = seed();
    let high = splitmix64(n.wrapping_add(seed ^ 0xA5A5_A5A5_A5A5_A5A5));
    let low = splitmix64(n.wrapping_add(seed ^ 0x0F0F_0F0F_0F0F_0F0F));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

/// A failure of one `/next` poll, queued among the events with
/// [`RuntimeApi::push_fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollFault {
    /// The poll is answered `500 Internal Server Error`.
    ServerError,
    /// The connection is closed without an answer.
    DropConnection,
}

/// What `/next` hands out next.
enum Scripted {
    Event(Event),
    Fault(PollFault),
}

/// An event served and not yet answered.
struct InFlight {
    request_id: String,
    invocation_id: Option<String>,
    served_at: Instant,
    deadline: Option<Instant>,
    answer_status: StatusCode,
    answer_hangs: bool,
    stream_cut_after: Option<usize>,
}

/// One event as `/next` handed it out, listed by [`RuntimeApi::served`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Served {
    /// The `Lambda-Runtime-Aws-Request-Id` sent.
    pub request_id: String,
    /// The `Lambda-Runtime-Invocation-Id` sent, if any.
    pub invocation_id: Option<String>,
    /// The `Lambda-Runtime-Trace-Id` sent, if any.
    pub trace_id: Option<String>,
    /// When the event was served.
    pub served_at: Instant,
}

/// What the function posted for one invocation (or for its init).
#[derive(Clone, Debug)]
pub struct Answer {
    /// The request id, or `None` for `/init/error`.
    pub request_id: Option<String>,
    /// `Ok(body)` for `/response`, `Err((errorType, errorMessage))` for
    /// `/error` and `/init/error`.
    pub outcome: Result<Bytes, (String, String)>,
    /// When the event was served on `/next` (`None` for init errors).
    pub served_at: Option<Instant>,
    /// When the answer arrived.
    pub answered_at: Instant,
    /// The deadline the event was served with, if it was a real one.
    pub deadline: Option<Instant>,
    /// The `Lambda-Runtime-Invocation-Id` header of the post, or `None` if
    /// it had none (whatever the event was served with).
    pub invocation_id: Option<String>,
    /// The `Lambda-Runtime-Function-Error-Type` header of the post, if any.
    pub error_type_header: Option<String>,
    /// The length of the posted body, in bytes, as received.
    pub body_len: usize,
    /// The path and query the post was sent to, exactly as received (not
    /// percent-decoded). Always `Some`, init errors included.
    pub path: Option<String>,
    /// How a response posted in streaming mode arrived; `None` for a
    /// buffered one.
    pub streamed: Option<Streamed>,
}

/// A response posted with `Lambda-Runtime-Function-Response-Mode:
/// streaming`, as it arrived: each data frame with the instant it was read,
/// and the HTTP trailers after the last one.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Streamed {
    /// Every data frame in order: when it was read, and how many bytes it
    /// carried (the bytes themselves are [`Streamed::body`]).
    pub chunks: Vec<(Instant, usize)>,
    /// The whole body, prelude included, as streamed (also when the stream
    /// then failed).
    pub body: Bytes,
    /// The `Content-Type` of the post.
    pub content_type: Option<String>,
    /// The HTTP trailers, names lowercase, in the order received.
    pub trailers: Vec<(String, String)>,
    /// When the last frame (data or trailers) arrived.
    pub ended_at: Option<Instant>,
}

impl Streamed {
    /// When the first byte of the body arrived.
    pub fn first_byte_at(&self) -> Option<Instant> {
        self.chunks
            .iter()
            .find(|(_, len)| *len > 0)
            .map(|(at, _)| *at)
    }

    /// The value of trailer `name` (case-insensitive), if it was sent.
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl Answer {
    /// The response body as JSON. Panics (with the error) if the invocation
    /// failed.
    pub fn json(&self) -> serde_json::Value {
        match &self.outcome {
            Ok(body) => serde_json::from_slice(body).expect("the response is JSON"),
            Err((error_type, message)) => {
                panic!("expected a response, the invocation failed: {error_type}: {message}")
            }
        }
    }

    /// The `errorType`, or `None` for a successful response.
    pub fn error_type(&self) -> Option<&str> {
        self.outcome.as_ref().err().map(|(t, _)| t.as_str())
    }

    /// The `errorMessage`, or `None` for a successful response.
    pub fn error_message(&self) -> Option<&str> {
        self.outcome.as_ref().err().map(|(_, m)| m.as_str())
    }

    /// Time from serving the event to receiving the answer.
    pub fn latency(&self) -> Option<Duration> {
        self.served_at.map(|served| self.answered_at - served)
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Scripted>,
    /// Events served and not yet answered.
    in_flight: Vec<InFlight>,
    answers: Vec<Answer>,
    /// Posts for unknown or already answered request ids.
    unexpected: Vec<String>,
    /// Posts for a served request id with the wrong invocation id.
    mismatched: Vec<Answer>,
    /// `"{METHOD} {path-and-query}"` of requests the router does not know.
    stray: Vec<String>,
    /// Every event handed out by `/next`, in order.
    served: Vec<Served>,
    /// Answer posts never replied to: ever, and held open now.
    hung_posts: usize,
    open_hung_posts: usize,
    /// Request ids whose streamed response was cut ([`Event::caller_leaves_after`]).
    cut_streams: Vec<String>,
    first_poll_at: Option<Instant>,
    polls: usize,
    /// `/next` polls waiting for an event now, and the most seen at once.
    waiting_polls: usize,
    most_waiting_polls: usize,
    /// The most events served and not yet answered at once.
    most_in_flight: usize,
    /// Names of the extensions registered through the Extensions API.
    extensions: Vec<String>,
}

struct Shared {
    state: Mutex<State>,
    event_queued: Notify,
    answered: Notify,
    polled: Notify,
    connections: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A loopback Runtime API server. Dropping it stops the server.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeApi {
    /// Starts a server on a free port of `127.0.0.1`.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            event_queued: Notify::new(),
            answered: Notify::new(),
            polled: Notify::new(),
            connections: AtomicUsize::new(0),
        });
        let server_shared = shared.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                server_shared.connections.fetch_add(1, Ordering::SeqCst);
                let shared = server_shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| route(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`: `127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// The environment Lambda gives a function, pointing at this server.
    pub fn lambda_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.endpoint().as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "test-function"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test-function"),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/11/27/[$LATEST]0123456789abcdef",
            ),
            ("AWS_REGION", "us-east-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Starts `binary` against this server with Lambda's environment plus
    /// `env`, capturing its stdout and stderr.
    pub fn spawn(&self, binary: &Path, env: &[(&str, &str)]) -> std::io::Result<Function> {
        self.spawn_with(binary, env, |_| {})
    }

    /// Like [`spawn`](Self::spawn), with `configure` called on the command
    /// just before it is spawned: to pin the process to a CPU with
    /// `pre_exec`, or to set its working directory. The environment and
    /// standard streams are already set; `configure` may change them.
    pub fn spawn_with(
        &self,
        binary: &Path,
        env: &[(&str, &str)],
        configure: impl FnOnce(&mut tokio::process::Command),
    ) -> std::io::Result<Function> {
        let mut command = tokio::process::Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.lambda_env())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        configure(&mut command);
        let spawning_at = Instant::now();
        let mut child = command.spawn()?;
        let output = Arc::new(Mutex::new(Output::default()));
        let stdout = child
            .stdout
            .take()
            .map(|pipe| collect(pipe, output.clone(), false));
        let stderr = child
            .stderr
            .take()
            .map(|pipe| collect(pipe, output.clone(), true));
        Ok(Function {
            child,
            output,
            readers: stdout.into_iter().chain(stderr).collect(),
            spawning_at,
            started_at: Instant::now(),
        })
    }

    /// Queues an event for the next `/next` poll.
    pub fn push(&self, event: Event) {
        self.shared.lock().queue.push_back(Scripted::Event(event));
        self.shared.event_queued.notify_one();
    }

    /// Queues a failure for the `/next` poll that would take the next
    /// queued item: that poll fails with `fault`, and the events behind it
    /// go to the polls after it.
    pub fn push_fault(&self, fault: PollFault) {
        self.shared.lock().queue.push_back(Scripted::Fault(fault));
        self.shared.event_queued.notify_one();
    }

    /// Queues every event of `events`, in order, under one lock: how a
    /// benchmark queues thousands of invocations without waking the server
    /// once per event.
    pub fn push_all(&self, events: impl IntoIterator<Item = Event>) {
        self.shared
            .lock()
            .queue
            .extend(events.into_iter().map(Scripted::Event));
        self.shared.event_queued.notify_waiters();
        self.shared.event_queued.notify_one();
    }

    /// Queues an event and waits (up to 30 s) for its answer.
    pub async fn invoke(&self, body: impl Into<Bytes>, deadline: DeadlineHeader) -> Answer {
        let event = Event::new(body, deadline);
        let id = event.request_id.clone();
        self.push(event);
        self.answer(&id, Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("no answer to {id} within 30s"))
    }

    /// Waits up to `timeout` for the answer to `request_id`.
    pub async fn answer(&self, request_id: &str, timeout: Duration) -> Option<Answer> {
        self.wait_for(timeout, |state| {
            state
                .answers
                .iter()
                .find(|a| a.request_id.as_deref() == Some(request_id))
                .cloned()
        })
        .await
    }

    /// Waits up to `timeout` for a post to `/init/error`.
    pub async fn init_error(&self, timeout: Duration) -> Option<Answer> {
        self.wait_for(timeout, |state| {
            state
                .answers
                .iter()
                .find(|a| a.request_id.is_none())
                .cloned()
        })
        .await
    }

    /// Waits up to `timeout` for the first `/next` poll; returns when it came.
    pub async fn first_poll(&self, timeout: Duration) -> Option<Instant> {
        self.wait_for(timeout, |state| state.first_poll_at).await
    }

    /// Every answer so far, in arrival order.
    pub fn answers(&self) -> Vec<Answer> {
        self.shared.lock().answers.clone()
    }

    /// Number of answers recorded so far (including init errors), without
    /// copying them.
    pub fn answer_count(&self) -> usize {
        self.shared.lock().answers.len()
    }

    /// Removes and returns every answer so far, in arrival order: later
    /// calls to [`answers`](Self::answers) and [`answer`](Self::answer) see
    /// only newer ones.
    pub fn take_answers(&self) -> Vec<Answer> {
        std::mem::take(&mut self.shared.lock().answers)
    }

    /// Posts that matched no served, unanswered event (a second answer to
    /// one invocation, or an answer to an unknown id).
    pub fn unexpected_posts(&self) -> Vec<String> {
        self.shared.lock().unexpected.clone()
    }

    /// Posts to `/response` or `/error` for a served, unanswered request id
    /// whose `Lambda-Runtime-Invocation-Id` header matched none of the
    /// invocations in flight with that id (a different value, or none where
    /// the invocation was served with one), in arrival order. They were
    /// answered `400 Bad Request` (`InvalidInvocationId`) and are not
    /// answers: the invocation stays in flight. `served_at` and `deadline`
    /// are `None`; `request_id`, `invocation_id`, `outcome` and `path` say
    /// what was posted.
    pub fn mismatched_posts(&self) -> Vec<Answer> {
        self.shared.lock().mismatched.clone()
    }

    /// Waits up to `timeout` for a [mismatched post](Self::mismatched_posts)
    /// for `request_id`.
    pub async fn mismatched_post(&self, request_id: &str, timeout: Duration) -> Option<Answer> {
        self.wait_for(timeout, |state| {
            state
                .mismatched
                .iter()
                .find(|a| a.request_id.as_deref() == Some(request_id))
                .cloned()
        })
        .await
    }

    /// Waits up to `timeout` for the answer posted with this
    /// `Lambda-Runtime-Invocation-Id`: which of two deliveries of one
    /// request id an answer was for.
    pub async fn answer_for_invocation(
        &self,
        invocation_id: &str,
        timeout: Duration,
    ) -> Option<Answer> {
        self.wait_for(timeout, |state| {
            state
                .answers
                .iter()
                .find(|a| a.invocation_id.as_deref() == Some(invocation_id))
                .cloned()
        })
        .await
    }

    /// `"{METHOD} {path-and-query}"` (path as received, not decoded) of
    /// every request the server did not recognise, in arrival order: an
    /// unknown path or method, or a `/response` or `/error` path whose
    /// request-id segment is not valid percent-encoded UTF-8. Each was
    /// answered `404 Not Found`.
    pub fn stray_requests(&self) -> Vec<String> {
        self.shared.lock().stray.clone()
    }

    /// Every event handed out by `/next` so far, in order: compare what was
    /// sent with what came back.
    pub fn served(&self) -> Vec<Served> {
        self.shared.lock().served.clone()
    }

    /// Number of answer posts held open unanswered so far ([`Event::answer_hangs`]),
    /// in total: the count does not go down when a connection closes.
    pub fn hung_posts(&self) -> usize {
        self.shared.lock().hung_posts
    }

    /// Request ids whose streamed response the server cut, as a caller
    /// going away does ([`Event::caller_leaves_after`]).
    pub fn cut_streams(&self) -> Vec<String> {
        self.shared.lock().cut_streams.clone()
    }

    /// Number of answer posts held open unanswered right now: like
    /// [`hung_posts`](Self::hung_posts), less those whose connection the
    /// function has closed since.
    pub fn open_hung_posts(&self) -> usize {
        self.shared.lock().open_hung_posts
    }

    /// Number of `/next` polls received.
    pub fn polls(&self) -> usize {
        self.shared.lock().polls
    }

    /// The names of the extensions registered through the Extensions API.
    pub fn extensions(&self) -> Vec<String> {
        self.shared.lock().extensions.clone()
    }

    /// The most `/next` polls that were open at the same time.
    pub fn most_waiting_polls(&self) -> usize {
        self.shared.lock().most_waiting_polls
    }

    /// The most invocations that were in flight (served by `/next`, not yet
    /// answered) at the same time.
    pub fn most_in_flight(&self) -> usize {
        self.shared.lock().most_in_flight
    }

    /// Number of TCP connections accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let give_up = tokio::time::Instant::now() + timeout;
        loop {
            let answered = self.shared.answered.notified();
            let polled = self.shared.polled.notified();
            if let Some(found) = check(&self.shared.lock()) {
                return Some(found);
            }
            tokio::select! {
                _ = answered => {}
                _ = polled => {}
                _ = tokio::time::sleep_until(give_up) => return check(&self.shared.lock()),
            }
        }
    }
}

/// Returned by the service to make hyper close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (PollFault::DropConnection)")
    }
}

impl std::error::Error for DropConnection {}

/// The server's response body: a `Content-Length` body, or a chunked one
/// for [`Event::chunked`].
type Body = BoxBody<Bytes, Infallible>;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).boxed()
}

/// `body` as a stream of `chunk_size`-byte frames, which hyper sends with
/// chunked transfer encoding because the size is not known up front.
fn chunked(body: Bytes, chunk_size: usize) -> Body {
    let chunk_size = chunk_size.max(1);
    let frames: Vec<Result<Frame<Bytes>, Infallible>> = (0..body.len())
        .step_by(chunk_size)
        .map(|at| Ok(Frame::data(body.slice(at..body.len().min(at + chunk_size)))))
        .collect();
    StreamBody::new(futures_util::stream::iter(frames)).boxed()
}

/// What an answer post carried besides its body.
struct Post<'a> {
    path: &'a str,
    invocation_id: Option<String>,
    error_type_header: Option<String>,
    /// How a streaming-mode post arrived.
    streamed: Option<Streamed>,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

async fn route(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |raw| raw.as_str().to_owned());
    let headers = request.headers();
    let extension_name = header(headers, "lambda-extension-name");
    let streaming = header(headers, "lambda-runtime-function-response-mode")
        .is_some_and(|mode| mode.eq_ignore_ascii_case("streaming"));
    let content_type = header(headers, "content-type");
    let mut post = Post {
        path: &path_and_query,
        invocation_id: header(headers, "lambda-runtime-invocation-id"),
        error_type_header: header(headers, "lambda-runtime-function-error-type"),
        streamed: None,
    };
    let body = if streaming {
        // The invocation this post answers, if it is to be cut.
        let answering = path
            .strip_prefix("/2018-06-01/runtime/invocation/")
            .and_then(|rest| rest.strip_suffix("/response"))
            .and_then(percent_decode);
        let cut_after = answering.as_ref().and_then(|id| {
            shared
                .lock()
                .in_flight
                .iter()
                .find(|served| &served.request_id == id)
                .and_then(|served| served.stream_cut_after)
        });
        let Ok(mut streamed) = read_streamed(request.into_body(), cut_after).await else {
            return Ok(reply(StatusCode::BAD_REQUEST, "unreadable body"));
        };
        if let (Some(limit), Some(id)) = (cut_after, answering)
            && streamed.body.len() >= limit
        {
            let mut state = shared.lock();
            state.in_flight.retain(|served| served.request_id != id);
            state.cut_streams.push(id);
            drop(state);
            shared.answered.notify_waiters();
            return Err(DropConnection);
        }
        streamed.content_type = content_type;
        let body = streamed.body.clone();
        post.streamed = Some(streamed);
        body
    } else {
        match request.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, "unreadable body")),
        }
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let recorded = match (&method, segments.as_slice()) {
        (&Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => {
            return next(&shared).await;
        }
        (
            &Method::POST,
            [
                "2018-06-01",
                "runtime",
                "invocation",
                id,
                kind @ ("response" | "error"),
            ],
        ) => match percent_decode(id) {
            Some(id) => record(&shared, Some(&id), *kind == "response", body, post),
            None => return Ok(stray(&shared, &method, &path_and_query)),
        },
        (&Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            record(&shared, None, false, body, post)
        }
        // The Extensions API, as far as an extension subscribed to no
        // events uses it: registration, then a poll that Lambda never
        // answers.
        (&Method::POST, ["2020-01-01", "extension", "register"]) => {
            let mut state = shared.lock();
            state.extensions.push(extension_name.unwrap_or_default());
            return Ok(Response::builder()
                .status(StatusCode::OK)
                .header(
                    "lambda-extension-identifier",
                    format!("ext-{}", state.extensions.len()),
                )
                .body(full(Bytes::from_static(b"{}")))
                .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "bad reply")));
        }
        (&Method::GET, ["2020-01-01", "extension", "event", "next"]) => {
            return std::future::pending().await;
        }
        _ => return Ok(stray(&shared, &method, &path_and_query)),
    };
    match recorded {
        Recorded::Reply(response) => Ok(response),
        Recorded::Hang => {
            // Counted as open until the connection drops (hyper then drops
            // this future).
            struct Held<'a>(&'a Shared);
            impl Drop for Held<'_> {
                fn drop(&mut self) {
                    self.0.lock().open_hung_posts -= 1;
                }
            }
            {
                let mut state = shared.lock();
                state.hung_posts += 1;
                state.open_hung_posts += 1;
            }
            let _held = Held(&shared);
            std::future::pending().await
        }
    }
}

/// Reads a streaming-mode post frame by frame, noting when each data frame
/// arrived, and its trailers.
async fn read_streamed(
    mut body: Incoming,
    cut_after: Option<usize>,
) -> Result<Streamed, hyper::Error> {
    let mut streamed = Streamed::default();
    // The frames are kept as they came and joined once the body has ended,
    // so that reading a large stream costs the harness no copy while it
    // runs (its end is when the last frame arrived, not after the join).
    let mut frames: Vec<Bytes> = Vec::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        let at = Instant::now();
        streamed.ended_at = Some(at);
        match frame.into_data() {
            Ok(data) => {
                streamed.chunks.push((at, data.len()));
                len += data.len();
                frames.push(data);
                if cut_after.is_some_and(|limit| len >= limit) {
                    break;
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    let mut name = None;
                    for (key, value) in trailers {
                        if let Some(key) = key {
                            name = Some(key);
                        }
                        if let Some(name) = &name {
                            streamed.trailers.push((
                                name.as_str().to_owned(),
                                String::from_utf8_lossy(value.as_bytes()).into_owned(),
                            ));
                        }
                    }
                }
            }
        }
    }
    streamed.body = match frames.len() {
        0 => Bytes::new(),
        1 => frames.pop().unwrap_or_default(),
        _ => {
            let mut bytes = bytes::BytesMut::with_capacity(len);
            for frame in &frames {
                bytes.extend_from_slice(frame);
            }
            bytes.freeze()
        }
    };
    Ok(streamed)
}

/// The error a streamed response reported in its trailers after the first
/// byte, as `(errorType, errorMessage)`: the type from
/// `Lambda-Runtime-Function-Error-Type`, the message from the JSON error
/// object that `Lambda-Runtime-Function-Error-Body` carries base64-encoded
/// (the raw trailer if it is not that).
fn trailer_error(streamed: &Streamed) -> Option<(String, String)> {
    let error_type = streamed.trailer("lambda-runtime-function-error-type")?;
    let body = streamed
        .trailer("lambda-runtime-function-error-body")
        .unwrap_or_default();
    let message = base64_decode(body)
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .and_then(|error| error["errorMessage"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.to_owned());
    Some((error_type.to_owned(), message))
}

/// Standard base64 (RFC 4648 §4, padded or not), or `None` if `text` is
/// not that.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for &c in digits {
        bits = bits << 6 | u32::from(value(c)?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// Records a request the router does not recognise and answers it `404`.
fn stray(shared: &Shared, method: &Method, path_and_query: &str) -> Response<Body> {
    shared
        .lock()
        .stray
        .push(format!("{method} {path_and_query}"));
    shared.answered.notify_waiters();
    reply(StatusCode::NOT_FOUND, "unknown Runtime API path")
}

/// The percent-decoding of one path segment (RFC 3986 §2.1; `+` stays
/// `+`), or `None` if an escape is malformed or the result is not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    fn hex(digit: u8) -> Option<u8> {
        char::from(digit).to_digit(16).map(|d| d as u8)
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let escape = bytes.get(at + 1..at + 3)?;
            decoded.push(hex(escape[0])? << 4 | hex(escape[1])?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

async fn next(shared: &Shared) -> Result<Response<Body>, DropConnection> {
    {
        let mut state = shared.lock();
        state.polls += 1;
        state.waiting_polls += 1;
        state.most_waiting_polls = state.most_waiting_polls.max(state.waiting_polls);
        state.first_poll_at.get_or_insert_with(Instant::now);
    }
    // Counted as waiting until it is served or the connection drops.
    struct Waiting<'a>(&'a Shared);
    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            self.0.lock().waiting_polls -= 1;
        }
    }
    let waiting = Waiting(shared);
    shared.polled.notify_waiters();
    let scripted = loop {
        let queued = shared.event_queued.notified();
        if let Some(scripted) = shared.lock().queue.pop_front() {
            break scripted;
        }
        queued.await;
    };
    drop(waiting);
    let event = match scripted {
        Scripted::Event(event) => event,
        Scripted::Fault(PollFault::ServerError) => {
            return Ok(reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"errorType":"ServiceException","errorMessage":"injected /next failure"}"#,
            ));
        }
        Scripted::Fault(PollFault::DropConnection) => return Err(DropConnection),
    };
    let served_at = Instant::now();
    // Raw bytes, so that any id a test scripts goes out as it is.
    let raw = |value: &str| HeaderValue::from_bytes(value.as_bytes());
    let (Ok(request_id), Ok(trace_id), Ok(invocation_id)) = (
        raw(&event.request_id),
        event.trace_id.as_deref().map(raw).transpose(),
        event.invocation_id.as_deref().map(raw).transpose(),
    ) else {
        return Ok(reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "bad scripted event: an id is not a valid header value",
        ));
    };
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header("lambda-runtime-aws-request-id", request_id)
        .header(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:test-function",
        )
        .header(http::header::CONTENT_TYPE, "application/json");
    if let Some(trace_id) = trace_id {
        response = response.header("lambda-runtime-trace-id", trace_id);
    }
    if let Some(invocation_id) = invocation_id {
        response = response.header("lambda-runtime-invocation-id", invocation_id);
    }
    let deadline = match &event.deadline {
        DeadlineHeader::In(after) => {
            let epoch_ms = (SystemTime::now() + *after)
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            response = response.header("lambda-runtime-deadline-ms", epoch_ms.to_string());
            Some(served_at + *after)
        }
        DeadlineHeader::Raw(value) => {
            response = response.header("lambda-runtime-deadline-ms", value.as_str());
            None
        }
        DeadlineHeader::Missing => None,
    };
    {
        let mut state = shared.lock();
        state.in_flight.push(InFlight {
            request_id: event.request_id.clone(),
            invocation_id: event.invocation_id.clone(),
            served_at,
            deadline,
            answer_status: event.answer_status,
            answer_hangs: event.answer_hangs,
            stream_cut_after: event.stream_cut_after,
        });
        state.most_in_flight = state.most_in_flight.max(state.in_flight.len());
        state.served.push(Served {
            request_id: event.request_id,
            invocation_id: event.invocation_id,
            trace_id: event.trace_id,
            served_at,
        });
    }
    let body = match event.chunk_size {
        None => full(event.body),
        Some(chunk_size) => chunked(event.body, chunk_size),
    };
    Ok(response
        .body(body)
        .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "bad scripted event")))
}

/// What to do with an answer post once it is recorded.
enum Recorded {
    Reply(Response<Body>),
    /// Never reply ([`Event::answer_hangs`]).
    Hang,
}

fn record(
    shared: &Shared,
    request_id: Option<&str>,
    success: bool,
    body: Bytes,
    post: Post<'_>,
) -> Recorded {
    // A streamed answer arrived with its last frame.
    let answered_at = post
        .streamed
        .as_ref()
        .and_then(|streamed| streamed.ended_at)
        .unwrap_or_else(Instant::now);
    let body_len = body.len();
    let streamed_error = post.streamed.as_ref().and_then(trailer_error);
    let outcome = if let Some(error) = streamed_error {
        Err(error)
    } else if success {
        Ok(body)
    } else {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ErrorBody {
            error_type: String,
            error_message: String,
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(error) => Err((error.error_type, error.error_message)),
            Err(err) => Err((
                "<malformed error body>".to_owned(),
                format!("{err}: {}", String::from_utf8_lossy(&body)),
            )),
        }
    };
    let mut answer = Answer {
        request_id: request_id.map(str::to_owned),
        outcome,
        served_at: None,
        answered_at,
        deadline: None,
        invocation_id: post.invocation_id,
        error_type_header: post.error_type_header,
        body_len,
        path: Some(post.path.to_owned()),
        streamed: post.streamed,
    };
    let mut state = shared.lock();
    let (status, hangs) = match request_id {
        None => (StatusCode::ACCEPTED, false),
        Some(id) => {
            let same_id = |served: &&InFlight| served.request_id == id;
            // The delivery whose invocation id was echoed; else one served
            // without an invocation id, which any post matches.
            let found = state
                .in_flight
                .iter()
                .position(|served| {
                    same_id(&served)
                        && served.invocation_id.is_some()
                        && served.invocation_id == answer.invocation_id
                })
                .or_else(|| {
                    state
                        .in_flight
                        .iter()
                        .position(|served| same_id(&served) && served.invocation_id.is_none())
                });
            match found {
                Some(at) => {
                    let served = state.in_flight.swap_remove(at);
                    answer.served_at = Some(served.served_at);
                    answer.deadline = served.deadline;
                    (served.answer_status, served.answer_hangs)
                }
                None if state.in_flight.iter().any(|served| same_id(&served)) => {
                    let message = format!(
                        "invocation id {} does not match the invocation in flight for request {id}",
                        answer
                            .invocation_id
                            .as_deref()
                            .map_or_else(|| "<none>".to_owned(), |sent| format!("{sent:?}")),
                    );
                    state.mismatched.push(answer);
                    drop(state);
                    shared.answered.notify_waiters();
                    let body = serde_json::json!({
                        "errorType": "InvalidInvocationId",
                        "errorMessage": message,
                    });
                    return Recorded::Reply(reply_owned(StatusCode::BAD_REQUEST, body.to_string()));
                }
                None => {
                    state.unexpected.push(id.to_owned());
                    drop(state);
                    shared.answered.notify_waiters();
                    return Recorded::Reply(reply(
                        StatusCode::GONE,
                        "invocation already answered or unknown",
                    ));
                }
            }
        }
    };
    state.answers.push(answer);
    drop(state);
    shared.answered.notify_waiters();
    if hangs {
        return Recorded::Hang;
    }
    if status == StatusCode::GONE {
        return Recorded::Reply(reply(
            StatusCode::GONE,
            r#"{"errorType":"InvalidStateTransition","errorMessage":"Invalid state transition"}"#,
        ));
    }
    Recorded::Reply(reply(status, r#"{"status":"OK"}"#))
}

fn reply(status: StatusCode, body: &'static str) -> Response<Body> {
    reply_owned(status, Bytes::from_static(body.as_bytes()))
}

fn reply_owned(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body.into()));
    *response.status_mut() = status;
    response
}

#[derive(Default)]
struct Output {
    stdout: String,
    stderr: String,
}

fn collect<R>(
    mut pipe: R,
    output: Arc<Mutex<Output>>,
    is_stderr: bool,
) -> tokio::task::JoinHandle<()>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buffer = [0_u8; 8192];
        while let Ok(n) = pipe.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buffer[..n]);
            let mut output = output.lock().unwrap_or_else(PoisonError::into_inner);
            if is_stderr {
                output.stderr.push_str(&text);
            } else {
                output.stdout.push_str(&text);
            }
        }
    })
}

/// A function process started by [`RuntimeApi::spawn`]. Killed on drop.
pub struct Function {
    child: tokio::process::Child,
    output: Arc<Mutex<Output>>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    /// Just before the process was spawned (before fork and exec): where a
    /// cold start (spawn → first `/next`, [`RuntimeApi::first_poll`]) is
    /// measured from.
    pub spawning_at: Instant,
    /// When the process was spawned.
    pub started_at: Instant,
}

impl Function {
    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The process's peak resident set size so far, in KiB (`VmHWM` in
    /// `/proc/<pid>/status`; Linux only). `None` once the process has
    /// exited or where `/proc` is not available.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// The time the process's threads have spent on a CPU so far (the sum
    /// of the first field of `/proc/<pid>/task/*/schedstat`; Linux only).
    /// `None` once the process has exited or where `/proc` is not
    /// available.
    pub fn cpu_time(&self) -> Option<Duration> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid()?)).ok()?;
        let mut nanos = 0_u64;
        for task in tasks {
            let schedstat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            nanos += schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(Duration::from_nanos(nanos))
    }

    /// Waits up to `timeout` for the process to exit.
    pub async fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .ok()?
            .ok()?;
        for reader in self.readers.drain(..) {
            let _ = reader.await;
        }
        Some(status)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the process.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stderr
            .clone()
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stdout
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;

    async fn send(api: &RuntimeApi, request: String) -> String {
        let mut stream = TcpStream::connect(api.endpoint()).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        String::from_utf8_lossy(&response).into_owned()
    }

    fn get(path: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    }

    fn post(path: &str, invocation_id: Option<&str>, body: &str) -> String {
        let header = invocation_id
            .map(|id| format!("Lambda-Runtime-Invocation-Id: {id}\r\n"))
            .unwrap_or_default();
        format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{header}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    #[test]
    fn percent_decoding_of_a_path_segment() {
        let decode = |segment| percent_decode(segment);
        assert_eq!(decode("req-1").as_deref(), Some("req-1"));
        assert_eq!(decode("a%2Fb%3Fc%23d").as_deref(), Some("a/b?c#d"));
        assert_eq!(decode("%2e%2E").as_deref(), Some(".."));
        assert_eq!(decode("a%20b+c").as_deref(), Some("a b+c"));
        assert_eq!(decode("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(decode("").as_deref(), Some(""));
        for malformed in ["%", "a%2", "%zz", "%+1", "%FF"] {
            assert_eq!(decode(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn every_event_gets_its_own_trace_and_invocation_ids() {
        let events: Vec<Event> = (0..2000)
            .map(|_| Event::new("{}", DeadlineHeader::Missing))
            .collect();
        let traces: HashSet<_> = events.iter().map(|e| e.trace_id.clone().unwrap()).collect();
        let invocations: HashSet<_> = events
            .iter()
            .map(|e| e.invocation_id.clone().unwrap())
            .collect();
        assert_eq!((traces.len(), invocations.len()), (2000, 2000));
        let hex =
            |part: &str, len| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit());
        for trace in &traces {
            let (root, rest) = trace.split_once(";Parent=").unwrap();
            let (parent, sampled) = rest.split_once(';').unwrap();
            let root: Vec<_> = root.strip_prefix("Root=1-").unwrap().split('-').collect();
            assert!(
                hex(root[0], 8) && hex(root[1], 24) && root.len() == 2,
                "{trace}"
            );
            assert!(hex(parent, 16) && sampled == "Sampled=1", "{trace}");
        }
        for id in &invocations {
            let parts: Vec<_> = id.split('-').collect();
            let lens = [8, 4, 4, 4, 12];
            assert!(
                parts.len() == 5 && parts.iter().zip(lens).all(|(p, l)| hex(p, l)),
                "{id}"
            );
        }
        let bare = Event::new("{}", DeadlineHeader::Missing)
            .without_trace_id()
            .without_invocation_id();
        assert_eq!((bare.trace_id, bare.invocation_id), (None, None));
    }

    #[test]
    #[should_panic(expected = "cannot be sent as a header value")]
    fn a_request_id_that_cannot_be_a_header_panics() {
        let _ = Event::new("{}", DeadlineHeader::Missing).with_request_id("a\r\nb");
    }

    /// Writes a streaming-mode post by hand, chunk by chunk with `pause`
    /// between chunks, then `trailers` (raw `Name: value` lines), and
    /// returns the server's reply.
    async fn stream_post(
        api: &RuntimeApi,
        path: &str,
        chunks: &[&str],
        pause: Duration,
        trailers: &str,
    ) -> String {
        let mut stream = TcpStream::connect(api.endpoint()).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
             Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Content-Type: application/vnd.awslambda.http-integration-response\r\n\
             Transfer-Encoding: chunked\r\n\
             Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        for chunk in chunks {
            let frame = format!("{:x}\r\n{chunk}\r\n", chunk.len());
            stream.write_all(frame.as_bytes()).await.unwrap();
            tokio::time::sleep(pause).await;
        }
        stream
            .write_all(format!("0\r\n{trailers}\r\n").as_bytes())
            .await
            .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        String::from_utf8_lossy(&response).into_owned()
    }

    #[test]
    fn base64_as_the_error_body_trailer_carries_it() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[tokio::test]
    async fn a_streamed_response_is_recorded_chunk_by_chunk() {
        let api = RuntimeApi::start().await.unwrap();
        api.push(
            Event::new("{}", DeadlineHeader::Missing)
                .with_request_id("s1")
                .without_invocation_id(),
        );
        send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        let pause = Duration::from_millis(60);
        let reply = stream_post(
            &api,
            "/2018-06-01/runtime/invocation/s1/response",
            &["first line\n", "second line\n", "third\n"],
            pause,
            "",
        )
        .await;
        assert!(reply.starts_with("HTTP/1.1 202"), "{reply}");
        let answer = api.answer("s1", Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            answer.outcome.as_deref().ok(),
            Some(&b"first line\nsecond line\nthird\n"[..])
        );
        let streamed = answer.streamed.expect("recorded as streamed");
        assert_eq!(
            streamed.content_type.as_deref(),
            Some("application/vnd.awslambda.http-integration-response")
        );
        let sizes: Vec<usize> = streamed.chunks.iter().map(|(_, len)| *len).collect();
        assert_eq!(sizes, [11, 12, 6]);
        // Each chunk is timed as it arrives, not when the body ends.
        let first = streamed.first_byte_at().unwrap();
        let last = streamed.chunks.last().unwrap().0;
        assert!(
            last - first >= pause * 2 - Duration::from_millis(5),
            "{:?}",
            last - first
        );
        assert!(answer.answered_at >= last);
        assert!(streamed.trailers.is_empty());

        // A buffered post is not marked streamed.
        api.push(
            Event::new("{}", DeadlineHeader::Missing)
                .with_request_id("b1")
                .without_invocation_id(),
        );
        send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        send(
            &api,
            post("/2018-06-01/runtime/invocation/b1/response", None, "{}"),
        )
        .await;
        let answer = api.answer("b1", Duration::from_secs(5)).await.unwrap();
        assert!(answer.streamed.is_none());
    }

    #[tokio::test]
    async fn an_error_after_the_first_byte_is_read_from_the_trailers() {
        let api = RuntimeApi::start().await.unwrap();
        api.push(
            Event::new("{}", DeadlineHeader::Missing)
                .with_request_id("s2")
                .without_invocation_id(),
        );
        send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        // {"errorType":"Timeout","errorMessage":"out of time"}
        let body = "eyJlcnJvclR5cGUiOiJUaW1lb3V0IiwiZXJyb3JNZXNzYWdlIjoib3V0IG9mIHRpbWUifQ==";
        let trailers = format!(
            "Lambda-Runtime-Function-Error-Type: Timeout\r\nLambda-Runtime-Function-Error-Body: {body}\r\n"
        );
        stream_post(
            &api,
            "/2018-06-01/runtime/invocation/s2/response",
            &["partial"],
            Duration::ZERO,
            &trailers,
        )
        .await;
        let answer = api.answer("s2", Duration::from_secs(5)).await.unwrap();
        assert_eq!(answer.error_type(), Some("Timeout"));
        assert_eq!(answer.error_message(), Some("out of time"));
        let streamed = answer.streamed.unwrap();
        assert_eq!(&streamed.body[..], b"partial");
        assert_eq!(
            streamed.trailer("Lambda-Runtime-Function-Error-Type"),
            Some("Timeout")
        );
    }

    #[tokio::test]
    async fn answers_are_matched_by_decoded_request_id_and_invocation_id() {
        let api = RuntimeApi::start().await.unwrap();
        let id = "a/b ?#.. ✓";
        let event = || Event::new("{}", DeadlineHeader::Missing).with_request_id(id);
        api.push(event().with_invocation_id("inv-1"));
        api.push(event().with_invocation_id("inv-2"));
        api.push(event().with_request_id("plain").without_invocation_id());
        for invocation in ["inv-1", "inv-2"] {
            let served = send(&api, get("/2018-06-01/runtime/invocation/next")).await;
            assert!(served.contains(&format!("lambda-runtime-aws-request-id: {id}\r\n")));
            assert!(served.contains(&format!("lambda-runtime-invocation-id: {invocation}\r\n")));
        }
        let served = send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        assert!(!served.contains("lambda-runtime-invocation-id"), "{served}");

        let path = "/2018-06-01/runtime/invocation/a%2Fb%20%3F%23..%20%E2%9C%93/response";
        let status = |reply: &str| reply.split(' ').nth(1).unwrap().to_owned();
        let reply = send(&api, post(path, Some("inv-9"), "1")).await;
        assert_eq!(status(&reply), "400", "{reply}");
        assert!(
            reply.contains(r#""errorType":"InvalidInvocationId""#),
            "{reply}"
        );
        assert_eq!(status(&send(&api, post(path, None, "2")).await), "400");
        assert_eq!(
            status(&send(&api, post(path, Some("inv-2"), "3")).await),
            "202"
        );
        assert_eq!(
            status(&send(&api, post(path, Some("inv-1"), "4")).await),
            "202"
        );
        assert_eq!(
            status(&send(&api, post(path, Some("inv-1"), "5")).await),
            "410"
        );
        let plain = "/2018-06-01/runtime/invocation/plain/response";
        assert_eq!(
            status(&send(&api, post(plain, Some("x"), "6")).await),
            "202"
        );

        let mismatched = api.mismatched_posts();
        let sent: Vec<_> = mismatched
            .iter()
            .map(|a| a.invocation_id.as_deref())
            .collect();
        assert_eq!(sent, [Some("inv-9"), None]);
        assert!(
            mismatched
                .iter()
                .all(|a| a.request_id.as_deref() == Some(id))
        );
        let answers = api.answers();
        let got: Vec<_> = answers
            .iter()
            .map(|a| (a.invocation_id.as_deref(), a.outcome.clone().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("inv-2"), Bytes::from("3")),
                (Some("inv-1"), Bytes::from("4")),
                (Some("x"), Bytes::from("6")),
            ]
        );
        assert_eq!(answers[0].path.as_deref(), Some(path));
        assert_eq!(answers[0].body_len, 1);
        assert_eq!(api.unexpected_posts(), [id]);
        let served: Vec<_> = api.served().into_iter().map(|s| s.invocation_id).collect();
        assert_eq!(served, [Some("inv-1".into()), Some("inv-2".into()), None]);

        send(&api, get("/2018-06-01/runtime/invocation/nope?x=1")).await;
        send(
            &api,
            post("/2018-06-01/runtime/invocation/%zz/error", None, "{}"),
        )
        .await;
        assert_eq!(
            api.stray_requests(),
            [
                "GET /2018-06-01/runtime/invocation/nope?x=1",
                "POST /2018-06-01/runtime/invocation/%zz/error",
            ]
        );
    }

    #[tokio::test]
    async fn a_chunked_event_has_no_content_length() {
        let api = RuntimeApi::start().await.unwrap();
        let body = format!("\"{}\"", "x".repeat(200_000));
        api.push(Event::new(body.clone(), DeadlineHeader::Missing).chunked());
        api.push(Event::new(body.clone(), DeadlineHeader::Missing));
        let chunked = send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        let (head, rest) = chunked.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
        assert!(!head.contains("content-length"), "{head}");
        assert!(rest.starts_with("10000\r\n"), "64 KiB chunks");
        let plain = send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        assert!(plain.contains(&format!("content-length: {}\r\n", body.len())));
    }

    #[tokio::test]
    async fn a_hanging_answer_is_recorded_and_never_replied_to() {
        let api = RuntimeApi::start().await.unwrap();
        let event = Event::new("{}", DeadlineHeader::Missing).answer_hangs();
        let (id, invocation_id) = (event.request_id.clone(), event.invocation_id.clone());
        api.push(event);
        send(&api, get("/2018-06-01/runtime/invocation/next")).await;
        let mut stream = TcpStream::connect(api.endpoint()).await.unwrap();
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        let request = post(&path, invocation_id.as_deref(), "{}");
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = api.answer(&id, Duration::from_secs(5)).await.unwrap();
        assert_eq!(answer.invocation_id, invocation_id);
        let mut buffer = [0_u8; 64];
        let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await;
        assert!(read.is_err(), "no reply: {read:?}");
        assert_eq!((api.hung_posts(), api.open_hung_posts()), (1, 1));
        drop(stream);
        for _ in 0..100 {
            if api.open_hung_posts() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!((api.hung_posts(), api.open_hung_posts()), (1, 0));
    }
}
