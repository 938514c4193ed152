//! The Runtime API loop: poll `/next`, serve the invocation, post the answer.
//!
//! The HTTP client is `lambda_runtime_api_client` (the one `lambda_runtime`
//! uses, with its connection handling and user agent); the context type is
//! `lambda_runtime::Context`. The loop itself is lambda-fn's, because the
//! contract asks for things `lambda_runtime::run` does not do (checked
//! against lambda_runtime 1.5):
//!
//! - a missing `Lambda-Runtime-Deadline-Ms` header makes `Context::new`
//!   panic, and an unparsable one ends `run` with an error; lambda-fn serves
//!   such an invocation with no deadline guard instead;
//! - init failures are posted to `/runtime/init/error` only on the SnapStart
//!   path; lambda-fn posts every init failure;
//! - errors are reported with `std::any::type_name` as `errorType`;
//!   lambda-fn reports short, documented types;
//! - a failed `/next` poll ends `run` at once; lambda-fn retries briefly
//!   before giving up, as other managed runtimes do;
//! - `_X_AMZN_TRACE_ID` is set with `std::env::set_var`, and glibc keeps
//!   every value ever set: with Lambda's distinct trace id per invocation
//!   the process grows by ~140 bytes per invocation. lambda-fn sets it
//!   without allocating ([`crate::trace_env`]);
//! - nothing bounds a post of an answer, nor the size of a `/next` body;
//!   lambda-fn bounds every exchange but the long poll of `/next` itself
//!   ([`EXCHANGE_TIMEOUT`], [`MAX_EVENT_BYTES`]);
//! - the request id is spliced into the answer's URL as it came; lambda-fn
//!   percent-encodes it as one path segment ([`request_path`]);
//! - on `SIGTERM` the invocation in flight is lost; lambda-fn cuts it short
//!   and answers it first (see [`crate::entry`]).
//!
//! Like lambda_runtime since 1.4 and the other runtime interface clients,
//! each answer echoes the invocation's `Lambda-Runtime-Invocation-Id`.
//!
//! See <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::future::Either;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use lambda_runtime::{Config, Context};
use lambda_runtime_api_client::{Client, body::Body, build_request};
use tracing::Instrument;

use crate::deadline::{Deadline, ShutdownCut, format_duration};
use crate::error::{self, Diagnostic};
use crate::failure::Failure;
use crate::invocation::{self, Handler, Invocation, Outcome, Response};
use crate::stream::Streaming;
use crate::watchdog::Watchdog;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Lambda's limit for a synchronous response payload, in bytes: what its
/// `Response payload size (...) exceeded maximum allowed payload size
/// (6291556 bytes)` error names. Error bodies are held to it too.
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// The largest `/next` body lambda-fn reads. Lambda's invocation payloads
/// are at most 6 MB (synchronous; 1 MB asynchronous), so a larger body is
/// not an event Lambda sent: it is answered `InvalidEvent` without being
/// read into memory.
pub const MAX_EVENT_BYTES: usize = MAX_RESPONSE_BYTES;

/// How long any exchange with the Runtime API may take, except the wait
/// for `/next` to hand out an event (a long poll): posting an answer, an
/// init error or an extension registration, and reading an event's body
/// once its headers have arrived. Lambda's Runtime API is local to the
/// execution environment and answers in milliseconds; a post it accepted
/// and never answered must not stall the loop for good.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";
const EXTENSION_REGISTER: &str = "/2020-01-01/extension/register";
const EXTENSION_NEXT: &str = "/2020-01-01/extension/event/next";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
/// The header that makes a `/response` post a streamed one.
const RESPONSE_MODE: &str = "lambda-runtime-function-response-mode";
/// The trailer naming the error of a stream that failed after its first
/// byte.
const ERROR_TYPE_TRAILER: &str = "lambda-runtime-function-error-type";
/// The trailer carrying that error's JSON object, base64-encoded.
const ERROR_BODY_TRAILER: &str = "lambda-runtime-function-error-body";
/// The most of an error message a trailer carries: trailers are header
/// lines, which servers limit to a few KiB.
const MAX_TRAILER_MESSAGE_BYTES: usize = 4096;

/// Consecutive failed `/next` polls tolerated before a serving loop gives up.
const NEXT_ATTEMPTS: u32 = 5;

/// A connection to the Runtime API.
pub(crate) struct RuntimeApi {
    client: Client,
}

/// One event from `/next`.
pub(crate) struct NextEvent {
    pub headers: HeaderMap,
    /// The body, or why it was not read (too large, too slow): the
    /// invocation is then answered with that failure.
    pub body: Result<Bytes, Failure>,
}

/// Where and how one invocation is answered.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    /// The request id, for logs.
    pub request_id: String,
    /// `/2018-06-01/runtime/invocation/<encoded id>`.
    pub path: String,
    /// `Lambda-Runtime-Invocation-Id`, echoed when `/next` sent one.
    pub invocation_id: Option<HeaderValue>,
}

impl Reply {
    /// The reply for an event's headers, or why it cannot be answered.
    pub(crate) fn for_event(headers: &HeaderMap) -> Result<Self, String> {
        let id = headers
            .get("lambda-runtime-aws-request-id")
            .ok_or("an event arrived without a Lambda-Runtime-Aws-Request-Id")?;
        let path = request_path(id.as_bytes()).ok_or_else(|| {
            format!(
                "an event arrived with the request id {:?}, which cannot name an invocation in a URL",
                String::from_utf8_lossy(id.as_bytes())
            )
        })?;
        Ok(Self {
            request_id: String::from_utf8_lossy(id.as_bytes()).into_owned(),
            path,
            invocation_id: headers.get(INVOCATION_ID).cloned(),
        })
    }
}

/// `/2018-06-01/runtime/invocation/<id>` with the request id as one
/// percent-encoded path segment, so that no request id (`../next`,
/// `x/response?`, spaces, non-ASCII) can name another endpoint or turn an
/// error into a success. Every byte but the unreserved characters of RFC
/// 3986 is encoded; `.` and `..`, which would still be read as dot
/// segments, and the empty id are refused (`None`). Lambda's request ids
/// are UUIDs, which pass through unchanged.
pub(crate) fn request_path(id: &[u8]) -> Option<String> {
    if matches!(id, b"" | b"." | b"..") {
        return None;
    }
    let mut path = String::with_capacity(32 + id.len());
    path.push_str("/2018-06-01/runtime/invocation/");
    for &byte in id {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            path.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            path.push('%');
            path.push(char::from(HEX[usize::from(byte >> 4)]));
            path.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    Some(path)
}

impl RuntimeApi {
    /// Connects to the Runtime API named by `AWS_LAMBDA_RUNTIME_API`:
    /// `host:port` in Lambda, or a base URL such as
    /// `http://[::]:9000/.rt/hello` under `cargo lambda watch` (the client
    /// puts the base path in front of every request).
    pub(crate) fn new(endpoint: &str) -> Result<Self, String> {
        let uri = if endpoint.contains("://") {
            endpoint.parse::<http::Uri>()
        } else {
            format!("http://{endpoint}").parse::<http::Uri>()
        };
        let uri = uri.map_err(|err| {
            format!(
                "AWS_LAMBDA_RUNTIME_API={endpoint:?} is not a host:port or an http:// URL: {err}"
            )
        })?;
        // TCP_NODELAY: a streamed response is many small writes, and with
        // Nagle's algorithm each would wait for the previous one's ACK
        // (up to the peer's delayed-ACK timer, 40 ms on Linux).
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder()
            .with_connector(connector)
            .with_endpoint(uri)
            .build()
            .map_err(|err| format!("cannot create the Runtime API client: {err}"))?;
        Ok(Self { client })
    }

    /// One bounded exchange: the whole of it, answer body included, within
    /// [`EXCHANGE_TIMEOUT`].
    async fn send(
        &self,
        request: Request<Body>,
    ) -> Result<(StatusCode, HeaderMap, Bytes), BoxError> {
        let exchange = async {
            let response = self.client.call(request).await?;
            let (parts, body) = response.into_parts();
            Ok::<_, BoxError>((parts.status, parts.headers, reply_body(body).await?))
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no reply within {}", format_duration(EXCHANGE_TIMEOUT)))?
    }

    /// Polls `/next`, retrying failed polls with a short backoff. The wait
    /// for an event is unbounded (a long poll); its body is read within
    /// [`EXCHANGE_TIMEOUT`] and up to [`MAX_EVENT_BYTES`].
    ///
    /// `Ok(None)` when the shutdown began while no event had begun to
    /// arrive: the poll is given up. Once an event's headers are in, Lambda
    /// counts the invocation as running, so it is read and served (cut
    /// short by the shutdown) rather than dropped.
    pub(crate) async fn next(&self, shutdown: &ShutdownCut) -> Result<Option<NextEvent>, String> {
        let mut failures = 0;
        loop {
            let why = match self.poll(shutdown).await {
                Ok(event) => return Ok(event),
                Err(why) => why,
            };
            failures += 1;
            if failures >= NEXT_ATTEMPTS {
                return Err(format!(
                    "the Runtime API failed {failures} polls of /next in a row, the last with {why}"
                ));
            }
            tracing::warn!(attempt = failures, error = %why, "polling /next failed, retrying");
            let backoff = std::pin::pin!(tokio::time::sleep(Duration::from_millis(10 << failures)));
            let begun = std::pin::pin!(shutdown.begun());
            if let Either::Right(_) = futures_util::future::select(backoff, begun).await {
                return Ok(None);
            }
        }
    }

    async fn poll(&self, shutdown: &ShutdownCut) -> Result<Option<NextEvent>, String> {
        let request = build_request()
            .method(Method::GET)
            .uri(NEXT)
            .body(Body::empty())
            .map_err(|err| err.to_string())?;
        let call = std::pin::pin!(self.client.call(request));
        let begun = std::pin::pin!(shutdown.begun());
        let response = match futures_util::future::select(call, begun).await {
            Either::Left((response, _)) => response.map_err(|err| err.to_string())?,
            Either::Right(_) => return Ok(None),
        };
        let (parts, body) = response.into_parts();
        if !parts.status.is_success() {
            let body = tokio::time::timeout(EXCHANGE_TIMEOUT, reply_body(body))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err(format!(
                "status {}: {}",
                parts.status,
                String::from_utf8_lossy(&body)
            ));
        }
        let too_large = |size: String| {
            Failure::invalid_event(format!(
                "the event is {size} bytes, over the {MAX_EVENT_BYTES} bytes of Lambda's payload limits; it was not read"
            ))
        };
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        if let Some(size) = declared.filter(|&size| size > MAX_EVENT_BYTES as u64) {
            // Dropping the body closes the connection without reading it.
            return Ok(Some(NextEvent {
                headers: parts.headers,
                body: Err(too_large(size.to_string())),
            }));
        }
        let read = tokio::time::timeout(
            EXCHANGE_TIMEOUT,
            Limited::new(body, MAX_EVENT_BYTES).collect(),
        )
        .await;
        let body = match read {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => {
                Err(too_large(format!("more than {MAX_EVENT_BYTES}")))
            }
            // The connection failed while the body arrived: a failed poll.
            Ok(Err(err)) => return Err(format!("reading the event failed: {err}")),
            Err(_) => Err(Failure::invalid_event(format!(
                "the event's body did not arrive within {}",
                format_duration(EXCHANGE_TIMEOUT)
            ))),
        };
        Ok(Some(NextEvent {
            headers: parts.headers,
            body,
        }))
    }

    async fn post(
        &self,
        path: &str,
        error_type: Option<&str>,
        invocation_id: Option<&HeaderValue>,
        body: Vec<u8>,
    ) -> Result<(), String> {
        let mut request = build_request()
            .method(Method::POST)
            .uri(path)
            .header(http::header::CONTENT_TYPE, "application/json");
        if error_type.is_some() {
            // What Lambda's own runtimes send: the errorType is in the body.
            request = request.header("Lambda-Runtime-Function-Error-Type", "Unhandled");
        }
        if let Some(id) = invocation_id {
            request = request.header(INVOCATION_ID, id);
        }
        let request = request
            .body(Body::from(body))
            .map_err(|err| err.to_string())?;
        match self.send(request).await {
            Ok((status, _, _)) if status.is_success() => Ok(()),
            Ok((status, _, body)) => Err(format!(
                "{path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(err) => Err(format!("{path} failed: {err}")),
        }
    }

    /// Posts the answer to an invocation: a streamed response within the
    /// deadline guard of `deadline`.
    pub(crate) async fn answer(&self, reply: &Reply, outcome: Outcome, deadline: &Deadline) {
        let request_id = reply.request_id.as_str();
        let outcome = match outcome {
            Ok(Response::Streamed(streaming)) => {
                if let Err(why) = self.stream(reply, streaming, deadline).await {
                    tracing::error!(request_id, error = %why, "could not stream the answer");
                }
                return;
            }
            Ok(Response::Buffered(body)) => Ok(body),
            Err(failure) => Err(failure),
        };
        let outcome = outcome.and_then(|body| {
            if body.len() > MAX_RESPONSE_BYTES {
                Err(Failure::InvalidResponse(format!(
                    "the response is {} bytes, over Lambda's limit of {MAX_RESPONSE_BYTES} bytes",
                    body.len()
                )))
            } else {
                Ok(body)
            }
        });
        let result = match outcome {
            Ok(body) => {
                let path = format!("{}/response", reply.path);
                self.post(&path, None, reply.invocation_id.as_ref(), body)
                    .await
            }
            Err(failure) => {
                // A batch's combined error repeats each record's error; those
                // records were already logged one by one, without their
                // payload.
                let quotes_payload = failure.quotes_payload();
                let diagnostic = failure.into_diagnostic();
                if quotes_payload {
                    // serde's messages quote the offending value: a piece of
                    // the payload, which is only logged at debug level.
                    tracing::error!(request_id, error_type = %diagnostic.error_type, "invocation failed: the event did not decode");
                    tracing::debug!(request_id, error = %diagnostic.error_message, "why the event did not decode");
                } else {
                    tracing::error!(
                        request_id,
                        error_type = %diagnostic.error_type,
                        error = %diagnostic.error_message,
                        "invocation failed"
                    );
                }
                let path = format!("{}/error", reply.path);
                self.post(
                    &path,
                    Some(&diagnostic.error_type),
                    reply.invocation_id.as_ref(),
                    error_body(&diagnostic),
                )
                .await
            }
        };
        if let Err(why) = result {
            // 410 Gone: Lambda already ended this invocation (timeout, or the
            // answer was already posted). Nothing more can be done for it,
            // and a second post could answer it twice.
            tracing::error!(request_id, error = %why, "could not post the answer");
        }
    }

    /// Posts a streamed response (see [`crate::stream`] for the protocol):
    /// each chunk as the stream yields it, within the deadline guard and
    /// the panic catcher; a failure after the first byte in the trailers.
    async fn stream(
        &self,
        reply: &Reply,
        streaming: Streaming,
        deadline: &Deadline,
    ) -> Result<(), String> {
        let request_id = reply.request_id.as_str();
        let path = format!("{}/response", reply.path);
        let (mut outbox, body) = crate::pipe::pipe(crate::pipe::BUDGET);
        let body = Body::new(body);
        let mut request = build_request()
            .method(Method::POST)
            .uri(path.as_str())
            .header(http::header::CONTENT_TYPE, streaming.content_type.as_str())
            .header(RESPONSE_MODE, "streaming")
            .header(http::header::TRANSFER_ENCODING, "chunked")
            // HTTP/1.1 sends only the trailers declared up front.
            .header(http::header::TRAILER, ERROR_TYPE_TRAILER)
            .header(http::header::TRAILER, ERROR_BODY_TRAILER);
        if let Some(id) = &reply.invocation_id {
            request = request.header(INVOCATION_ID, id);
        }
        let request = request.body(body).map_err(|err| err.to_string())?;
        let (fed, fed_rx) = tokio::sync::oneshot::channel::<()>();
        let post = async {
            let call = std::pin::pin!(self.client.call(request));
            // The reply comes once the body has ended: bounded from then on.
            let after_the_body = async {
                let _ = fed_rx.await;
                tokio::time::sleep(EXCHANGE_TIMEOUT).await;
            };
            tokio::select! {
                response = call => match response {
                    Ok(response) if response.status().is_success() => Ok(()),
                    Ok(response) => {
                        let status = response.status();
                        let body = tokio::time::timeout(EXCHANGE_TIMEOUT, reply_body(response.into_body()))
                            .await
                            .ok()
                            .and_then(Result::ok)
                            .unwrap_or_default();
                        Err(format!("{path} answered {status}: {}", String::from_utf8_lossy(&body)))
                    }
                    Err(err) => Err(format!("{path} failed: {err}")),
                },
                () = after_the_body => Err(format!(
                    "{path}: no reply within {} of the stream's end",
                    format_duration(EXCHANGE_TIMEOUT)
                )),
            }
        };
        let feeding = async {
            let ended = crate::stream::feed(&mut outbox, streaming.chunks, deadline).await;
            let mut trailers = None;
            if let crate::stream::Ended::Failed(failure) = &ended {
                let diagnostic = failure.clone().into_diagnostic();
                let mut error = HeaderMap::new();
                let error_type = HeaderValue::from_str(&diagnostic.error_type)
                    .unwrap_or_else(|_| HeaderValue::from_static("Unhandled"));
                error.insert(ERROR_TYPE_TRAILER, error_type);
                let encoded = crate::stream::base64(&trailer_error_body(&diagnostic));
                if let Ok(value) = HeaderValue::from_str(&encoded) {
                    error.insert(ERROR_BODY_TRAILER, value);
                }
                trailers = Some(error);
            }
            // The body ends after the queued chunks and the trailers.
            outbox.finish(trailers);
            let _ = fed.send(());
            ended
        };
        let (posted, ended) = futures_util::future::join(post, feeding).await;
        match ended {
            crate::stream::Ended::Done { bytes } => {
                tracing::debug!(request_id, bytes, "streamed the response");
            }
            crate::stream::Ended::Failed(failure) => {
                let diagnostic = failure.into_diagnostic();
                tracing::error!(
                    request_id,
                    error_type = %diagnostic.error_type,
                    error = %diagnostic.error_message,
                    "invocation failed while streaming its response"
                );
            }
            crate::stream::Ended::Gone { bytes } => {
                tracing::warn!(
                    request_id,
                    bytes,
                    "the caller went away: the stream was stopped"
                );
                return Ok(());
            }
        }
        posted
    }

    /// Registers an internal extension subscribed to no events, so that
    /// Lambda sends `SIGTERM` before it shuts the environment down. Returns
    /// the extension's identifier.
    pub(crate) async fn register_extension(&self, name: &str) -> Result<String, String> {
        let request = build_request()
            .method(Method::POST)
            .uri(EXTENSION_REGISTER)
            .header("Lambda-Extension-Name", name)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"events":[]}"#))
            .map_err(|err| err.to_string())?;
        match self.send(request).await {
            Ok((status, headers, _)) if status.is_success() => headers
                .get("lambda-extension-identifier")
                .and_then(|id| id.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| "no Lambda-Extension-Identifier in the answer".to_owned()),
            Ok((status, _, body)) => Err(format!(
                "{EXTENSION_REGISTER} answered {status}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(err) => Err(format!("{EXTENSION_REGISTER} failed: {err}")),
        }
    }

    /// Waits on the extension's `/event/next`: Lambda requires a registered
    /// extension to poll it to end the init phase. An extension subscribed
    /// to no events is never answered, so this waits for good (a long poll,
    /// like `/next`).
    pub(crate) async fn extension_next(&self, id: &str) -> Result<(), String> {
        let request = build_request()
            .method(Method::GET)
            .uri(EXTENSION_NEXT)
            .header("Lambda-Extension-Identifier", id)
            .body(Body::empty())
            .map_err(|err| err.to_string())?;
        self.client
            .call(request)
            .await
            .map(|_| ())
            .map_err(|err| format!("{EXTENSION_NEXT} failed: {err}"))
    }

    /// Posts an init failure to `/runtime/init/error`.
    pub(crate) async fn init_error(&self, diagnostic: &Diagnostic) {
        if let Err(why) = self
            .post(
                INIT_ERROR,
                Some(&diagnostic.error_type),
                None,
                error_body(diagnostic),
            )
            .await
        {
            tracing::error!(error = %why, "could not report the init failure");
        }
    }
}

/// The body of a reply that is not an event: a few bytes of JSON, read up to
/// 64 KiB.
async fn reply_body<B>(body: B) -> Result<Bytes, BoxError>
where
    B: BodyExt,
    B::Error: Into<BoxError>,
{
    Ok(Limited::new(body, 64 * 1024).collect().await?.to_bytes())
}

/// `{"errorType": ..., "errorMessage": ...}`, within [`MAX_RESPONSE_BYTES`]:
/// a longer message (a handler that quotes a 5 MB input, a batch naming
/// every failed record) is cut at a character boundary and ends with a
/// marker saying how much was kept.
pub(crate) fn error_body(diagnostic: &Diagnostic) -> Vec<u8> {
    let body = serde_json::to_vec(diagnostic).unwrap_or_default();
    if body.len() <= MAX_RESPONSE_BYTES {
        return body;
    }
    // An errorType is a short name; one this long is cut to 1 KiB.
    let error_type = truncate_escaped(&diagnostic.error_type, 1024, "");
    let message = &diagnostic.error_message;
    let marker = format!(" ... [truncated: the message is {} bytes]", message.len());
    let overhead = serde_json::to_vec(&error::diagnostic(error_type.clone(), String::new()))
        .map_or(64, |empty| empty.len());
    let room = MAX_RESPONSE_BYTES.saturating_sub(overhead + marker.len());
    let message = truncate_escaped(message, room, &marker);
    serde_json::to_vec(&error::diagnostic(error_type, message)).unwrap_or_default()
}

/// The JSON error object a failed stream's `Lambda-Runtime-Function-Error-Body`
/// trailer carries (base64-encoded): a header line, so its message is cut
/// to [`MAX_TRAILER_MESSAGE_BYTES`] (with a marker saying how long it was).
fn trailer_error_body(diagnostic: &Diagnostic) -> Vec<u8> {
    let message = &diagnostic.error_message;
    let marker = format!(" ... [truncated: the message is {} bytes]", message.len());
    let message = truncate_escaped(message, MAX_TRAILER_MESSAGE_BYTES, &marker);
    let error_type = truncate_escaped(&diagnostic.error_type, 256, "");
    serde_json::to_vec(&error::diagnostic(error_type, message)).unwrap_or_default()
}

/// The longest prefix of `text` whose JSON-escaped form fits in `room`
/// bytes, followed by `marker` when anything was cut.
fn truncate_escaped(text: &str, room: usize, marker: &str) -> String {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        // How serde_json escapes a character inside a string.
        used += match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        };
        if used > room {
            return format!("{}{marker}", &text[..at]);
        }
    }
    text.to_owned()
}

/// The function's configuration, from the environment Lambda sets. Unlike
/// `Config::from_env`, a missing variable (as under some emulators) is left
/// empty rather than a panic.
pub(crate) fn config_from_env() -> Config {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    Config {
        function_name: var("AWS_LAMBDA_FUNCTION_NAME"),
        memory: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").parse().unwrap_or(0),
        version: var("AWS_LAMBDA_FUNCTION_VERSION"),
        log_stream: var("AWS_LAMBDA_LOG_STREAM_NAME"),
        log_group: var("AWS_LAMBDA_LOG_GROUP_NAME"),
    }
}

/// Builds the invocation context from `/next`'s headers. Only the request id
/// is required; anything else that is missing or malformed is left empty.
pub(crate) fn context_from_headers(
    request_id: &str,
    headers: &HeaderMap,
    deadline: &Deadline,
    deadline_ms: Option<u64>,
    config: Arc<Config>,
) -> Context {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    fn json<T: serde::de::DeserializeOwned>(headers: &HeaderMap, name: &str) -> Option<T> {
        let raw = headers.get(name)?.as_bytes();
        if raw.is_empty() {
            return None;
        }
        serde_json::from_slice(raw)
            .inspect_err(
                // serde's message can quote the header's value, which the
                // caller supplied: only at debug level.
                |err| {
                    tracing::warn!(header = name, "ignoring a malformed header");
                    tracing::debug!(header = name, error = %err, "why the header is malformed");
                },
            )
            .ok()
    }
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    // Only a deadline the guard accepted is passed on; an unknown one is 0.
    context.deadline = if deadline.is_known() {
        deadline_ms.unwrap_or(0)
    } else {
        0
    };
    context.invoked_function_arn = text("lambda-runtime-invoked-function-arn").unwrap_or_default();
    context.xray_trace_id = text("lambda-runtime-trace-id");
    context.client_context = json(headers, "lambda-runtime-client-context");
    context.identity = json(headers, "lambda-runtime-cognito-identity");
    context.tenant_id = text("lambda-runtime-aws-tenant-id");
    context.env_config = config;
    context
}

/// How many invocations one execution environment serves at once:
/// `AWS_LAMBDA_MAX_CONCURRENCY` on Lambda Managed Instances, 1 otherwise
/// (unset, unparsable, 0 or 1).
pub(crate) fn max_concurrency() -> usize {
    parse_concurrency(std::env::var("AWS_LAMBDA_MAX_CONCURRENCY").ok().as_deref())
}

fn parse_concurrency(value: Option<&str>) -> usize {
    value
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&n| n > 1)
        .unwrap_or(1)
}

/// Serves invocations until the Runtime API becomes unreachable or the
/// environment shuts down: one at a time, or `concurrency` at once (Lambda
/// Managed Instances).
///
/// Concurrent invocations are served by `concurrency` loops on this one
/// task, each with its own `/next` poll, its own deadline guard and its own
/// connection from the client's pool, all sharing the warm state by
/// reference. They interleave at their `.await` points, as the records of a
/// batch do; nothing needs to be `Send` or `Sync`.
///
/// A loop whose `/next` polls fail [`NEXT_ATTEMPTS`] times in a row gives
/// up; the others keep serving, and finish the invocations they are
/// serving. The process gives up (`Err`) when the last loop has: while any
/// loop is still handed events, the Runtime API is alive. Once `shutdown`
/// has begun, each loop answers the invocation it is serving (cut short at
/// the shutdown's instant) and stops polling; then this returns `Ok`.
pub(crate) async fn serve<S, H: Handler<S>>(
    api: &RuntimeApi,
    state: &S,
    handler: &H,
    timeout_margin: Duration,
    concurrency: usize,
    shutdown: &Arc<ShutdownCut>,
    watchdog: Option<&Watchdog>,
) -> Result<(), String> {
    let config = Arc::new(config_from_env());
    let cold_start = Cell::new(true);
    let serving = Serving {
        api,
        state,
        handler,
        timeout_margin,
        config: &config,
        cold_start: &cold_start,
        // One process-wide variable cannot name the trace of several
        // invocations at once: with concurrency, it is in the context only.
        set_trace_env: concurrency <= 1,
        shutdown,
        watchdog,
    };
    if concurrency > 1 {
        tracing::info!(
            concurrency,
            "serving invocations concurrently (AWS_LAMBDA_MAX_CONCURRENCY)"
        );
    }
    // One way to run the loops, whatever their number: a second one (a
    // plain `.await` for one loop) would compile the whole serving loop,
    // handler included, a second time.
    let mut loops: futures_util::stream::FuturesUnordered<_> =
        (0..concurrency).map(|_| serving.run()).collect();
    let mut gave_up = None;
    let mut serving_loops = concurrency;
    while let Some(ended) = futures_util::StreamExt::next(&mut loops).await {
        serving_loops -= 1;
        if let Err(why) = ended {
            if serving_loops > 0 {
                tracing::error!(
                    error = %why,
                    serving_loops,
                    "a serving loop gave up on /next; the others keep serving"
                );
            }
            gave_up = Some(why);
        }
    }
    match gave_up {
        Some(why) if shutdown.at().is_none() => Err(why),
        _ => Ok(()),
    }
}

/// What each serving loop shares.
struct Serving<'a, S, H> {
    api: &'a RuntimeApi,
    state: &'a S,
    handler: &'a H,
    timeout_margin: Duration,
    config: &'a Arc<Config>,
    /// Whether the next invocation is the environment's first.
    cold_start: &'a Cell<bool>,
    set_trace_env: bool,
    shutdown: &'a Arc<ShutdownCut>,
    /// Answers for invocations whose guard cannot run because a handler
    /// blocks the thread (with concurrency only).
    watchdog: Option<&'a Watchdog>,
}

impl<S, H: Handler<S>> Serving<'_, S, H> {
    /// One serving loop: poll `/next`, serve, answer, until `/next` fails
    /// for good (`Err`) or the shutdown begins (`Ok`).
    async fn run(&self) -> Result<(), String> {
        loop {
            // Idle, a loop stops at once when the shutdown begins: Lambda
            // sends no more events to an environment it is shutting down.
            let Some(event) = self.api.next(self.shutdown).await? else {
                return Ok(());
            };
            self.serve_one(event).await;
            if self.shutdown.at().is_some() {
                return Ok(());
            }
        }
    }

    async fn serve_one(&self, event: NextEvent) {
        let arrived = Instant::now();
        let reply = match Reply::for_event(&event.headers) {
            Ok(reply) => reply,
            Err(why) => {
                // Nothing can be answered: the handler is not run either,
                // since its work could not be reported. Lambda times the
                // invocation out and the event source retries it.
                tracing::error!(
                    "{why}; it cannot be answered, so it is not served and Lambda will time it out"
                );
                return;
            }
        };
        let request_id = reply.request_id.as_str();
        let span = crate::logging::invocation_span(request_id, self.cold_start.replace(false));
        let header = event.headers.get("lambda-runtime-deadline-ms");
        let deadline = Deadline::from_header(
            header.map(|value| value.as_bytes()),
            self.timeout_margin,
            arrived,
            SystemTime::now(),
        )
        .unwrap_or_else(|why| {
            tracing::debug!(parent: &span, reason = ?why, header = ?header, "no deadline guard for this invocation");
            Deadline::unknown()
        })
        .with_shutdown(self.shutdown.clone());
        let deadline_ms = header
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        let context = context_from_headers(
            request_id,
            &event.headers,
            &deadline,
            deadline_ms,
            self.config.clone(),
        );
        if self.set_trace_env {
            crate::trace_env::set(context.xray_trace_id.as_deref());
        }
        let invocation = Invocation::new(&context, self.state, &deadline);
        // With a watchdog, whoever claims the invocation first answers it.
        let watched = self
            .watchdog
            .and_then(|watchdog| watchdog.watch(&reply, &deadline, self.timeout_margin));
        async {
            let outcome = match &event.body {
                Ok(body) => {
                    invocation::serve(self.handler, body, &invocation).await
                }
                Err(unread) => Err(unread.clone()),
            };
            if watched.as_ref().is_none_or(|claim| claim.claim()) {
                self.api.answer(&reply, outcome, &deadline).await;
            } else {
                tracing::warn!(
                    request_id,
                    "the watchdog already answered Timeout while the handler blocked the thread; its own answer is dropped"
                );
            }
        }
        .instrument(span)
        .await;
    }
}

#[cfg(test)]
mod answer_tests {
    use super::{MAX_RESPONSE_BYTES, error_body, request_path};
    use crate::error::diagnostic;

    #[test]
    fn a_request_id_is_one_percent_encoded_path_segment() {
        let uuid = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
        assert_eq!(
            request_path(uuid.as_bytes()).unwrap(),
            format!("/2018-06-01/runtime/invocation/{uuid}")
        );
        assert_eq!(
            request_path("a/../next?x#y z".as_bytes()).unwrap(),
            "/2018-06-01/runtime/invocation/a%2F..%2Fnext%3Fx%23y%20z"
        );
        assert_eq!(
            request_path("réq".as_bytes()).unwrap(),
            "/2018-06-01/runtime/invocation/r%C3%A9q"
        );
        assert_eq!(
            request_path(b"id/response").unwrap(),
            "/2018-06-01/runtime/invocation/id%2Fresponse"
        );
        for refused in [&b""[..], b".", b".."] {
            assert_eq!(request_path(refused), None, "{refused:?}");
        }
        assert!(request_path(b"...").is_some());
    }

    #[test]
    fn a_trailer_error_body_is_short_and_says_how_long_the_message_was() {
        let long = diagnostic("Big", "x".repeat(100_000));
        let body: serde_json::Value =
            serde_json::from_slice(&super::trailer_error_body(&long)).unwrap();
        let message = body["errorMessage"].as_str().unwrap();
        assert!(message.len() < 4200, "{}", message.len());
        assert!(message.ends_with(" ... [truncated: the message is 100000 bytes]"));
        assert_eq!(body["errorType"], "Big");
        let short = diagnostic("Small", "fine");
        let body: serde_json::Value =
            serde_json::from_slice(&super::trailer_error_body(&short)).unwrap();
        assert_eq!(body["errorMessage"], "fine");
    }

    #[test]
    fn an_error_body_is_capped_at_the_response_limit() {
        let small = diagnostic("Odd", "odd");
        assert_eq!(
            error_body(&small),
            br#"{"errorType":"Odd","errorMessage":"odd"}"#
        );
        // Quotes double when escaped: 5 MB of them would be a 10 MB body.
        for filler in ['"', 'é', '\u{1}', 'x'] {
            let message: String = std::iter::repeat_n(filler, 5 * 1024 * 1024).collect();
            let body = error_body(&diagnostic("InvalidEvent", message.clone()));
            assert!(
                body.len() <= MAX_RESPONSE_BYTES,
                "{filler:?}: {}",
                body.len()
            );
            let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let shown = parsed["errorMessage"].as_str().unwrap();
            assert_eq!(parsed["errorType"], "InvalidEvent");
            if filler == 'x' {
                // 5 MiB of plain text fits as it is.
                assert_eq!(shown, message);
            } else {
                let marker = format!(" ... [truncated: the message is {} bytes]", message.len());
                let kept = shown.strip_suffix(&marker).expect("the marker ends it");
                assert!(message.starts_with(kept) && !kept.is_empty());
            }
        }
        let exact = "y".repeat(7_000_000);
        let body = error_body(&diagnostic("Big", exact));
        assert!(body.len() <= MAX_RESPONSE_BYTES);
        assert!(body.len() > MAX_RESPONSE_BYTES - 100, "{}", body.len());
    }
}

#[cfg(test)]
mod concurrency_tests {
    use super::{RuntimeApi, parse_concurrency};

    #[test]
    fn the_endpoint_is_a_host_and_port_or_a_base_url() {
        assert!(RuntimeApi::new("127.0.0.1:9001").is_ok());
        assert!(RuntimeApi::new("http://127.0.0.1:9000/.rt/hello").is_ok());
        assert!(RuntimeApi::new("http://[::]:9000/.rt/hello").is_ok());
        let err = RuntimeApi::new("not a host").err().unwrap();
        assert!(err.contains("not a host:port or an http:// URL"), "{err}");
    }

    #[test]
    fn only_a_number_above_one_serves_concurrently() {
        assert_eq!(parse_concurrency(Some("8")), 8);
        assert_eq!(parse_concurrency(Some(" 4 ")), 4);
        for sequential in [
            None,
            Some("1"),
            Some("0"),
            Some("-3"),
            Some("lots"),
            Some(""),
        ] {
            assert_eq!(parse_concurrency(sequential), 1, "{sequential:?}");
        }
    }
}
