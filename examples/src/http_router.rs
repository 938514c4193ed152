//! `http-router`: an existing axum `Router`, served behind any HTTP front
//! door. The function under `#[lambda(http)]` builds the router once, at
//! init; routing, extractors, middleware and state come from axum.
//!
//! - `POST /orders` `{"id": 1, "amount": 9.5, "customer": "ada"}` → 201 `{"id": 1}`
//! - `GET /orders/{id}` → 200 with the order, or 404
//! - anything else → 404 (axum's fallback)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
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

/// Builds the router, once per execution environment.
#[lambda(http)]
pub fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/orders/{id}", get(fetch))
        .with_state(Orders::default())
}
