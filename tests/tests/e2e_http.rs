//! End to end: the `http-api` example behind each of Lambda's HTTP front
//! doors — API Gateway REST API (v1), HTTP API (v2), ALB and function URL —
//! built from the sample events in `core/tests/fixtures/http/`.
//!
//! Every answer, success or failure, must be an HTTP response in the front
//! door's own shape: a Lambda invocation error would reach the caller as a
//! bare 502 from the front door.

use std::time::Duration;

use lambda_fn::http::StatusCode;
use lambda_fn::testing::{Answer, DeadlineHeader, RuntimeApi};
use lambda_fn_tests::{
    assert_exit_ok, http::Door, local, sample_event, seconds, serve, three_seconds,
};
use serde_json::{Value, json};

/// What the caller of the API sees of one response.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// The body, parsed as JSON.
    body: Value,
    /// The whole response document the function posted.
    raw: Value,
    /// The invocation's request id.
    request_id: String,
    door: Door,
}

impl Reply {
    /// Reads `answer`, checking that it is an HTTP response in the shape
    /// `door` expects, with a JSON body.
    fn read(door: Door, answer: &Answer) -> Self {
        assert_eq!(
            answer.error_type(),
            None,
            "{door:?}: the invocation failed instead of answering HTTP: {:?}",
            answer.error_message()
        );
        let raw = answer.json();
        let status = raw["statusCode"]
            .as_u64()
            .and_then(|status| u16::try_from(status).ok())
            .unwrap_or_else(|| panic!("{door:?}: no statusCode in {raw}"));
        assert_eq!(raw["isBase64Encoded"], false, "{door:?}: {raw}");
        match door {
            // REST APIs merge `headers` into `multiValueHeaders`; only the
            // latter is sent, so that no header is doubled.
            Door::RestApi => {
                assert_eq!(raw["headers"], json!({}), "{door:?}: {raw}");
                assert!(raw["multiValueHeaders"].is_object(), "{door:?}: {raw}");
                assert!(raw.get("cookies").is_none(), "{door:?}: {raw}");
                assert!(raw.get("statusDescription").is_none(), "{door:?}: {raw}");
            }
            // Payload v2: single-valued headers and a `cookies` list.
            Door::HttpApi | Door::FunctionUrl => {
                assert!(raw["headers"].is_object(), "{door:?}: {raw}");
                assert_eq!(raw["cookies"], json!([]), "{door:?}: {raw}");
                assert!(raw.get("statusDescription").is_none(), "{door:?}: {raw}");
            }
            // An ALB needs the status line; it reads `headers` or
            // `multiValueHeaders` as its target group is configured.
            Door::Alb => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|status| status.canonical_reason())
                    .unwrap_or_default();
                assert_eq!(
                    raw["statusDescription"],
                    format!("{status} {reason}"),
                    "{door:?}: {raw}"
                );
                for (name, value) in raw["headers"].as_object().into_iter().flatten() {
                    assert_eq!(
                        raw["multiValueHeaders"][name],
                        json!([value]),
                        "{door:?}: {raw}"
                    );
                }
            }
        }
        let body = raw["body"]
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| panic!("{door:?}: the body is not JSON: {raw}"));
        let reply = Self {
            status,
            body,
            request_id: answer.request_id.clone().unwrap_or_default(),
            raw,
            door,
        };
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/json"),
            "{door:?}: {}",
            reply.raw
        );
        reply
    }

    /// A response header, wherever the front door carries it.
    fn header(&self, name: &str) -> Option<String> {
        let value = match self.door {
            Door::RestApi => &self.raw["multiValueHeaders"][name][0],
            _ => &self.raw["headers"][name],
        };
        value.as_str().map(str::to_owned)
    }

    /// Asserts an error answer: `status` with `body` plus the request id.
    fn assert_error(&self, status: u16, mut body: Value) {
        body["request_id"] = self.request_id.clone().into();
        assert_eq!(
            (self.status, &self.body),
            (status, &body),
            "{:?}: {}",
            self.door,
            self.raw
        );
    }
}

/// Sends requests through one front door to a running function.
struct Caller<'a> {
    api: &'a RuntimeApi,
    door: Door,
}

impl Caller<'_> {
    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.send_with(method, path, body, three_seconds()).await.1
    }

    async fn send_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        deadline: DeadlineHeader,
    ) -> (Answer, Reply) {
        let answer = self
            .api
            .invoke(self.door.event(method, path, body), deadline)
            .await;
        let reply = Reply::read(self.door, &answer);
        (answer, reply)
    }
}

/// Every path of the orders API through `door`, in one warm process.
async fn the_orders_api_through(door: Door) {
    let (api, mut function) = serve("http-api").await;
    let caller = Caller { api: &api, door };
    let ada = r#"{"id": 1, "amount": 19.99, "customer": "ada"}"#;

    // 201: created, with a link that works through this front door.
    let reply = caller.send("POST", "/orders", Some(ada)).await;
    assert_eq!(
        (reply.status, &reply.body),
        (201, &json!({ "id": 1 })),
        "{door:?}"
    );
    assert_eq!(
        reply.header("location"),
        Some(door.url_path("/orders/1")),
        "{door:?}"
    );

    // 200: the order, from warm state.
    let reply = caller.send("GET", "/orders/1", None).await;
    assert_eq!(
        (reply.status, &reply.body),
        (200, &json!({ "id": 1, "amount": 19.99, "customer": "ada" })),
        "{door:?}"
    );

    // 409: the id is taken.
    let reply = caller.send("POST", "/orders", Some(ada)).await;
    reply.assert_error(409, json!({ "error": "order 1 already exists" }));

    // 404: an unknown id, and routes the API does not have.
    let reply = caller.send("GET", "/orders/2", None).await;
    reply.assert_error(404, json!({ "error": "no order 2" }));
    let reply = caller.send("DELETE", "/orders/1", None).await;
    reply.assert_error(404, json!({ "error": "no route for DELETE /orders/1" }));
    let reply = caller.send("GET", "/customers", None).await;
    reply.assert_error(404, json!({ "error": "no route for GET /customers" }));

    // 400: an id that is not a number, named as the parameter `id`.
    let reply = caller.send("GET", "/orders/first", None).await;
    reply.assert_error(
        400,
        json!({ "error": "invalid value \"first\": invalid digit found in string", "path": "id" }),
    );

    // 400: malformed JSON and wrong field types name the field.
    let reply = caller
        .send("POST", "/orders", Some(r#"{"id": 3, "amount": 12."#))
        .await;
    reply.assert_error(
        400,
        json!({ "error": "EOF while parsing a value", "path": "amount" }),
    );
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 3, "amount": "12.50", "customer": "bo"}"#),
        )
        .await;
    reply.assert_error(
        400,
        json!({ "error": "invalid type: string \"12.50\", expected f64", "path": "amount" }),
    );
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": -3, "amount": 1, "customer": "bo"}"#),
        )
        .await;
    reply.assert_error(
        400,
        json!({ "error": "invalid value: integer `-3`, expected u64", "path": "id" }),
    );
    let reply = caller
        .send("POST", "/orders", Some(r#"{"id": 3, "amount": 1}"#))
        .await;
    reply.assert_error(
        400,
        json!({ "error": "missing field `customer`", "path": null }),
    );
    let reply = caller.send("POST", "/orders", None).await;
    reply.assert_error(
        400,
        json!({ "error": "the request has no body; expected JSON", "path": null }),
    );

    // 422: the user's own error type, with its own problem body.
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 4, "amount": -5, "customer": "bo"}"#),
        )
        .await;
    reply.assert_error(
        422,
        json!({ "error": "the amount must not be negative (got -5)", "path": "amount" }),
    );

    // 500 from an internal error, and 500 from a panic: the same bare body,
    // nothing of the store's message or the panic's.
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 0, "amount": 1, "customer": "bo"}"#),
        )
        .await;
    reply.assert_error(500, json!({ "error": "internal server error" }));
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 5, "amount": 1e20, "customer": "bo"}"#),
        )
        .await;
    reply.assert_error(500, json!({ "error": "internal server error" }));

    // The process survived both, and its warm state with it.
    let reply = caller.send("GET", "/orders/1", None).await;
    assert_eq!(
        (reply.status, reply.body["customer"].clone()),
        (200, json!("ada"))
    );

    // 504: the stalled write runs into the deadline guard: 1 s to Lambda's
    // deadline, minus the example's 250 ms margin.
    let (answer, reply) = caller
        .send_with(
            "POST",
            "/orders",
            Some(r#"{"id": 6, "amount": 1, "customer": "slow"}"#),
            seconds(1),
        )
        .await;
    reply.assert_error(504, json!({ "error": "the request timed out" }));
    let latency = answer.latency().unwrap();
    assert!(
        answer.answered_at < answer.deadline.unwrap() && latency >= Duration::from_millis(700),
        "{door:?}: answered after {latency:?}, the budget was 750ms"
    );

    // The guard dropped the write: the order was not stored, and the
    // process serves on.
    let reply = caller.send("GET", "/orders/6", None).await;
    reply.assert_error(404, json!({ "error": "no order 6" }));
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 7, "amount": 2.5, "customer": "cy"}"#),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body),
        (201, json!({ "id": 7 })),
        "{door:?}"
    );

    assert_eq!(api.unexpected_posts(), Vec::<String>::new());
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    // What the caller did not see is in the logs.
    let logs = function.stderr();
    for expected in [
        "key 0 is reserved",
        "too large to count in cents",
        "the deadline guard answered 504",
    ] {
        assert!(
            logs.contains(expected),
            "{door:?}: no {expected:?} in\n{logs}"
        );
    }
}

#[tokio::test]
async fn the_orders_api_through_a_rest_api() {
    the_orders_api_through(Door::RestApi).await;
}

#[tokio::test]
async fn the_orders_api_through_an_http_api() {
    the_orders_api_through(Door::HttpApi).await;
}

#[tokio::test]
async fn the_orders_api_through_an_alb() {
    the_orders_api_through(Door::Alb).await;
}

#[tokio::test]
async fn the_orders_api_through_a_function_url() {
    the_orders_api_through(Door::FunctionUrl).await;
}

#[tokio::test]
async fn the_sample_events_create_an_order() {
    for (name, door, location) in [
        ("http-api.json", Door::HttpApi, "/orders/1"),
        ("http-api-rest.json", Door::RestApi, "/prod/orders/1"),
    ] {
        let (api, mut function) = serve("http-api").await;
        let event = std::fs::read(sample_event(name)).unwrap();
        let answer = api.invoke(event, three_seconds()).await;
        let reply = Reply::read(door, &answer);
        assert_eq!(
            (reply.status, reply.body.clone()),
            (201, json!({ "id": 1 })),
            "{name}"
        );
        assert_eq!(
            reply.header("location").as_deref(),
            Some(location),
            "{name}"
        );
        function.kill().await;
    }
}

#[test]
fn local_mode_answers_the_sample_event_in_the_http_api_shape() {
    let out = local("http-api")
        .arg("--event")
        .arg(sample_event("http-api.json"))
        .output()
        .unwrap();
    assert_exit_ok(&out);
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        response,
        json!({
            "statusCode": 201,
            "headers": { "content-type": "application/json", "location": "/orders/1" },
            "multiValueHeaders": {},
            "body": "{\"id\":1}",
            "isBase64Encoded": false,
            "cookies": [],
        })
    );
}

#[tokio::test]
async fn an_event_from_no_http_front_door_is_an_invalid_event() {
    let (api, mut function) = serve("http-api").await;
    // An SQS batch sent to the HTTP function by mistake: there is no front
    // door to answer, so this one is a Lambda error.
    let answer = api.invoke(r#"{"Records": []}"#, three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    let message = answer.error_message().unwrap_or_default();
    assert!(message.contains("API Gateway"), "{message}");
    // And the function serves the next request.
    let caller = Caller {
        api: &api,
        door: Door::FunctionUrl,
    };
    let reply = caller
        .send(
            "POST",
            "/orders",
            Some(r#"{"id": 1, "amount": 1, "customer": "ada"}"#),
        )
        .await;
    assert_eq!(reply.status, 201);
    function.kill().await;
}
