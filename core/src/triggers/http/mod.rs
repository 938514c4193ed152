//! `#[lambda(http)]`: one function behind any of Lambda's HTTP front doors —
//! API Gateway REST APIs (v1), HTTP APIs (v2), Application Load Balancers and
//! function URLs.
//!
//! `lambda_http` converts each front door's event into an `http::Request`
//! and the response back into the shape that front door expects; lambda-fn
//! adds what a production handler needs around it, all answered as HTTP, never
//! as a Lambda invocation error (which the caller would see as a bare 502):
//!
//! - typed extraction: [`json`], [`query`] and [`path_param`] reject bad
//!   input with **400** and a JSON problem body naming the field:
//!   `{"error": "...", "path": "amount"}`;
//! - a handler error answers **500** with `{"error": "internal server error",
//!   "request_id": "..."}`, or the status the error chooses through
//!   [`HttpError`]; its details stay in the logs unless the error exposes them;
//! - a panic answers **500**, the deadline guard **504** — also while the
//!   response body is being read, which happens under the same guard and
//!   catcher (a streaming body that fails answers **500** too).

use std::fmt;

use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use crate::decode;
use crate::error::{Diagnostic, IntoDiagnostic};
use crate::failure::Failure;
use crate::guard::{caught, guarded};
use crate::invocation::{Handler, Invocation, Outcome};

pub use ::http::{Method, StatusCode, header};
pub use lambda_http::{Body, IntoResponse, Request, RequestExt, Response};

/// The target of this module's log lines, as it was before the module moved
/// under `triggers/`: users filter on it (`RUST_LOG=lambda_fn::http=info`).
const LOG_TARGET: &str = "lambda_fn::http";

/// What [`IntoResponse::into_response`] returns: the HTTP response, built
/// asynchronously.
pub type ResponseFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send>>;

/// How a handler's error answers an HTTP request.
///
/// The defaults answer `500 Internal Server Error` without details. Implement
/// it for your error type to choose the status (`404`, `422`, ...) and
/// whether the error's message may be shown to the caller:
///
/// ```
/// use lambda_fn::http::{HttpError, StatusCode};
///
/// #[derive(Debug)]
/// struct NotFound(u64);
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "no order {}", self.0)
///     }
/// }
/// impl std::error::Error for NotFound {}
/// impl HttpError for NotFound {
///     fn status(&self) -> StatusCode { StatusCode::NOT_FOUND }
///     fn expose(&self) -> bool { true }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not say how it answers an HTTP request",
    label = "an `http` handler's error must implement `lambda_fn::http::HttpError`",
    note = "add `impl lambda_fn::http::HttpError for {Self} {{}}` (500, details hidden) and override `status`/`expose` to choose, or return `lambda_fn::Error`"
)]
pub trait HttpError {
    /// The response status. Default: 500.
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// Whether the error's message is shown in the response body. Default:
    /// no — internal errors can carry connection strings, SQL or stack
    /// details, so only errors meant for the caller opt in.
    fn expose(&self) -> bool {
        false
    }

    /// The JSON body of an exposed error. Default: `{"error": <message>}`.
    fn problem(&self) -> Option<serde_json::Value> {
        None
    }
}

impl HttpError for crate::Error {
    fn status(&self) -> StatusCode {
        self.http_status()
            .and_then(|status| StatusCode::from_u16(status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn expose(&self) -> bool {
        self.http_status()
            .is_some_and(|status| (400..500).contains(&status))
    }

    fn problem(&self) -> Option<serde_json::Value> {
        self.problem().cloned()
    }
}

impl HttpError for Box<dyn std::error::Error + Send + Sync> {}

impl HttpError for Rejection {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn expose(&self) -> bool {
        true
    }

    fn problem(&self) -> Option<serde_json::Value> {
        Some(self.body())
    }
}

/// Input that could not be extracted from the request: answered `400 Bad
/// Request` with `{"error": ..., "path": ...}`.
///
/// Deliberately not a `std::error::Error`, so that `?` turns it into a
/// [`crate::Error`] that keeps the 400 (see [`crate::Error::with_status`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What was wrong.
    pub error: String,
    /// Where: the JSON path or the name of the query or path parameter;
    /// `None` for the body as a whole.
    pub path: Option<String>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}: {}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl Rejection {
    /// The problem body: `{"error": ..., "path": ...}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.error, "path": self.path })
    }

    /// The 400 response.
    pub fn into_response(self) -> Response<Body> {
        json_response(StatusCode::BAD_REQUEST, &self.body())
    }

    fn from_path<E: fmt::Display>(err: serde_path_to_error::Error<E>) -> Self {
        let (path, error) = decode::path_and_message(&err);
        Self { error, path }
    }
}

impl From<Rejection> for crate::Error {
    fn from(rejection: Rejection) -> Self {
        crate::Error::msg(rejection.to_string())
            .with_error_type("BadRequest")
            .with_status(400)
            .with_problem(rejection.body())
    }
}

/// The JSON body of the request decoded into `T`. A missing or non-JSON
/// content type is accepted (many clients omit it); a body that does not
/// decode is a [`Rejection`] naming the JSON path of the first mismatch.
pub fn json<T: DeserializeOwned>(request: &Request) -> Result<T, Rejection> {
    let body: &[u8] = request.body().as_ref();
    if body.is_empty() {
        return Err(Rejection {
            error: "the request has no body; expected JSON".to_owned(),
            path: None,
        });
    }
    let mut decoder = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut decoder).map_err(Rejection::from_path)?;
    decoder.end().map_err(|err| Rejection {
        error: err.to_string(),
        path: None,
    })?;
    Ok(value)
}

/// The query string decoded into `T` (`?page=2&size=10` into a struct with
/// `page` and `size`). A parameter that does not decode is a [`Rejection`]
/// naming it.
pub fn query<T: DeserializeOwned>(request: &Request) -> Result<T, Rejection> {
    let query = request.uri().query().unwrap_or_default();
    let pairs = form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
        .map_err(Rejection::from_path)
}

/// The path parameter `name` (from an API Gateway route like
/// `/orders/{id}`) parsed as `T`. A missing or unparsable parameter is a
/// [`Rejection`] naming it.
pub fn path_param<T>(request: &Request, name: &str) -> Result<T, Rejection>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    let parameters = request.path_parameters();
    let value = parameters.first(name).ok_or_else(|| Rejection {
        error: "missing path parameter".to_owned(),
        path: Some(name.to_owned()),
    })?;
    value.parse().map_err(|err: T::Err| Rejection {
        error: format!("invalid value {value:?}: {err}"),
        path: Some(name.to_owned()),
    })
}

/// A response with a JSON body and `content-type: application/json`.
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response<Body> {
    let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Serves an HTTP handler `handler(request, &invocation)`.
pub struct HttpHandler<F, R, E> {
    handler: F,
    into_response: fn(R) -> ResponseFuture,
    refuse: fn(E, &str) -> Response<Body>,
}

impl<F, R, E> HttpHandler<F, R, E>
where
    R: IntoResponse,
    E: HttpError + IntoDiagnostic,
{
    /// Wraps `handler`, a function of the request and the invocation.
    pub fn new(handler: F) -> Self {
        Self::from_parts(handler, R::into_response, error_response::<E>)
    }
}

impl<F, R, E> HttpHandler<F, R, E> {
    /// Wraps `handler` with the functions that turn its response and its
    /// error into HTTP responses (what the generated code uses: each is
    /// named at the user's own type, so a type that does not fit is
    /// reported there).
    pub fn from_parts(
        handler: F,
        into_response: fn(R) -> ResponseFuture,
        refuse: fn(E, &str) -> Response<Body>,
    ) -> Self {
        Self {
            handler,
            into_response,
            refuse,
        }
    }
}

impl<S, F, R, E> Handler<S> for HttpHandler<F, R, E>
where
    F: AsyncFn(Request, &Invocation<'_, S>) -> Result<R, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let respond = async |request| (self.handler)(request, invocation).await;
        let into_response = self.into_response;
        let respond_with = async move |response| Ok(into_response(response).await);
        serve(event, invocation, respond, respond_with, self.refuse).await
    }
}

/// A response type of an `http` handler.
#[diagnostic::on_unimplemented(
    message = "the response type `{Self}` cannot answer an HTTP request",
    label = "`{Self}` does not implement `lambda_fn::http::IntoResponse`",
    note = "answer with a `String`, a `serde_json::Value`, a `(StatusCode, ...)` pair or a `lambda_fn::http::Response<Body>`; for your own type, implement `IntoResponse` or serialize it with `serde_json::to_value`"
)]
pub trait Reply: Sized {
    /// Turns the response into an HTTP response.
    const INTO_RESPONSE: fn(Self) -> ResponseFuture;
}

#[diagnostic::do_not_recommend]
impl<R: IntoResponse> Reply for R {
    const INTO_RESPONSE: fn(Self) -> ResponseFuture = R::into_response;
}

/// An error type of an `http` handler: says its status and is reportable.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not say how it answers an HTTP request",
    label = "an `http` handler's error must implement `lambda_fn::http::HttpError`",
    note = "add `impl lambda_fn::http::HttpError for {Self} {{}}` (500, details hidden) and override `status`/`expose` to choose, or return `lambda_fn::Error`"
)]
pub trait Refusal: Sized {
    /// Answers the request with the error, for the request `request_id`.
    const REFUSE: fn(Self, &str) -> Response<Body>;
}

#[diagnostic::do_not_recommend]
impl<E: HttpError + IntoDiagnostic> Refusal for E {
    const REFUSE: fn(Self, &str) -> Response<Body> = error_response::<E>;
}

/// Serves an existing tower service — an `axum::Router`, a `tower::ServiceBuilder`
/// stack — built once at init by the function under `#[lambda(http)]` and
/// kept as the warm state. Each request runs on a clone of it, as hyper
/// servers do.
///
/// The service answers an `http::Response<B>` with any body `B` (an
/// `http_body::Body` whose error converts into a boxed error, as hyper asks).
/// Lambda takes a buffered response, so the body is read to its end before
/// the answer is posted, still under the deadline guard and the panic
/// catcher: a body that is still streaming when the budget runs out answers
/// **504**, one that yields an error or panics answers **500**, like the
/// handler itself.
pub struct HttpService;

impl HttpService {
    /// The adapter for a service kept as warm state.
    pub fn new() -> Self {
        Self
    }
}

impl Default for HttpService {
    fn default() -> Self {
        Self::new()
    }
}

impl<S, B> Handler<S> for HttpService
where
    S: lambda_http::Service<Request, Response = Response<B>> + Clone,
    S::Error: Into<BoxError>,
    B: http_body_util::BodyExt,
    B::Error: Into<BoxError>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let respond = async |request| call_service(invocation.state, request).await;
        serve(
            event,
            invocation,
            respond,
            collect_body,
            error_response::<crate::Error>,
        )
        .await
    }
}

/// Sends `request` to a clone of `service` once it is ready, as hyper
/// servers do; its error is the handler's error.
async fn call_service<S, B>(service: &S, request: Request) -> Result<Response<B>, crate::Error>
where
    S: lambda_http::Service<Request, Response = Response<B>> + Clone,
    S::Error: Into<BoxError>,
{
    let mut service = service.clone();
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(|err| crate::Error::from_boxed(err.into()))?;
    service
        .call(request)
        .await
        .map_err(|err| crate::Error::from_boxed(err.into()))
}

/// An error a response body yields instead of its next frame.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads a service's response body to its end, then lets lambda_http choose
/// text or base64 from the headers, exactly as it would for the streaming
/// body (the body is handed over complete, so its conversion cannot wait or
/// fail). A frame that is an error is returned as the error: lambda_http's
/// own conversion panics on it.
async fn collect_body<B>(response: Response<B>) -> Result<Response<Body>, BoxError>
where
    B: http_body_util::BodyExt,
    B::Error: Into<BoxError>,
{
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map_err(Into::into)?.to_bytes();
    let complete = Response::from_parts(parts, http_body_util::Full::new(bytes));
    Ok(IntoResponse::into_response(complete).await)
}

/// Decodes the front door's event, runs `respond` on the request and
/// `into_response` on its answer under the deadline guard and a panic
/// catcher, and encodes the front door's response.
async fn serve<S, R, E>(
    event: &[u8],
    invocation: &Invocation<'_, S>,
    respond: impl AsyncFnOnce(Request) -> Result<R, E>,
    into_response: impl AsyncFnOnce(R) -> Result<Response<Body>, BoxError>,
    refuse: fn(E, &str) -> Response<Body>,
) -> Outcome {
    // Which front door sent the event decides the response's shape;
    // lambda_http knows them all.
    let lambda_request: lambda_http::request::LambdaRequest = decode::from_slice(event)?;
    // lambda_http's adapter converts the request and the response. Its
    // service only hands the request over and waits for the response, so the
    // handler itself (which borrows the warm state) runs here, on this task,
    // and need not be `Send`.
    let (request_tx, request_rx) = oneshot::channel::<Request>();
    let (response_tx, response_rx) = oneshot::channel::<Response<Body>>();
    let mut request_tx = Some(request_tx);
    let mut response_rx = Some(response_rx);
    let service = lambda_http::service_fn(move |request: Request| {
        if let Some(tx) = request_tx.take() {
            let _ = tx.send(request);
        }
        let rx = response_rx.take();
        async move {
            match rx {
                Some(rx) => rx.await.map_err(|_| "the handler did not answer"),
                None => Err("the service was called twice"),
            }
        }
    });
    let mut adapter = lambda_http::Adapter::from(service);
    let event = lambda_runtime::LambdaEvent::new(lambda_request, invocation.context.clone());
    // lambda_http panics on some events while converting them into a
    // request (a `Host` header that is not a host, a body marked base64 that
    // is not, an invalid URI...): such an event is answered `InvalidEvent`.
    let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lambda_http::tower::Service::call(&mut adapter, event)
    }))
    .map_err(|panic| {
        Failure::invalid_event(format!(
            "the request could not be read: {}",
            crate::guard::panic_message(&*panic)
        ))
    })?;
    let answer = async {
        let Ok(request) = request_rx.await else {
            return;
        };
        let response = respond_guarded(request, invocation, respond, into_response, refuse).await;
        let _ = response_tx.send(response);
    };
    let (converted, ()) = futures_util::future::join(converted, answer).await;
    match converted {
        Ok(response) => decode::encode(&response).map(Into::into),
        Err(why) => Err(Failure::invalid_event(why)),
    }
}

/// Answers `request`. The handler, its error's response and the reading of
/// the response body all run under the deadline guard and the panic catcher:
/// a body is produced by polling it, so a stream that never ends would
/// otherwise hold the invocation past its budget, and one that fails or
/// panics would fail the invocation instead of answering it (issue 13).
async fn respond_guarded<S, R, E>(
    request: Request,
    invocation: &Invocation<'_, S>,
    respond: impl AsyncFnOnce(Request) -> Result<R, E>,
    into_response: impl AsyncFnOnce(R) -> Result<Response<Body>, BoxError>,
    refuse: fn(E, &str) -> Response<Body>,
) -> Response<Body> {
    let request_id = invocation.context.request_id.as_str();
    let run = caught(async {
        match respond(request).await {
            Ok(response) => into_response(response).await,
            Err(err) => Ok(refuse(err, request_id)),
        }
    });
    match guarded(invocation.deadline, run).await {
        Ok(Ok(Ok(response))) => response,
        Ok(Ok(Err(err))) => {
            tracing::error!(target: LOG_TARGET, request_id, error = %err, "the response body failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
                request_id,
            )
        }
        Ok(Err(panic)) | Err(panic @ Failure::Panic(_)) => {
            tracing::error!(target: LOG_TARGET, request_id, error = %panic.message(), "the handler panicked");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
                request_id,
            )
        }
        Err(timeout) => {
            tracing::error!(target: LOG_TARGET, request_id, error = %timeout.message(), "the deadline guard answered 504");
            problem(
                StatusCode::GATEWAY_TIMEOUT,
                "the request timed out",
                request_id,
            )
        }
    }
}

fn error_response<E: HttpError + IntoDiagnostic>(err: E, request_id: &str) -> Response<Body> {
    let status = err.status();
    let expose = err.expose();
    let problem_body = err.problem();
    let diagnostic: Diagnostic = err.into_diagnostic();
    if status.is_server_error() {
        tracing::error!(target: LOG_TARGET, request_id, error_type = %diagnostic.error_type, error = %diagnostic.error_message, %status, "the handler failed");
    } else {
        tracing::info!(target: LOG_TARGET, request_id, error_type = %diagnostic.error_type, %status, "the request was refused");
    }
    if !expose {
        let reason = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
        return problem(status, &reason, request_id);
    }
    let mut body =
        problem_body.unwrap_or_else(|| serde_json::json!({ "error": diagnostic.error_message }));
    if let Some(fields) = body.as_object_mut() {
        fields.insert("request_id".to_owned(), request_id.into());
    }
    json_response(status, &body)
}

fn problem(status: StatusCode, error: &str, request_id: &str) -> Response<Body> {
    json_response(
        status,
        &serde_json::json!({ "error": error, "request_id": request_id }),
    )
}

mod streaming;

pub use streaming::{StreamReply, StreamedReply, StreamingHttp, StreamingService};

#[cfg(test)]
mod front_doors;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;
    use crate::deadline::Deadline;
    use bytes::Bytes;
    use http_body_util::{BodyExt as _, Full};
    use lambda_runtime_api_client::body::Body as StreamingBody;
    use std::time::{Duration, Instant};

    const EVENT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/http/apigw_v2_proxy_request.json"
    ));

    /// Serves the fixture's HTTP API request with `handler` under a guard
    /// of `budget`, and returns the HTTP API response posted.
    async fn answer<S, H: Handler<S>>(
        handler: &H,
        state: &S,
        budget: Duration,
    ) -> serde_json::Value {
        let context = Context::default();
        let deadline = Deadline::after(Instant::now(), budget);
        let invocation = Invocation::new(&context, state, &deadline);
        let outcome = handler.call(EVENT.as_bytes(), &invocation).await;
        let response = outcome.expect("answered as HTTP, not as an invocation error");
        serde_json::from_slice(&response.buffered()).unwrap()
    }

    /// A service whose response has `content_type` and the body `body()`.
    fn service(
        content_type: &'static str,
        body: fn() -> StreamingBody,
    ) -> impl lambda_http::Service<
        Request,
        Response = Response<StreamingBody>,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone {
        lambda_http::service_fn(move |_: Request| async move {
            let mut response = Response::new(body());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(content_type),
            );
            Ok(response)
        })
    }

    /// One chunk, then nothing, ever: the sender stays alive with the body.
    fn forever() -> StreamingBody {
        let (mut sender, body) = StreamingBody::channel();
        sender
            .try_send_data(Bytes::from_static(b"first chunk"))
            .unwrap();
        StreamingBody::new(body.map_frame(move |frame| {
            let _alive = &sender;
            frame
        }))
    }

    /// One chunk, then an error.
    fn fails() -> StreamingBody {
        let (mut sender, body) = StreamingBody::channel();
        sender
            .try_send_data(Bytes::from_static(b"first chunk"))
            .unwrap();
        sender.send_error(lambda_runtime_api_client::Error::new(
            "the upstream went away",
        ));
        body
    }

    /// One chunk, then a panic when polled for the next frame (its trailers).
    fn panics() -> StreamingBody {
        let mut frames = 0;
        let body = Full::new(Bytes::from_static(b"first chunk"))
            .with_trailers(async { Some(Ok(::http::HeaderMap::new())) })
            .map_frame(move |frame| {
                frames += 1;
                assert!(frames < 2, "the body generator broke");
                frame
            });
        StreamingBody::new(body)
    }

    fn assert_problem(response: &serde_json::Value, status: u64, error: &str) {
        assert_eq!(response["statusCode"], status, "{response}");
        let body: serde_json::Value =
            serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "error": error, "request_id": Context::default().request_id })
        );
        assert_eq!(response["headers"]["content-type"], "application/json");
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_body_still_streaming_at_the_budget_answers_504() {
        let state = service("text/plain", forever);
        let response = answer(&HttpService::new(), &state, Duration::from_millis(900)).await;
        assert_problem(&response, 504, "the request timed out");
    }

    #[tokio::test]
    async fn a_service_body_that_fails_or_panics_answers_500() {
        for body in [fails as fn() -> StreamingBody, panics] {
            let state = service("text/plain", body);
            let response = answer(&HttpService::new(), &state, Duration::from_secs(5)).await;
            assert_problem(&response, 500, "internal server error");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_body_still_streaming_at_the_budget_answers_504() {
        let handler = HttpHandler::new(async |_: Request, _: &Invocation<'_, ()>| {
            Ok::<_, crate::Error>(Response::new(forever()))
        });
        let response = answer(&handler, &(), Duration::from_millis(900)).await;
        assert_problem(&response, 504, "the request timed out");
    }

    #[tokio::test]
    async fn a_handler_body_that_fails_or_panics_answers_500() {
        for body in [fails as fn() -> StreamingBody, panics] {
            let handler = HttpHandler::new(async move |_: Request, _: &Invocation<'_, ()>| {
                Ok::<_, crate::Error>(Response::new(body()))
            });
            let response = answer(&handler, &(), Duration::from_secs(5)).await;
            assert_problem(&response, 500, "internal server error");
        }
    }

    /// Reading the body first changes nothing of what lambda_http makes of
    /// it: text or base64 by the content type, headers as they were.
    #[tokio::test]
    async fn a_complete_service_body_is_converted_as_lambda_http_does() {
        /// A data frame, then trailers (which Lambda has no place for).
        fn png() -> StreamingBody {
            StreamingBody::new(
                Full::new(Bytes::from_static(b"\x89PNG\r\n\x1a\n"))
                    .with_trailers(async { Some(Ok(::http::HeaderMap::new())) }),
            )
        }
        fn json() -> StreamingBody {
            StreamingBody::from(r#"{"id":7}"#)
        }
        fn empty() -> StreamingBody {
            StreamingBody::empty()
        }
        let convert = async |content_type: &'static str, body: fn() -> StreamingBody| {
            let state = service(content_type, body);
            let response = answer(&HttpService::new(), &state, Duration::from_secs(5)).await;
            assert_eq!(response["statusCode"], 200, "{response}");
            assert_eq!(response["headers"]["content-type"], content_type);
            let text = response["body"].as_str().unwrap_or_default().to_owned();
            (response["isBase64Encoded"].as_bool(), text)
        };
        assert_eq!(
            convert("image/png", png).await,
            (Some(true), "iVBORw0KGgo=".to_owned())
        );
        assert_eq!(
            convert("application/json", json).await,
            (Some(false), r#"{"id":7}"#.to_owned())
        );
        assert_eq!(
            convert("text/plain", empty).await,
            (Some(false), String::new())
        );
    }
}
