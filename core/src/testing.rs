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
use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
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
#[derive(Clone, Debug)]
pub struct Event {
    /// The `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// The event body.
    pub body: Bytes,
    /// The deadline header.
    pub deadline: DeadlineHeader,
    /// The status the server answers this invocation's `/response` or
    /// `/error` post with: `202 Accepted`, or `410 Gone` to play Lambda
    /// having already ended the invocation. The post is recorded either way.
    pub answer_status: StatusCode,
}

impl Event {
    /// An event with a fresh request id.
    pub fn new(body: impl Into<Bytes>, deadline: DeadlineHeader) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self {
            request_id: format!("req-{n:08}"),
            body: body.into(),
            deadline,
            answer_status: StatusCode::ACCEPTED,
        }
    }

    /// This event, with its answer refused as `410 Gone` (the answer is
    /// still recorded): what Lambda replies once an invocation has timed out.
    #[must_use]
    pub fn answered_gone(mut self) -> Self {
        self.answer_status = StatusCode::GONE;
        self
    }
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
    served_at: Instant,
    deadline: Option<Instant>,
    answer_status: StatusCode,
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

async fn route(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let extension_name = request
        .headers()
        .get("lambda-extension-name")
        .and_then(|name| name.to_str().ok())
        .map(str::to_owned);
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, "unreadable body")),
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Ok(match (method, segments.as_slice()) {
        (Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => next(&shared).await?,
        (
            Method::POST,
            [
                "2018-06-01",
                "runtime",
                "invocation",
                id,
                kind @ ("response" | "error"),
            ],
        ) => record(&shared, Some(id), *kind == "response", body),
        (Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            record(&shared, None, false, body)
        }
        // The Extensions API, as far as an extension subscribed to no
        // events uses it: registration, then a poll that Lambda never
        // answers.
        (Method::POST, ["2020-01-01", "extension", "register"]) => {
            let mut state = shared.lock();
            state.extensions.push(extension_name.unwrap_or_default());
            Response::builder()
                .status(StatusCode::OK)
                .header(
                    "lambda-extension-identifier",
                    format!("ext-{}", state.extensions.len()),
                )
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "bad reply"))
        }
        (Method::GET, ["2020-01-01", "extension", "event", "next"]) => std::future::pending().await,
        _ => reply(StatusCode::NOT_FOUND, "unknown Runtime API path"),
    })
}

async fn next(shared: &Shared) -> Result<Response<Full<Bytes>>, DropConnection> {
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
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header("lambda-runtime-aws-request-id", &event.request_id)
        .header(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:test-function",
        )
        .header(
            "lambda-runtime-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
        .header(http::header::CONTENT_TYPE, "application/json");
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
            served_at,
            deadline,
            answer_status: event.answer_status,
        });
        state.most_in_flight = state.most_in_flight.max(state.in_flight.len());
    }
    Ok(response
        .body(Full::new(event.body))
        .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "bad scripted event")))
}

fn record(
    shared: &Shared,
    request_id: Option<&str>,
    success: bool,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let answered_at = Instant::now();
    let outcome = if success {
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
    let mut state = shared.lock();
    let (served_at, deadline, status) = match request_id {
        None => (None, None, StatusCode::ACCEPTED),
        Some(id) => match state
            .in_flight
            .iter()
            .position(|served| served.request_id == id)
        {
            Some(at) => {
                let served = state.in_flight.swap_remove(at);
                (
                    Some(served.served_at),
                    served.deadline,
                    served.answer_status,
                )
            }
            None => {
                state.unexpected.push(id.to_owned());
                drop(state);
                return reply(StatusCode::GONE, "invocation already answered or unknown");
            }
        },
    };
    state.answers.push(Answer {
        request_id: request_id.map(str::to_owned),
        outcome,
        served_at,
        answered_at,
        deadline,
    });
    drop(state);
    shared.answered.notify_waiters();
    if status == StatusCode::GONE {
        return reply(
            StatusCode::GONE,
            r#"{"errorType":"InvalidStateTransition","errorMessage":"Invalid state transition"}"#,
        );
    }
    reply(status, r#"{"status":"OK"}"#)
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
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
