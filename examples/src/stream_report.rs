//! `stream-report`: an axum `Router` whose responses are streamed to the
//! caller as they are produced, behind a Lambda function URL whose invoke
//! mode is `RESPONSE_STREAM` (see `examples/template.yaml`).
//!
//! - `GET /report?rows=N` → `200 application/x-ndjson`: `N` lines
//!   `{"row": n}`, the first at once and then one every 10 ms, and a final
//!   `{"rows": N, "done": true}`. The caller has each line as it is written.
//! - `GET /report?rows=x` (not a number) → `400 {"error": ...}`, before any
//!   streaming starts.
//! - `GET /report?rows=N&fail_at=K`: the report's source fails at row `K`
//!   (`K < N`). The `200` and rows `0..K` have reached the caller by then, so
//!   the failure is reported in the stream's trailers (the invocation
//!   fails, with this error), not as a status.
//! - `GET /events?count=N` → `200 text/event-stream`: `N` server-sent events
//!   from axum's `Sse`, one every 10 ms.
//! - anything else → 404 (axum's fallback).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, Uri, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use lambda_fn::lambda;

/// The pause between two lines or events.
const EVERY: Duration = Duration::from_millis(10);

/// The items `0..count`, the first at once and then one every [`EVERY`].
fn paced(count: u64) -> impl Stream<Item = u64> {
    stream::unfold(0, move |n| async move {
        if n >= count {
            return None;
        }
        if n > 0 {
            tokio::time::sleep(EVERY).await;
        }
        Some((n, n + 1))
    })
}

/// The query string's parameters (`a=1&b=2`; no percent-decoding: the
/// parameters here are numbers).
fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// The number in the query parameter `name`, or what is wrong with it.
fn number(query: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    match query.get(name) {
        None => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {value:?}")),
    }
}

/// The `400` for a bad query, answered before any streaming starts.
fn refuse(error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": error })),
    )
        .into_response()
}

/// The report's source failed at a row.
#[derive(Debug)]
struct SourceFailed(u64);

impl std::fmt::Display for SourceFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the report's source failed at row {}", self.0)
    }
}

impl std::error::Error for SourceFailed {}

/// `GET /report?rows=N[&fail_at=K]`: NDJSON lines, streamed.
async fn report(uri: Uri) -> Response {
    let query = query(&uri);
    let (rows, fail_at) = match (
        number(&query, "rows", 10),
        number(&query, "fail_at", u64::MAX),
    ) {
        (Ok(rows), Ok(fail_at)) => (rows, fail_at),
        (Err(error), _) | (_, Err(error)) => return refuse(&error),
    };
    let lines = stream::StreamExt::chain(
        stream::StreamExt::map(paced(rows), move |row| {
            if row == fail_at {
                Err(SourceFailed(row))
            } else {
                Ok(format!("{{\"row\":{row}}}\n"))
            }
        }),
        stream::once(async move { Ok(format!("{{\"rows\":{rows},\"done\":true}}\n")) }),
    );
    let body = Body::from_stream(lines);
    ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response()
}

/// `GET /events?count=N`: server-sent events, streamed.
async fn events(uri: Uri) -> Response {
    let count = match number(&query(&uri), "count", 5) {
        Ok(count) => count,
        Err(error) => return refuse(&error),
    };
    let events = stream::StreamExt::map(paced(count), |n| {
        Ok::<_, Infallible>(Event::default().event("tick").data(n.to_string()))
    });
    Sse::new(events).into_response()
}

/// Builds the router, once per execution environment.
#[lambda(http, stream)]
pub fn app() -> Router {
    Router::new()
        .route("/report", get(report))
        .route("/events", get(events))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn send(path: &str) -> (StatusCode, String) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_report_is_its_rows_then_a_summary() {
        let (status, body) = send("/report?rows=3").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            "{\"row\":0}\n{\"row\":1}\n{\"row\":2}\n{\"rows\":3,\"done\":true}\n"
        );
        let (status, body) = send("/report?rows=x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("rows must be a whole number"), "{body}");
        let (status, body) = send("/report?rows=3&fail_at=y").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("fail_at must be a whole number"), "{body}");
    }

    #[tokio::test]
    async fn a_failing_source_ends_the_body_with_its_error() {
        let request = Request::get("/report?rows=5&fail_at=2")
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let err = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the report's source failed at row 2"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn events_are_server_sent() {
        let (status, body) = send("/events?count=2").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "event: tick\ndata: 0\n\nevent: tick\ndata: 1\n\n");
    }
}
