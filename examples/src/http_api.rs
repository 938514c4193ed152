//! `http-api`: a small orders API behind any of Lambda's HTTP front doors —
//! an API Gateway REST API or HTTP API, an Application Load Balancer or a
//! function URL. The same binary serves all four; each gets its answer in its
//! own response shape.
//!
//! | request | answer |
//! |---|---|
//! | `POST /orders` `{"id": 1, "amount": 9.5, "customer": "ada"}` | `201 {"id": 1}`, with a `location` header |
//! | the same id again | `409 {"error": "order 1 already exists", ...}` |
//! | a body that is not an order | `400 {"error": "invalid type: ...", "path": "amount", ...}` |
//! | a negative amount | `422 {"error": "the amount must not be negative (got -5)", "path": "amount", ...}` |
//! | `GET /orders/{id}` | `200 {"id": 1, "amount": 9.5, "customer": "ada"}` |
//! | an id that was never stored | `404 {"error": "no order 7", ...}` |
//! | an id that is not a number | `400 {"error": "invalid value ...", "path": "id", ...}` |
//! | anything else | `404 {"error": "no route for DELETE /orders/1", ...}` |
//!
//! Every error body also carries the `request_id` of the invocation, so a
//! caller's report can be matched with the function's logs.
//!
//! Routing matches the *end* of the path: REST APIs put the stage in front
//! (`/prod/orders/1`), custom domains their base path, ALBs whatever their
//! listener rule forwards. So `/orders`, `/prod/orders` and `/v1/shop/orders`
//! are all the collection.
//!
//! The failure paths a real API has, and how to see them:
//! - **500, error**: the stand-in store refuses id `0` (a reserved key) with
//!   an internal [`StoreError`]. The caller gets `{"error": "internal server
//!   error", "request_id": ...}`; the store's message stays in the logs.
//! - **500, panic**: amounts are kept in integer cents, and an amount too
//!   large to count in cents (`1e20`) should be refused with a 422 — but this
//!   example asserts instead, a bug left in on purpose to show that a panic
//!   answers 500 like an error, and the function keeps serving.
//! - **504**: the stand-in store takes 5 s to write an order for the
//!   customer `"slow"` (a stalled database), longer than Lambda's default
//!   3 s timeout. The deadline guard answers `504` 250 ms before Lambda's
//!   deadline, and drops the write, so the order is not stored.
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin http-api -- --event examples/events/http-api.json
//! {"statusCode":201,"headers":{"content-type":"application/json","location":"/orders/1"},"multiValueHeaders":{},"body":"{\"id\":1}","isBase64Encoded":false,"cookies":[]}
//! ```
//!
//! `examples/events/http-api.json` is an HTTP API (v2) request;
//! `examples/events/http-api-rest.json` the same request through a REST API
//! stage.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lambda_fn::http::{
    Body, HttpError, Method, Rejection, Request, RequestExt, Response, StatusCode, header, json,
    json_response, path_param,
};
use lambda_fn::{Context, lambda};
use serde::{Deserialize, Serialize};

/// An order, as posted and as answered.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Order {
    /// The order id, chosen by the caller.
    pub id: u64,
    /// The amount to charge; must not be negative.
    pub amount: f64,
    /// Who ordered.
    pub customer: String,
}

/// How the store keeps an order: money in integer cents, never in floats.
#[derive(Debug, Clone)]
struct StoredOrder {
    cents: u64,
    customer: String,
}

/// The largest number of cents an `f64` counts exactly (2^53).
const MAX_CENTS: f64 = 9_007_199_254_740_992.0;

/// How long the stand-in store takes to write an order for `"slow"`.
const SLOW_WRITE: Duration = Duration::from_secs(5);

/// Warm state: a stand-in for a database client, built once per execution
/// environment and shared by every request it serves.
#[derive(Debug, Default)]
pub struct Store {
    orders: Mutex<HashMap<u64, StoredOrder>>,
}

/// The store refused a write for a reason of its own: an internal error,
/// answered `500` without its message.
#[derive(Debug)]
pub struct StoreError {
    message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

impl Store {
    /// Stores `order` under `id`; `Ok(false)` if the id is already taken.
    async fn insert(&self, id: u64, order: StoredOrder) -> Result<bool, StoreError> {
        if order.customer == "slow" {
            // The stalled write. No lock is held while waiting, so when the
            // deadline guard drops this future nothing is left half-done.
            tokio::time::sleep(SLOW_WRITE).await;
        }
        if id == 0 {
            return Err(StoreError {
                message: "orders: key 0 is reserved for the id sequence (table orders, shard 3)"
                    .to_owned(),
            });
        }
        // Nothing panics while holding the lock; if something ever did, the
        // map would still be consistent (each write is one `insert`), so a
        // poisoned lock is used as is rather than failing every request.
        let mut orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        match orders.entry(id) {
            Entry::Occupied(_) => Ok(false),
            Entry::Vacant(slot) => {
                slot.insert(order);
                Ok(true)
            }
        }
    }

    /// The order stored under `id`.
    fn get(&self, id: u64) -> Option<Order> {
        let orders = self.orders.lock().unwrap_or_else(PoisonError::into_inner);
        orders.get(&id).map(|stored| Order {
            id,
            amount: amount(stored.cents),
            customer: stored.customer.clone(),
        })
    }
}

/// Runs once per execution environment, before the first request.
fn open_store() -> Store {
    Store::default()
}

/// Why a request was not answered `2xx`. Its [`HttpError`] implementation
/// chooses the status, and which errors the caller may read.
#[derive(Debug)]
pub enum ApiError {
    /// The body, a path parameter or the query did not decode: `400`.
    BadRequest(Rejection),
    /// The order's amount is negative: `422`.
    NegativeAmount {
        /// The amount posted.
        amount: f64,
    },
    /// No order has this id: `404`.
    OrderNotFound(u64),
    /// An order with this id exists already: `409`.
    OrderExists(u64),
    /// No route matches the method and path: `404`.
    NoRoute {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// The store failed: `500`, details only in the logs.
    Store(StoreError),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(rejection) => rejection.fmt(f),
            Self::NegativeAmount { amount } => {
                write!(f, "the amount must not be negative (got {amount})")
            }
            Self::OrderNotFound(id) => write!(f, "no order {id}"),
            Self::OrderExists(id) => write!(f, "order {id} already exists"),
            Self::NoRoute { method, path } => write!(f, "no route for {method} {path}"),
            Self::Store(err) => write!(f, "the store failed: {err}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(err) => Some(err),
            _ => None,
        }
    }
}

impl HttpError for ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NegativeAmount { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::OrderNotFound(_) | Self::NoRoute { .. } => StatusCode::NOT_FOUND,
            Self::OrderExists(_) => StatusCode::CONFLICT,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Everything but the store's failure describes the caller's request.
    fn expose(&self) -> bool {
        !matches!(self, Self::Store(_))
    }

    /// Problems with one field name it, as a 400 does.
    fn problem(&self) -> Option<serde_json::Value> {
        match self {
            Self::BadRequest(rejection) => Some(rejection.body()),
            Self::NegativeAmount { .. } => Some(serde_json::json!({
                "error": self.to_string(),
                "path": "amount",
            })),
            _ => None,
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        Self::BadRequest(rejection)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

/// Serves one request of the orders API.
///
/// # Errors
///
/// Each error is answered as HTTP (see [`ApiError`]):
/// - [`ApiError::BadRequest`] (`400`) when the body is not an order or the
///   id of `GET /orders/{id}` is not a number;
/// - [`ApiError::NegativeAmount`] (`422`) when the order's amount is below
///   zero;
/// - [`ApiError::OrderExists`] (`409`) when an order with the posted id is
///   already stored;
/// - [`ApiError::OrderNotFound`] (`404`) when no order has the asked id;
/// - [`ApiError::NoRoute`] (`404`) for any other method and path;
/// - [`ApiError::Store`] (`500`, without details) when the posted id is 0,
///   which the stand-in store refuses.
///
/// # Panics
///
/// Panics when a posted amount is too large to count in cents (more than
/// 2^53 cents, say `1e20`), a bug left in on purpose: the panic is answered
/// `500` like an error, and the function keeps serving.
#[lambda(http, init = open_store, timeout_margin = "250ms")]
pub async fn http_api(
    request: Request,
    store: &Store,
    ctx: &Context,
) -> Result<Response<Body>, ApiError> {
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (request.method(), segments.as_slice()) {
        (&Method::POST, [.., "orders"]) => create(&request, &path, store, ctx).await,
        (&Method::GET, [.., "orders", id]) => read(&request, id, store),
        _ => Err(ApiError::NoRoute {
            method: request.method().clone(),
            path: request.raw_http_path().to_owned(),
        }),
    }
}

/// `POST /orders`.
async fn create(
    request: &Request,
    path: &str,
    store: &Store,
    ctx: &Context,
) -> Result<Response<Body>, ApiError> {
    let order: Order = json(request)?;
    if order.amount < 0.0 {
        return Err(ApiError::NegativeAmount {
            amount: order.amount,
        });
    }
    let stored = StoredOrder {
        cents: cents(order.amount),
        customer: order.customer,
    };
    if !store.insert(order.id, stored).await? {
        return Err(ApiError::OrderExists(order.id));
    }
    eprintln!("request {}: stored order {}", ctx.request_id, order.id);
    let mut response = json_response(StatusCode::CREATED, &serde_json::json!({ "id": order.id }));
    // The path as the caller sent it (stage included), so the link works
    // through every front door.
    let location = format!("{}/{}", path.trim_end_matches('/'), order.id);
    if let Ok(location) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /orders/{id}`.
fn read(request: &Request, segment: &str, store: &Store) -> Result<Response<Body>, ApiError> {
    let id = order_id(request, segment)?;
    let order = store.get(id).ok_or(ApiError::OrderNotFound(id))?;
    Ok(json_response(StatusCode::OK, &order))
}

/// The order id of `GET /orders/{id}`. An API Gateway route written that way
/// hands it over as the path parameter `id`; ALBs, function URLs and proxy
/// routes (`/{proxy+}`) do not, so the path's last segment is the fallback.
fn order_id(request: &Request, segment: &str) -> Result<u64, Rejection> {
    let has_parameter = request
        .path_parameters_ref()
        .is_some_and(|parameters| parameters.first("id").is_some());
    if has_parameter {
        return path_param(request, "id");
    }
    segment.parse().map_err(|err| Rejection {
        error: format!("invalid value {segment:?}: {err}"),
        path: Some("id".to_owned()),
    })
}

/// The amount in cents, rounded to the nearest cent. `amount` must not be
/// negative: [`create`] answers `422` for a negative amount before this.
///
/// Panics when the amount is more than [`MAX_CENTS`] cents (or not a
/// number): the bug left in on purpose, see the module docs.
fn cents(amount: f64) -> u64 {
    let cents = (amount * 100.0).round();
    // The bug left in on purpose (see the module docs): this should be a
    // 422, like a negative amount.
    assert!(
        cents <= MAX_CENTS,
        "the amount {amount} is too large to count in cents"
    );
    debug_assert!(cents >= 0.0, "create rejects negative amounts");
    // `f64` has no checked conversion to `u64`. This one is exact: `cents`
    // is a whole number (rounded), not negative (`create` checks), and at
    // most `MAX_CENTS` (asserted above), well within `u64`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let cents = cents as u64;
    cents
}

/// The amount `cents` stand for. The conversion to `f64` is exact, as
/// [`cents`] stores at most [`MAX_CENTS`] (2^53) and every whole number up to
/// 2^53 is an `f64`; only the division by 100 rounds, to the nearest `f64`.
fn amount(cents: u64) -> f64 {
    debug_assert!(cents <= 1 << 53, "cents() stores at most MAX_CENTS");
    // No `From<u64> for f64` exists; exact for `cents <= 2^53` (see above).
    #[allow(clippy::cast_precision_loss)]
    let cents = cents as f64;
    cents / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as a front door hands it over: `path` is what the caller
    /// sent, stage included, as `lambda_http`'s `raw_http_path` keeps it.
    fn request(method: Method, path: &str, body: &str) -> Request {
        let mut request = Request::new(Body::from(body.to_owned())).with_raw_http_path(path);
        *request.method_mut() = method;
        *request.uri_mut() = path.parse().unwrap();
        request
    }

    /// The body of `examples/events/http-api.json`.
    const ORDER: &str = r#"{"id": 1, "amount": 19.99, "customer": "ada"}"#;

    fn body_json(response: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[tokio::test]
    async fn creates_an_order_then_answers_it() {
        let store = open_store();
        let ctx = Context::default();

        let created = http_api(request(Method::POST, "/orders", ORDER), &store, &ctx)
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_eq!(created.headers()[header::LOCATION], "/orders/1");
        assert_eq!(body_json(&created), serde_json::json!({ "id": 1 }));

        let read = http_api(request(Method::GET, "/orders/1", ""), &store, &ctx)
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        assert_eq!(
            body_json(&read),
            serde_json::json!({ "id": 1, "amount": 19.99, "customer": "ada" })
        );

        let again = http_api(request(Method::POST, "/orders", ORDER), &store, &ctx)
            .await
            .unwrap_err();
        assert_eq!(again.status(), StatusCode::CONFLICT);
        assert_eq!(again.to_string(), "order 1 already exists");
    }

    #[tokio::test]
    async fn links_through_a_rest_api_stage() {
        // `examples/events/http-api-rest.json`: the stage is in the path.
        let created = http_api(
            request(Method::POST, "/prod/orders", ORDER),
            &open_store(),
            &Context::default(),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_eq!(created.headers()[header::LOCATION], "/prod/orders/1");
    }

    #[tokio::test]
    async fn refuses_bad_orders_naming_the_field() {
        let store = open_store();
        let ctx = Context::default();

        let negative = r#"{"id": 2, "amount": -5, "customer": "bob"}"#;
        let err = http_api(request(Method::POST, "/orders", negative), &store, &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.expose());
        assert_eq!(
            err.problem(),
            Some(serde_json::json!({
                "error": "the amount must not be negative (got -5)",
                "path": "amount",
            }))
        );

        let not_an_order = r#"{"id": 3, "amount": "lots", "customer": "cy"}"#;
        let err = http_api(request(Method::POST, "/orders", not_an_order), &store, &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        let problem = err.problem().unwrap();
        assert_eq!(problem["path"], "amount");
        assert!(
            problem["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid type"),
            "{problem}"
        );

        // Neither was stored.
        for id in [2, 3] {
            let err = http_api(
                request(Method::GET, &format!("/orders/{id}"), ""),
                &store,
                &ctx,
            )
            .await
            .unwrap_err();
            assert_eq!(err.status(), StatusCode::NOT_FOUND);
            assert_eq!(err.to_string(), format!("no order {id}"));
        }
    }

    #[tokio::test]
    async fn answers_bad_ids_and_unknown_routes() {
        let store = open_store();
        let ctx = Context::default();

        let err = http_api(request(Method::GET, "/orders/abc", ""), &store, &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.problem().unwrap()["path"], "id");

        let err = http_api(request(Method::DELETE, "/orders/1", ""), &store, &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.to_string(), "no route for DELETE /orders/1");
    }

    #[tokio::test]
    async fn hides_the_store_failure_from_the_caller() {
        let order = r#"{"id": 0, "amount": 1.0, "customer": "ada"}"#;
        let err = http_api(
            request(Method::POST, "/orders", order),
            &open_store(),
            &Context::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.expose(), "the store's message must stay in the logs");
        assert!(matches!(err, ApiError::Store(_)));
    }

    #[tokio::test]
    #[should_panic(expected = "too large to count in cents")]
    async fn an_amount_too_large_for_cents_hits_the_bug_left_in() {
        let order = r#"{"id": 5, "amount": 1e20, "customer": "ada"}"#;
        let _ = http_api(
            request(Method::POST, "/orders", order),
            &open_store(),
            &Context::default(),
        )
        .await;
    }
}
