//! `http-router`: an existing axum `Router`, served behind any HTTP front
//! door. The function under `#[lambda(http)]` builds the router once, at
//! init; routing, extractors, middleware and state come from axum.
//!
//! - `POST /orders` `{"id": 1, "amount": 9.5, "customer": "ada"}` → 201 `{"id": 1}`
//! - `GET /orders/{id}` → 200 with the order, or 404
//! - `GET /stream/forever` → a body that sends one chunk and never ends: 504
//!   from the deadline guard, which also bounds reading the body
//! - `GET /stream/fails` → a body that sends one chunk, then an error: 500
//! - `GET /stream/panics` → a body that sends one chunk, then panics: 500
//! - anything else → 404 (axum's fallback)

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use lambda_fn::lambda;
use serde::{Deserialize, Serialize};

/// An order.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Order {
    /// The order id.
    pub id: u64,
    /// The amount.
    pub amount: f64,
    /// Who ordered.
    pub customer: String,
}

/// The orders this execution environment has seen (a stand-in for a table).
type Orders = Arc<Mutex<HashMap<u64, Order>>>;

async fn create(
    State(orders): State<Orders>,
    Json(order): Json<Order>,
) -> (StatusCode, Json<serde_json::Value>) {
    let id = order.id;
    orders
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, order);
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

async fn fetch(
    State(orders): State<Orders>,
    Path(id): Path<u64>,
) -> Result<Json<Order>, StatusCode> {
    let orders = orders.lock().unwrap_or_else(PoisonError::into_inner);
    orders
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

/// The first chunk of every streamed body. Lambda answers with the whole
/// body or none of it, so a caller never sees this chunk of a body that does
/// not finish.
const FIRST_CHUNK: &str = "the first chunk of a streamed body";

/// A body of [`FIRST_CHUNK`], then `rest`.
fn first_chunk_then(
    rest: impl Stream<Item = Result<&'static str, io::Error>> + Send + 'static,
) -> Body {
    Body::from_stream(stream::once(async { Ok(FIRST_CHUNK) }).chain(rest))
}

/// A body that never ends, like a feed left open.
async fn stream_forever() -> Body {
    first_chunk_then(stream::pending())
}

/// A body whose source fails halfway.
async fn stream_fails() -> Body {
    first_chunk_then(stream::once(async {
        Err(io::Error::other("the upstream went away"))
    }))
}

/// A body whose generator panics when asked for its second chunk.
async fn stream_panics() -> Body {
    first_chunk_then(stream::poll_fn(
        |_| -> Poll<Option<Result<&'static str, io::Error>>> { panic!("the body generator broke") },
    ))
}

/// Builds the router, once per execution environment.
#[lambda(http)]
pub fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/orders/{id}", get(fetch))
        .route("/stream/forever", get(stream_forever))
        .route("/stream/fails", get(stream_fails))
        .route("/stream/panics", get(stream_panics))
        .with_state(Orders::default())
}

#[cfg(test)]
mod tests {
    use axum::http::{Request, header};
    use tower::ServiceExt;

    use super::*;

    async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    fn get(path: &str) -> Request<Body> {
        Request::get(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn creates_an_order_then_answers_it() {
        // One router, as `#[lambda(http)]` builds it once per environment:
        // its clones share the orders.
        let router = app();
        let create = Request::post("/orders")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"id": 1, "amount": 19.99, "customer": "ada"}"#,
            ))
            .unwrap();
        assert_eq!(
            send(&router, create).await,
            (StatusCode::CREATED, r#"{"id":1}"#.to_owned())
        );

        let (status, body) = send(&router, get("/orders/1")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).unwrap(),
            serde_json::json!({ "id": 1, "amount": 19.99, "customer": "ada" })
        );
    }

    #[tokio::test]
    async fn answers_404_for_unknown_orders_and_routes() {
        let router = app();
        assert_eq!(
            send(&router, get("/orders/7")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            send(&router, get("/customers")).await.0,
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn refuses_a_body_that_is_not_an_order() {
        let create = Request::post("/orders")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"id": 1, "amount": "lots", "customer": "ada"}"#,
            ))
            .unwrap();
        let (status, body) = send(&app(), create).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("amount"), "{body}");
    }
}
