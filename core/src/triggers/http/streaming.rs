//! `#[lambda(http, stream)]`: HTTP responses streamed to the caller as they
//! are produced, behind a function URL in `RESPONSE_STREAM` invoke mode (or
//! an API Gateway REST API in stream transfer mode).
//!
//! The Runtime API side is [`crate::stream`]'s. What HTTP adds is the
//! prelude Lambda's HTTP integrations read before the body (the Lambda
//! developer guide, "Response streaming", and the HTTP integration format of
//! Lambda's own runtime clients): the post's content type is
//! `application/vnd.awslambda.http-integration-response`, and the stream
//! starts with a JSON object `{"statusCode", "headers", "cookies"}`
//! followed by eight NUL bytes, then the body.
//!
//! A handler that fails, panics or runs out of time *before* its response
//! exists is answered as `#[lambda(http)]` answers it (the error's status,
//! `500`, `504`), streamed like any response. After the prelude the status
//! is sent: a failure of the body is reported in the trailers.

use bytes::{Buf, Bytes};
use serde::Serialize;

use super::{BoxError, LOG_TARGET, Request, Response, problem};
use crate::decode;
use crate::failure::Failure;
use crate::guard::{caught, guarded};
use crate::invocation::{Handler, Invocation, Outcome};
use crate::stream::Streaming;

/// The content type of a streamed HTTP integration response.
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// What separates the prelude from the body.
const DELIMITER: [u8; 8] = [0; 8];

/// A streamed HTTP response: its status and headers, and its body.
pub struct StreamedReply {
    parts: http::response::Parts,
    body: Streaming,
}

/// A response type of a `#[lambda(http, stream)]` handler: an
/// `http::Response<B>` with any body `B` (`lambda_fn::http::Body`, a
/// [`Streaming`], axum's `Body`, `http_body_util::StreamBody`, ...).
#[diagnostic::on_unimplemented(
    message = "the response type `{Self}` cannot be streamed as an HTTP response",
    label = "with `stream`, the handler answers an `http::Response<B>` whose body `B` is an `http_body::Body`",
    note = "answer with `lambda_fn::http::Response<lambda_fn::stream::Streaming>`, or any `Response<B>` whose body is an `http_body::Body`"
)]
pub trait StreamReply: Sized {
    /// Splits the response into what the prelude says and the body stream.
    const INTO_STREAM: fn(Self) -> StreamedReply;
}

#[diagnostic::do_not_recommend]
impl<B> StreamReply for Response<B>
where
    B: http_body_util::BodyExt + 'static,
    B::Data: Buf,
    B::Error: Into<BoxError>,
{
    const INTO_STREAM: fn(Self) -> StreamedReply = |response| {
        use futures_util::StreamExt;
        let (parts, body) = response.into_parts();
        let chunks = body.into_data_stream().map(|item| {
            item.map(|mut data| data.copy_to_bytes(data.remaining()))
                .map_err(|err| crate::Error::from_boxed(err.into()))
        });
        StreamedReply {
            parts,
            body: Streaming::new(chunks),
        }
    };
}

/// A [`Streaming`] body is sent as it is.
#[diagnostic::do_not_recommend]
impl StreamReply for Response<Streaming> {
    const INTO_STREAM: fn(Self) -> StreamedReply = |response| {
        let (parts, body) = response.into_parts();
        StreamedReply { parts, body }
    };
}

/// Serves a `#[lambda(http, stream)]` handler `handler(request, &invocation)`.
pub struct StreamingHttp<F, R, E> {
    handler: F,
    into_stream: fn(R) -> StreamedReply,
    refuse: fn(E, &str) -> Response<super::Body>,
}

impl<F, R, E> StreamingHttp<F, R, E> {
    /// Wraps `handler` with the functions that split its response and turn
    /// its error into an HTTP response (what the generated code uses, each
    /// named at the user's own type).
    pub fn from_parts(
        handler: F,
        into_stream: fn(R) -> StreamedReply,
        refuse: fn(E, &str) -> Response<super::Body>,
    ) -> Self {
        Self {
            handler,
            into_stream,
            refuse,
        }
    }
}

impl<S, F, R, E> Handler<S> for StreamingHttp<F, R, E>
where
    F: AsyncFn(Request, &Invocation<'_, S>) -> Result<R, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let request = request(event, invocation)?;
        let into_stream = self.into_stream;
        let respond = async {
            match (self.handler)(request, invocation).await {
                Ok(response) => Ok(into_stream(response)),
                Err(err) => Err(err),
            }
        };
        Ok(respond_streamed(respond, invocation, self.refuse).await)
    }
}

/// Serves a tower service (an `axum::Router`) kept as the warm state, under
/// `#[lambda(http, stream)]`: each response's body, whatever its type
/// (axum's SSE, `Body::from_stream`), is streamed as it is produced.
pub struct StreamingService;

impl StreamingService {
    /// The adapter for a service kept as warm state.
    pub fn new() -> Self {
        Self
    }
}

impl Default for StreamingService {
    fn default() -> Self {
        Self::new()
    }
}

impl<S, B> Handler<S> for StreamingService
where
    S: lambda_http::Service<Request, Response = Response<B>> + Clone,
    S::Error: Into<BoxError>,
    B: http_body_util::BodyExt + 'static,
    B::Data: Buf,
    B::Error: Into<BoxError>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let request = request(event, invocation)?;
        let respond = async {
            let response = super::call_service(invocation.state, request).await?;
            Ok(<Response<B> as StreamReply>::INTO_STREAM(response))
        };
        Ok(respond_streamed(respond, invocation, super::error_response::<crate::Error>).await)
    }
}

/// Runs `respond` (the handler or the service, up to its response's head)
/// under the deadline guard and the panic catcher, and streams what it
/// answers after its prelude; an error, a panic or the guard before that
/// is answered as `#[lambda(http)]` answers it.
async fn respond_streamed<S, E>(
    respond: impl Future<Output = Result<StreamedReply, E>>,
    invocation: &Invocation<'_, S>,
    refuse: fn(E, &str) -> Response<super::Body>,
) -> crate::invocation::Response {
    let request_id = invocation.context.request_id.as_str();
    {
        let reply = match guarded(invocation.deadline, caught(respond)).await {
            Ok(Ok(Ok(reply))) => reply,
            Ok(Ok(Err(err))) => buffered(refuse(err, request_id)),
            Ok(Err(panic)) | Err(panic @ Failure::Panic(_)) => {
                tracing::error!(target: LOG_TARGET, request_id, error = %panic.message(), "the handler panicked");
                buffered(problem(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error",
                    request_id,
                ))
            }
            Err(timeout) => {
                tracing::error!(target: LOG_TARGET, request_id, error = %timeout.message(), "the deadline guard answered 504");
                buffered(problem(
                    http::StatusCode::GATEWAY_TIMEOUT,
                    "the request timed out",
                    request_id,
                ))
            }
        };
        crate::invocation::Response::Streamed(
            reply
                .body
                .after(prelude(&reply.parts))
                .content_type(HTTP_INTEGRATION),
        )
    }
}

/// The request of a function URL's (or an API Gateway's) event, as
/// `lambda_http` reads it, with the invocation's context attached.
fn request<S>(event: &[u8], invocation: &Invocation<'_, S>) -> Result<Request, Failure> {
    use lambda_http::RequestExt;
    let event: lambda_http::request::LambdaRequest = decode::from_slice(event)?;
    // lambda_http panics on some events while converting them (a `Host`
    // header that is not a host, a body marked base64 that is not, ...).
    let request = std::panic::catch_unwind(|| Request::from(event)).map_err(|panic| {
        Failure::invalid_event(format!(
            "the request could not be read: {}",
            crate::guard::panic_message(&*panic)
        ))
    })?;
    Ok(request.with_lambda_context(invocation.context.clone()))
}

/// A buffered response (an error's, the guard's) as a streamed one.
fn buffered(response: Response<super::Body>) -> StreamedReply {
    let (parts, body) = response.into_parts();
    let bytes = Bytes::copy_from_slice(body.as_ref());
    StreamedReply {
        parts,
        body: Streaming::new(futures_util::stream::iter([Ok::<_, crate::Error>(bytes)])),
    }
}

/// The prelude: `{"statusCode", "headers", "cookies"}` and the delimiter.
/// `Set-Cookie` headers are the cookies; a header given more than once is
/// one comma-separated value; the content type is
/// `application/octet-stream` unless the response names one.
fn prelude(parts: &http::response::Parts) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Prelude {
        status_code: u16,
        headers: serde_json::Map<String, serde_json::Value>,
        cookies: Vec<String>,
    }
    let mut prelude = Prelude {
        status_code: parts.status.as_u16(),
        headers: serde_json::Map::new(),
        cookies: Vec::new(),
    };
    for name in parts.headers.keys() {
        let values = parts
            .headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        if name == http::header::SET_COOKIE {
            prelude.cookies.extend(values);
        } else {
            let joined: Vec<String> = values.collect();
            prelude
                .headers
                .insert(name.as_str().to_owned(), joined.join(",").into());
        }
    }
    prelude
        .headers
        .entry(http::header::CONTENT_TYPE.as_str())
        .or_insert_with(|| crate::stream::DEFAULT_CONTENT_TYPE.into());
    let mut bytes = serde_json::to_vec(&prelude).unwrap_or_default();
    bytes.extend_from_slice(&DELIMITER);
    Bytes::from(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_is_the_status_headers_and_cookies_then_eight_nuls() {
        let response = Response::builder()
            .status(201)
            .header("content-type", "text/event-stream")
            .header("x-many", "a")
            .header("x-many", "b")
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2; Secure")
            .body(())
            .unwrap();
        let (parts, ()) = response.into_parts();
        let bytes = prelude(&parts);
        assert_eq!(&bytes[bytes.len() - 8..], &[0; 8]);
        let json: serde_json::Value = serde_json::from_slice(&bytes[..bytes.len() - 8]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "statusCode": 201,
                "headers": { "content-type": "text/event-stream", "x-many": "a,b" },
                "cookies": ["a=1", "b=2; Secure"],
            })
        );
        let (parts, ()) = Response::new(()).into_parts();
        let bytes = prelude(&parts);
        let json: serde_json::Value = serde_json::from_slice(&bytes[..bytes.len() - 8]).unwrap();
        assert_eq!(json["headers"]["content-type"], "application/octet-stream");
        assert_eq!(json["statusCode"], 200);
    }
}
