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
//!   before giving up, as other managed runtimes do.
//!
//! See <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use lambda_runtime::{Config, Context};
use lambda_runtime_api_client::{Client, body::Body, build_request};
use tracing::Instrument;

use crate::deadline::Deadline;
use crate::error::{self, Diagnostic};
use crate::invoke::{Handler, Invocation, Outcome};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Lambda's limit for a synchronous response payload.
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";
const EXTENSION_REGISTER: &str = "/2020-01-01/extension/register";
const EXTENSION_NEXT: &str = "/2020-01-01/extension/event/next";

/// Consecutive failed `/next` polls tolerated before the process gives up.
const NEXT_ATTEMPTS: u32 = 5;

/// A connection to the Runtime API.
pub(crate) struct RuntimeApi {
    client: Client,
}

/// One event from `/next`.
pub(crate) struct NextEvent {
    pub headers: HeaderMap,
    pub body: Bytes,
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
        let client = Client::builder()
            .with_endpoint(uri)
            .build()
            .map_err(|err| format!("cannot create the Runtime API client: {err}"))?;
        Ok(Self { client })
    }

    async fn send(
        &self,
        request: Request<Body>,
    ) -> Result<(StatusCode, HeaderMap, Bytes), BoxError> {
        let response = self.client.call(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    /// Polls `/next`, retrying failed polls with a short backoff.
    pub(crate) async fn next(&self) -> Result<NextEvent, String> {
        let mut failures = 0;
        loop {
            let request = build_request()
                .method(Method::GET)
                .uri(NEXT)
                .body(Body::empty())
                .map_err(|err| err.to_string())?;
            let why = match self.send(request).await {
                Ok((status, headers, body)) if status.is_success() => {
                    return Ok(NextEvent { headers, body });
                }
                Ok((status, _, body)) => {
                    format!("status {status}: {}", String::from_utf8_lossy(&body))
                }
                Err(err) => err.to_string(),
            };
            failures += 1;
            if failures >= NEXT_ATTEMPTS {
                return Err(format!(
                    "the Runtime API failed {failures} polls of /next in a row, the last with {why}"
                ));
            }
            tracing::warn!(attempt = failures, error = %why, "polling /next failed, retrying");
            tokio::time::sleep(Duration::from_millis(10 << failures)).await;
        }
    }

    async fn post(
        &self,
        path: &str,
        error_type: Option<&str>,
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

    /// Posts the answer to an invocation.
    pub(crate) async fn answer(&self, request_id: &str, outcome: Outcome) {
        let outcome = outcome.and_then(|body| {
            if body.len() > MAX_RESPONSE_BYTES {
                Err(error::diagnostic(
                    error::INVALID_RESPONSE,
                    format!(
                        "the response is {} bytes, over Lambda's limit of {MAX_RESPONSE_BYTES} bytes",
                        body.len()
                    ),
                ))
            } else {
                Ok(body)
            }
        });
        let result = match outcome {
            Ok(body) => {
                let path = format!("/2018-06-01/runtime/invocation/{request_id}/response");
                self.post(&path, None, body).await
            }
            Err(diagnostic) => {
                // A batch's combined error repeats each record's error as
                // `id: InvalidEvent: ...`; those records were already logged
                // one by one, without their payload.
                let quotes_payload = diagnostic.error_type == error::INVALID_EVENT
                    || diagnostic.error_message.contains(": InvalidEvent: ");
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
                let path = format!("/2018-06-01/runtime/invocation/{request_id}/error");
                self.post(&path, Some(&diagnostic.error_type), error_body(&diagnostic))
                    .await
            }
        };
        if let Err(why) = result {
            // 410 Gone: Lambda already ended this invocation (timeout, or the
            // answer was already posted). Nothing more can be done for it.
            tracing::error!(request_id, error = %why, "could not post the answer");
        }
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
    /// to no events is never answered, so this waits for good.
    pub(crate) async fn extension_next(&self, id: &str) -> Result<(), String> {
        let request = build_request()
            .method(Method::GET)
            .uri(EXTENSION_NEXT)
            .header("Lambda-Extension-Identifier", id)
            .body(Body::empty())
            .map_err(|err| err.to_string())?;
        self.send(request)
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
                error_body(diagnostic),
            )
            .await
        {
            tracing::error!(error = %why, "could not report the init failure");
        }
    }
}

fn error_body(diagnostic: &Diagnostic) -> Vec<u8> {
    // `Diagnostic` serializes as `{"errorType": ..., "errorMessage": ...}`.
    serde_json::to_vec(diagnostic).unwrap_or_default()
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

/// Serves invocations until the Runtime API becomes unreachable: one at a
/// time, or `concurrency` at once (Lambda Managed Instances).
///
/// Concurrent invocations are served by `concurrency` loops on this one
/// task, each with its own `/next` poll, its own deadline guard and its own
/// connection from the client's pool, all sharing the warm state by
/// reference. They interleave at their `.await` points, as the records of a
/// batch do; nothing needs to be `Send` or `Sync`.
pub(crate) async fn serve<S, H: Handler<S>>(
    api: &RuntimeApi,
    state: &S,
    handler: &H,
    timeout_margin: Duration,
    concurrency: usize,
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
    };
    if concurrency > 1 {
        tracing::info!(
            concurrency,
            "serving invocations concurrently (AWS_LAMBDA_MAX_CONCURRENCY)"
        );
    }
    // One way to run the loops, whatever their number: a second one (a
    // plain `.await` for one loop) would compile the whole serving loop,
    // handler included, a second time. A loop only ends on an error.
    let mut loops: futures_util::stream::FuturesUnordered<_> =
        (0..concurrency).map(|_| serving.run()).collect();
    futures_util::StreamExt::next(&mut loops)
        .await
        .unwrap_or(Ok(()))
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
}

impl<S, H: Handler<S>> Serving<'_, S, H> {
    /// One serving loop: poll `/next`, serve, answer, until `/next` fails.
    async fn run(&self) -> Result<(), String> {
        loop {
            let event = self.api.next().await?;
            self.serve_one(event).await;
        }
    }

    async fn serve_one(&self, event: NextEvent) {
        let arrived = Instant::now();
        let Some(request_id) = event
            .headers
            .get("lambda-runtime-aws-request-id")
            .and_then(|id| id.to_str().ok())
            .map(str::to_owned)
        else {
            tracing::error!(
                "an event arrived without a usable Lambda-Runtime-Aws-Request-Id; it cannot be answered and is skipped"
            );
            return;
        };
        let span = crate::logging::invocation_span(&request_id, self.cold_start.replace(false));
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
        });
        let deadline_ms = header
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        let context = context_from_headers(
            &request_id,
            &event.headers,
            &deadline,
            deadline_ms,
            self.config.clone(),
        );
        if self.set_trace_env {
            set_trace_env(context.xray_trace_id.as_deref());
        }
        let invocation = Invocation {
            context: &context,
            state: self.state,
            deadline: &deadline,
        };
        async {
            let outcome =
                crate::invoke::serve_invocation(self.handler, &event.body, &invocation).await;
            self.api.answer(&request_id, outcome).await;
        }
        .instrument(span)
        .await;
    }
}

/// The X-Ray SDKs read the trace header from `_X_AMZN_TRACE_ID`, which
/// custom runtimes must set for each invocation.
fn set_trace_env(trace_id: Option<&str>) {
    // SAFETY: set between invocations, when no handler code of lambda-fn's
    // is running. A thread the user started that reads the environment at
    // this moment could race with it; lambda_runtime's sequential loop has
    // the same exposure, and the Lambda docs require the variable:
    // https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html
    unsafe {
        match trace_id {
            Some(id) => std::env::set_var("_X_AMZN_TRACE_ID", id),
            None => std::env::remove_var("_X_AMZN_TRACE_ID"),
        }
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
