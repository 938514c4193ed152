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
