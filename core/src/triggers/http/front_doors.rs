//! `lambda_fn::http` as a user's handler meets it, over the sample event of each
//! front door (`tests/fixtures/http/`): what a caller of the API would see
//! for each kind of request and each way a handler can fail.
//!
//! Every case runs through [`HttpHandler`] as the Runtime API loop drives it
//! — raw event bytes in, the front door's response JSON out — without a
//! process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::{
    Body, HttpError, HttpHandler, Rejection, Request, RequestExt, Response, StatusCode, header,
    json, json_response, path_param, query,
};
use crate::invocation::{Handler, Invocation};
use crate::test_support::Answer as Outcome;
use crate::{Context, Deadline};
use serde::Deserialize;
use serde_json::{Value, json};

/// The request id every test invocation carries.
const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

/// The four ways an HTTP request reaches a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    /// API Gateway REST API (payload v1), stage `test`.
    RestApi,
    /// API Gateway HTTP API (payload v2), stage `$default`.
    HttpApi,
    /// Application Load Balancer.
    Alb,
    /// Lambda function URL (payload v2).
    FunctionUrl,
}

const DOORS: [Door; 4] = [Door::RestApi, Door::HttpApi, Door::Alb, Door::FunctionUrl];

impl Door {
    /// The front door's sample event, unchanged.
    fn fixture(self) -> Value {
        let text = match self {
            Door::RestApi => include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/http/apigw_proxy_request.json"
            )),
            Door::HttpApi => include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/http/apigw_v2_proxy_request.json"
            )),
            Door::Alb => include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/http/alb_request.json"
            )),
            Door::FunctionUrl => include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/http/lambda_function_url_request.json"
            )),
        };
        serde_json::from_str(text).expect("the fixture is JSON")
    }

    /// The sample event rewritten to `method target` (`/orders?page=2`),
    /// with `body` as a JSON request body.
    fn event(self, method: &str, target: &str, body: Option<&str>) -> Value {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let pairs: Vec<(&str, &str)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .collect();
        let single: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect();
        let multi: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!([v])))
            .collect();
        let mut event = self.fixture();
        match self {
            Door::RestApi => {
                event["httpMethod"] = method.into();
                event["path"] = path.into();
                event["requestContext"]["httpMethod"] = method.into();
                event["requestContext"]["path"] = format!("/test{path}").into();
                // The fixture's resource is the proxy route `/{proxy+}`.
                event["pathParameters"] = json!({ "proxy": path.trim_start_matches('/') });
                event["queryStringParameters"] = single.into();
                event["multiValueQueryStringParameters"] = multi.into();
            }
            Door::HttpApi | Door::FunctionUrl => {
                event["rawPath"] = path.into();
                event["rawQueryString"] = query.into();
                event["queryStringParameters"] = single.into();
                event["requestContext"]["http"]["method"] = method.into();
                event["requestContext"]["http"]["path"] = path.into();
            }
            Door::Alb => {
                event["httpMethod"] = method.into();
                event["path"] = path.into();
                event["queryStringParameters"] = single.into();
            }
        }
        match body {
            Some(body) => {
                event["body"] = body.into();
                event["isBase64Encoded"] = false.into();
                event["headers"]["content-type"] = "application/json".into();
            }
            None => {
                if let Some(fields) = event.as_object_mut() {
                    fields.remove("body");
                }
            }
        }
        event
    }
}

/// Sets an API Gateway route's path parameters (`/orders/{id}`).
fn with_path_parameters(mut event: Value, parameters: Value) -> Value {
    event["pathParameters"] = parameters;
    event
}

/// Serves `event` with `handler`, as one invocation with `deadline`.
async fn serve<S, H: Handler<S>>(
    handler: &H,
    event: &Value,
    state: &S,
    deadline: &Deadline,
) -> Outcome {
    let mut context = Context::default();
    context.request_id = REQUEST_ID.to_owned();
    let invocation = Invocation::new(&context, state, deadline);
    handler
        .call(event.to_string().as_bytes(), &invocation)
        .await
        .map(crate::invocation::Response::buffered)
        .map_err(crate::failure::Failure::into_diagnostic)
}

/// What the caller of the API sees of one response.
#[derive(Debug)]
struct Reply {
    status: u64,
    content_type: Option<String>,
    /// The body, parsed if it is JSON.
    body: Value,
    /// The whole response document posted to the Runtime API.
    raw: Value,
}

/// Serves `event` without a deadline and reads the reply.
async fn answer<S, H: Handler<S>>(door: Door, handler: &H, event: &Value, state: &S) -> Reply {
    read(
        door,
        serve(handler, event, state, &Deadline::unknown()).await,
    )
}

/// Reads a response, checking it has the shape `door` expects. Every reply
/// is an HTTP response: an invocation error would reach the caller as a
/// bare 502 from the front door.
fn read(door: Door, outcome: Outcome) -> Reply {
    let raw: Value = match outcome {
        Ok(bytes) => serde_json::from_slice(&bytes).expect("the response is JSON"),
        Err(err) => panic!(
            "{door:?}: expected an HTTP response, got the invocation error {}: {}",
            err.error_type, err.error_message
        ),
    };
    let status = raw["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("{door:?}: no statusCode in {raw}"));
    assert_eq!(raw["isBase64Encoded"], false, "{door:?}: {raw}");
    let content_type = match door {
        // REST APIs merge `headers` into `multiValueHeaders`; lambda_http
        // sends only the latter so that no header is doubled.
        Door::RestApi => {
            assert_eq!(raw["headers"], json!({}), "{door:?}: {raw}");
            assert!(raw.get("cookies").is_none(), "{door:?}: {raw}");
            assert!(raw.get("statusDescription").is_none(), "{door:?}: {raw}");
            raw["multiValueHeaders"]["content-type"][0].as_str()
        }
        // Payload v2 has no multi-value headers, and cookies of their own.
        Door::HttpApi | Door::FunctionUrl => {
            assert!(raw["cookies"].is_array(), "{door:?}: {raw}");
            assert!(raw.get("statusDescription").is_none(), "{door:?}: {raw}");
            raw["headers"]["content-type"].as_str()
        }
        // An ALB needs the status line, and reads whichever header field
        // its target group is configured for.
        Door::Alb => {
            let description = raw["statusDescription"].as_str().unwrap_or_default();
            assert!(
                description.starts_with(&format!("{status} ")),
                "{door:?}: {raw}"
            );
            assert_eq!(
                raw["multiValueHeaders"]["content-type"][0], raw["headers"]["content-type"],
                "{door:?}: {raw}"
            );
            raw["headers"]["content-type"].as_str()
        }
    }
    .map(str::to_owned);
    let body = match raw["body"].as_str() {
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
        None => Value::Null,
    };
    Reply {
        status,
        content_type,
        body,
        raw,
    }
}

/// A handler with the given body, without warm state.
macro_rules! handler {
    (|$request:ident| -> $error:ty $body:block) => {
        HttpHandler::new(
            async |$request: Request, _: &Invocation<'_, ()>| -> Result<Response<Body>, $error> {
                $body
            },
        )
    };
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Decoding is what is tested.
struct Order {
    id: u64,
    amount: f64,
    customer: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Basket {
    items: Vec<Item>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Item {
    sku: String,
    quantity: u32,
}

#[derive(Debug, Deserialize)]
struct Page {
    page: u32,
    #[serde(default)]
    size: Option<u32>,
}

/// Echoes what the handler saw of the request.
async fn echo(request: Request) -> Result<Response<Body>, crate::Error> {
    let body = String::from_utf8_lossy(request.body().as_ref()).into_owned();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "method": request.method().as_str(),
            "path": request.uri().path(),
            "raw_path": request.raw_http_path(),
            "query": request.uri().query(),
            "body": body,
        }),
    ))
}

#[tokio::test]
async fn each_front_doors_sample_request_reaches_the_handler_and_is_answered_in_its_shape() {
    let handler = handler!(|request| -> crate::Error { echo(request).await });
    for (door, expected) in [
        (
            Door::RestApi,
            // The REST API's stage is part of the URI path; the raw path is
            // the resource path as the client's route saw it.
            json!({ "method": "GET", "path": "/test/hello", "raw_path": "/hello", "query": "name=me", "body": "" }),
        ),
        (
            Door::HttpApi,
            json!({ "method": "POST", "path": "/my/path", "raw_path": "/my/path", "query": "parameter1=value1&parameter1=value2&parameter2=value", "body": "Hello from Lambda" }),
        ),
        (
            Door::Alb,
            json!({ "method": "GET", "path": "/", "raw_path": "/", "query": "myKey=val2", "body": "request_body" }),
        ),
        (
            Door::FunctionUrl,
            json!({ "method": "GET", "path": "/my/path", "raw_path": "/my/path", "query": "parameter1=value1&parameter1=value2&parameter2=value", "body": "" }),
        ),
    ] {
        let reply = answer(door, &handler, &door.fixture(), &()).await;
        assert_eq!(reply.status, 200, "{door:?}: {}", reply.raw);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(reply.body, expected, "{door:?}");
    }
}

#[tokio::test]
async fn the_alb_answers_with_a_status_line_and_both_header_fields() {
    let handler = handler!(|_request| -> crate::Error {
        Ok(json_response(StatusCode::CREATED, &json!({ "id": 1 })))
    });
    let reply = answer(Door::Alb, &handler, &Door::Alb.fixture(), &()).await;
    assert_eq!(
        reply.raw,
        json!({
            "statusCode": 201,
            "statusDescription": "201 Created",
            "headers": { "content-type": "application/json" },
            "multiValueHeaders": { "content-type": ["application/json"] },
            "body": "{\"id\":1}",
            "isBase64Encoded": false,
        })
    );
}

#[tokio::test]
async fn cookies_go_where_each_front_door_reads_them() {
    let handler = handler!(|_request| -> crate::Error {
        let mut response = json_response(StatusCode::OK, &json!({}));
        response.headers_mut().insert(
            header::SET_COOKIE,
            header::HeaderValue::from_static("session=abc; HttpOnly"),
        );
        Ok(response)
    });
    for door in DOORS {
        let reply = answer(door, &handler, &door.fixture(), &()).await;
        match door {
            Door::HttpApi | Door::FunctionUrl => {
                assert_eq!(reply.raw["cookies"], json!(["session=abc; HttpOnly"]));
                assert!(reply.raw["headers"].get("set-cookie").is_none());
            }
            Door::RestApi => assert_eq!(
                reply.raw["multiValueHeaders"]["set-cookie"],
                json!(["session=abc; HttpOnly"])
            ),
            Door::Alb => assert_eq!(
                reply.raw["headers"]["set-cookie"],
                json!("session=abc; HttpOnly")
            ),
        }
    }
}

#[tokio::test]
async fn json_decodes_the_body_through_every_front_door() {
    let handler = handler!(|request| -> crate::Error {
        let order: Order = json(&request)?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({ "id": order.id, "customer": order.customer }),
        ))
    });
    for door in DOORS {
        let event = door.event(
            "POST",
            "/orders",
            Some(r#"{"id": 7, "amount": 9.5, "customer": "ada"}"#),
        );
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (201, json!({ "id": 7, "customer": "ada" })),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn json_rejects_a_field_of_the_wrong_type_with_400_naming_it() {
    let handler = handler!(|request| -> crate::Error {
        let _: Order = json(&request)?;
        Ok(json_response(StatusCode::CREATED, &json!({})))
    });
    for door in DOORS {
        let event = door.event(
            "POST",
            "/orders",
            Some(r#"{"id": 7, "amount": "9.5", "customer": "ada"}"#),
        );
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(reply.status, 400, "{door:?}");
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            reply.body,
            json!({
                "error": "invalid type: string \"9.5\", expected f64",
                "path": "amount",
                "request_id": REQUEST_ID,
            }),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn json_rejections_name_nested_fields_and_missing_ones() {
    let handler = handler!(|request| -> crate::Error {
        let _: Basket = json(&request)?;
        Ok(json_response(StatusCode::OK, &json!({})))
    });
    let cases = [
        (
            r#"{"items": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": -2}]}"#,
            json!({ "error": "invalid value: integer `-2`, expected u32", "path": "items[1].quantity" }),
        ),
        (
            r#"{"items": [{"sku": "a"}]}"#,
            json!({ "error": "missing field `quantity`", "path": "items[0]" }),
        ),
        (
            r#"{"items": 3}"#,
            json!({ "error": "invalid type: integer `3`, expected a sequence", "path": "items" }),
        ),
        (
            r#""items""#,
            json!({ "error": "invalid type: string \"items\", expected struct Basket", "path": null }),
        ),
    ];
    for (body, mut expected) in cases {
        expected["request_id"] = REQUEST_ID.into();
        let event = Door::HttpApi.event("POST", "/baskets", Some(body));
        let reply = answer(Door::HttpApi, &handler, &event, &()).await;
        assert_eq!((reply.status, reply.body), (400, expected), "{body}");
    }
}

#[tokio::test]
async fn json_rejects_malformed_json_with_400() {
    let handler = handler!(|request| -> crate::Error {
        let _: Order = json(&request)?;
        Ok(json_response(StatusCode::CREATED, &json!({})))
    });
    let cases = [
        // Cut off inside a value: the field it was reading.
        (
            r#"{"id": 7, "amount": 9."#,
            json!({ "error": "EOF while parsing a value", "path": "amount" }),
        ),
        (
            r#"{"id": 7, "amount": tru}"#,
            json!({ "error": "expected ident", "path": "amount" }),
        ),
        // Not JSON at all, or more than one JSON document: the whole body.
        (
            "id=7&amount=9.5",
            json!({ "error": "expected value", "path": null }),
        ),
        (
            r#"{"id": 7, "amount": 9.5, "customer": "ada"} {}"#,
            json!({ "error": "trailing characters at line 1 column 45", "path": null }),
        ),
    ];
    for door in DOORS {
        for (body, expected) in &cases {
            let mut expected = expected.clone();
            expected["request_id"] = REQUEST_ID.into();
            let event = door.event("POST", "/orders", Some(body));
            let reply = answer(door, &handler, &event, &()).await;
            assert_eq!(
                (reply.status, reply.body),
                (400, expected),
                "{door:?}: {body}"
            );
        }
    }
}

/// A body cut off between two fields stops where no field is being read:
/// the problem is the body as a whole, not a field called `?`.
#[tokio::test]
async fn json_rejects_json_cut_off_between_fields_without_a_made_up_path() {
    let handler = handler!(|request| -> crate::Error {
        let _: Order = json(&request)?;
        Ok(json_response(StatusCode::CREATED, &json!({})))
    });
    for body in [r#"{"id": 7, "amount": 9.5"#, r#"{"id": 7,"#] {
        let event = Door::HttpApi.event("POST", "/orders", Some(body));
        let reply = answer(Door::HttpApi, &handler, &event, &()).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.body["path"], Value::Null, "{body}: {}", reply.body);
    }
}

#[tokio::test]
async fn json_rejects_a_request_without_a_body() {
    let handler = handler!(|request| -> crate::Error {
        let _: Order = json(&request)?;
        Ok(json_response(StatusCode::CREATED, &json!({})))
    });
    for door in DOORS {
        let event = door.event("POST", "/orders", None);
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                400,
                json!({
                    "error": "the request has no body; expected JSON",
                    "path": null,
                    "request_id": REQUEST_ID,
                })
            ),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn query_decodes_parameters_and_rejects_a_bad_one_naming_it() {
    let handler = handler!(|request| -> crate::Error {
        let page: Page = query(&request)?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "page": page.page, "size": page.size }),
        ))
    });
    for door in DOORS {
        let event = door.event("GET", "/orders?page=2&size=10", None);
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({ "page": 2, "size": 10 })),
            "{door:?}"
        );

        let event = door.event("GET", "/orders?page=two", None);
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(reply.status, 400, "{door:?}");
        assert_eq!(reply.body["path"], "page", "{door:?}: {}", reply.body);
        assert_eq!(reply.body["request_id"], REQUEST_ID);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains("invalid digit"), "{door:?}: {error}");

        let event = door.event("GET", "/orders?size=10", None);
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                400,
                json!({ "error": "missing field `page`", "path": null, "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn path_param_reads_an_api_gateway_route_parameter() {
    let handler = handler!(|request| -> crate::Error {
        let id: u64 = path_param(&request, "id")?;
        Ok(json_response(StatusCode::OK, &json!({ "id": id })))
    });
    for door in [Door::RestApi, Door::HttpApi] {
        let event =
            with_path_parameters(door.event("GET", "/orders/42", None), json!({ "id": "42" }));
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({ "id": 42 })),
            "{door:?}"
        );

        let event =
            with_path_parameters(door.event("GET", "/orders/x", None), json!({ "id": "x" }));
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                400,
                json!({
                    "error": "invalid value \"x\": invalid digit found in string",
                    "path": "id",
                    "request_id": REQUEST_ID,
                })
            ),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn path_param_is_missing_where_the_front_door_has_no_route_parameters() {
    let handler = handler!(|request| -> crate::Error {
        let id: u64 = path_param(&request, "id")?;
        Ok(json_response(StatusCode::OK, &json!({ "id": id })))
    });
    // ALBs and function URLs have no routes; the REST fixture's proxy
    // route names its parameter `proxy`.
    for door in DOORS {
        let event = door.event("GET", "/orders/42", None);
        let reply = answer(door, &handler, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                400,
                json!({ "error": "missing path parameter", "path": "id", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
    }
}

#[test]
fn a_rejection_converts_into_an_error_that_keeps_its_400_and_body() {
    let rejection = Rejection {
        error: "missing field `id`".to_owned(),
        path: Some("order".to_owned()),
    };
    assert_eq!(rejection.to_string(), "order: missing field `id`");
    assert_eq!(
        rejection.body(),
        json!({ "error": "missing field `id`", "path": "order" })
    );
    let err = crate::Error::from(rejection);
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.error_type(), "BadRequest");
    assert_eq!(HttpError::status(&err), StatusCode::BAD_REQUEST);
    assert!(HttpError::expose(&err));
    assert_eq!(
        HttpError::problem(&err),
        Some(json!({ "error": "missing field `id`", "path": "order" }))
    );
}

#[tokio::test]
async fn a_handler_may_return_the_rejection_itself() {
    let handler = handler!(|request| -> Rejection {
        let _: Order = json(&request)?;
        Ok(json_response(StatusCode::CREATED, &json!({})))
    });
    let event = Door::Alb.event("POST", "/orders", Some(r#"{"id": "7"}"#));
    let reply = answer(Door::Alb, &handler, &event, &()).await;
    assert_eq!(reply.raw["statusDescription"], "400 Bad Request");
    // The same problem body as through `crate::Error`.
    assert_eq!(
        (reply.status, reply.body),
        (
            400,
            json!({
                "error": "invalid type: string \"7\", expected u64",
                "path": "id",
                "request_id": REQUEST_ID,
            })
        )
    );
}

/// A user error that answers 404 with its message.
#[derive(Debug)]
struct NotFound(u64);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no order {}", self.0)
    }
}

impl std::error::Error for NotFound {}

impl HttpError for NotFound {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }

    fn expose(&self) -> bool {
        true
    }
}

/// A user error that answers 422 with a problem body of its own.
#[derive(Debug)]
struct NegativeAmount(f64);

impl std::fmt::Display for NegativeAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the amount must not be negative (got {})", self.0)
    }
}

impl std::error::Error for NegativeAmount {}

impl HttpError for NegativeAmount {
    fn status(&self) -> StatusCode {
        StatusCode::UNPROCESSABLE_ENTITY
    }

    fn expose(&self) -> bool {
        true
    }

    fn problem(&self) -> Option<Value> {
        Some(json!({ "error": self.to_string(), "path": "amount" }))
    }
}

/// A user error that keeps the defaults: 500, message hidden.
#[derive(Debug)]
struct DatabaseDown;

impl std::fmt::Display for DatabaseDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connect to postgres://orders:hunter2@10.0.3.7/orders: connection refused")
    }
}

impl std::error::Error for DatabaseDown {}

impl HttpError for DatabaseDown {}

/// A user error with a 503 status whose message is not for the caller.
#[derive(Debug)]
struct Throttled;

impl std::fmt::Display for Throttled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynamoDB table orders-prod: ProvisionedThroughputExceededException")
    }
}

impl std::error::Error for Throttled {}

impl HttpError for Throttled {
    fn status(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

#[tokio::test]
async fn an_http_error_chooses_its_status_and_whether_its_message_is_shown() {
    let not_found = handler!(|_request| -> NotFound { Err(NotFound(7)) });
    let negative = handler!(|_request| -> NegativeAmount { Err(NegativeAmount(-5.0)) });
    let down = handler!(|_request| -> DatabaseDown { Err(DatabaseDown) });
    let throttled = handler!(|_request| -> Throttled { Err(Throttled) });
    for door in DOORS {
        let event = door.fixture();
        let reply = answer(door, &not_found, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                404,
                json!({ "error": "no order 7", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));

        let reply = answer(door, &negative, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                422,
                json!({
                    "error": "the amount must not be negative (got -5)",
                    "path": "amount",
                    "request_id": REQUEST_ID,
                })
            ),
            "{door:?}"
        );

        // Hidden errors answer with the status's reason only: no host,
        // password or table name reaches the caller.
        let reply = answer(door, &down, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                500,
                json!({ "error": "internal server error", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
        let reply = answer(door, &throttled, &event, &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                503,
                json!({ "error": "service unavailable", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn lambda_fn_error_with_status_answers_with_it() {
    type MakeError = fn() -> crate::Error;
    let cases: [(MakeError, u64, Value); 5] = [
        // A 4xx describes the caller's request, so its message is shown.
        (
            || crate::Error::msg("no order 7").with_status(404),
            404,
            json!({ "error": "no order 7", "request_id": REQUEST_ID }),
        ),
        (
            || {
                crate::Error::msg("order 7 exists")
                    .with_status(409)
                    .with_problem(json!({ "error": "conflict", "id": 7 }))
            },
            409,
            json!({ "error": "conflict", "id": 7, "request_id": REQUEST_ID }),
        ),
        // A 5xx keeps its message in the logs.
        (
            || crate::Error::msg("upstream said: token abc123 expired").with_status(502),
            502,
            json!({ "error": "bad gateway", "request_id": REQUEST_ID }),
        ),
        (
            || crate::Error::msg("postgres://orders:hunter2@10.0.3.7 refused"),
            500,
            json!({ "error": "internal server error", "request_id": REQUEST_ID }),
        ),
        (
            || crate::Error::from(DatabaseDown).with_status(503),
            503,
            json!({ "error": "service unavailable", "request_id": REQUEST_ID }),
        ),
    ];
    for (make, status, body) in cases {
        let handler = HttpHandler::new(
            async move |_: Request,
                        _: &Invocation<'_, ()>|
                        -> Result<Response<Body>, crate::Error> { Err(make()) },
        );
        for door in DOORS {
            let reply = answer(door, &handler, &door.fixture(), &()).await;
            assert_eq!((reply.status, &reply.body), (status, &body), "{door:?}");
        }
    }
}

#[tokio::test]
async fn a_boxed_error_answers_500_without_details() {
    let handler = handler!(|_request| -> Box<dyn std::error::Error + Send + Sync> {
        Err("secret: hunter2".into())
    });
    for door in DOORS {
        let reply = answer(door, &handler, &door.fixture(), &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                500,
                json!({ "error": "internal server error", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn a_panic_answers_500_without_its_message_and_the_handler_serves_again() {
    let handler = handler!(|request| -> crate::Error {
        if request.uri().path().ends_with("/bug") {
            // After an await: the panic happens in a later poll.
            tokio::task::yield_now().await;
            panic!("index out of bounds: the len is 3 but the index is 7");
        }
        Ok(json_response(StatusCode::OK, &json!({ "ok": true })))
    });
    for door in DOORS {
        let reply = answer(door, &handler, &door.event("GET", "/bug", None), &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                500,
                json!({ "error": "internal server error", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
        let reply = answer(door, &handler, &door.event("GET", "/fine", None), &()).await;
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({ "ok": true })),
            "{door:?}"
        );
    }
}

/// The budget the deadline tests give their handlers.
const BUDGET: Duration = Duration::from_millis(2750);

/// Sets its flag when dropped: proves a handler future was dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn the_deadline_guard_answers_504_and_drops_the_handler() {
    for door in DOORS {
        let dropped = Arc::new(AtomicBool::new(false));
        let finished = AtomicBool::new(false);
        let handler = HttpHandler::new(
            async |_: Request, _: &Invocation<'_, ()>| -> Result<Response<Body>, crate::Error> {
                let _witness = SetOnDrop(dropped.clone());
                tokio::time::sleep(Duration::from_secs(60)).await;
                finished.store(true, Ordering::SeqCst);
                Ok(json_response(StatusCode::OK, &json!({})))
            },
        );
        let started = tokio::time::Instant::now();
        let deadline = Deadline::after(started.into_std(), BUDGET);
        let reply = read(door, serve(&handler, &door.fixture(), &(), &deadline).await);
        assert_eq!(
            (reply.status, reply.body),
            (
                504,
                json!({ "error": "the request timed out", "request_id": REQUEST_ID })
            ),
            "{door:?}"
        );
        // Answered at the budget (timers have millisecond resolution).
        let elapsed = started.elapsed();
        assert!(
            elapsed >= BUDGET && elapsed <= BUDGET + Duration::from_millis(1),
            "{door:?}: answered after {elapsed:?}"
        );
        assert!(
            dropped.load(Ordering::SeqCst),
            "{door:?}: the handler was not dropped"
        );
        assert!(!finished.load(Ordering::SeqCst), "{door:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_within_its_budget_is_answered_normally() {
    let handler = handler!(|_request| -> crate::Error {
        tokio::time::sleep(Duration::from_millis(2700)).await;
        Ok(json_response(StatusCode::OK, &json!({ "ok": true })))
    });
    for door in DOORS {
        // The paused clock's now: `std::time::Instant` does not see it advance.
        let deadline = Deadline::after(tokio::time::Instant::now().into_std(), BUDGET);
        let reply = read(door, serve(&handler, &door.fixture(), &(), &deadline).await);
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({ "ok": true })),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn the_handler_sees_the_warm_state() {
    let handler = HttpHandler::new(
        async |request: Request,
               invocation: &Invocation<'_, AtomicUsize>|
               -> Result<Response<Body>, crate::Error> {
            let seen = invocation.state.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(json_response(
                StatusCode::OK,
                &json!({ "seen": seen, "request_id": invocation.context.request_id, "path": request.raw_http_path() }),
            ))
        },
    );
    let state = AtomicUsize::new(0);
    for (n, door) in DOORS.into_iter().enumerate() {
        let event = door.event("GET", "/counter", None);
        let reply = answer(door, &handler, &event, &state).await;
        assert_eq!(
            reply.body,
            json!({ "seen": n + 1, "request_id": REQUEST_ID, "path": "/counter" }),
            "{door:?}"
        );
    }
}

#[tokio::test]
async fn an_event_from_no_http_front_door_is_an_invalid_event() {
    let called = AtomicBool::new(false);
    let handler = HttpHandler::new(
        async |_: Request, _: &Invocation<'_, ()>| -> Result<Response<Body>, crate::Error> {
            called.store(true, Ordering::SeqCst);
            Ok(json_response(StatusCode::OK, &json!({})))
        },
    );
    for event in [
        json!({ "Records": [] }),
        json!("GET /orders"),
        json!({ "httpMethod": 7 }),
    ] {
        let err = serve(&handler, &event, &(), &Deadline::unknown())
            .await
            .expect_err("not an HTTP request");
        assert_eq!(err.error_type, "InvalidEvent", "{event}");
        assert!(
            err.error_message.contains("API Gateway"),
            "{event}: {}",
            err.error_message
        );
    }
    assert!(!called.load(Ordering::SeqCst));
}
