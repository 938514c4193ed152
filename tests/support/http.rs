//! The HTTP front doors: requests written as each of them sends them to a
//! function, from the sample events in `core/tests/fixtures/http/`.

use serde_json::{Value, json};

use crate::workspace_root;

/// A sample event of `core/tests/fixtures/http/`.
pub fn fixture(name: &str) -> Value {
    let path = workspace_root().join("core/tests/fixtures/http").join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).expect("the fixture is JSON")
}

/// The four ways an HTTP request reaches a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// API Gateway REST API (payload v1): a `/{proxy+}` resource on the
    /// stage `test`, so the URI path starts with `/test`.
    RestApi,
    /// API Gateway HTTP API (payload v2) with the routes `POST /orders` and
    /// `GET /orders/{id}`, and `$default` for everything else.
    HttpApi,
    /// Application Load Balancer forwarding every path.
    Alb,
    /// Lambda function URL (payload v2, no routes).
    FunctionUrl,
}

impl Door {
    /// The front door's sample event.
    pub fn fixture(self) -> Value {
        let name = match self {
            Door::RestApi => "apigw_proxy_request.json",
            Door::HttpApi => "apigw_v2_proxy_request.json",
            Door::Alb => "alb_request.json",
            Door::FunctionUrl => "lambda_function_url_request.json",
        };
        fixture(name)
    }

    /// The sample event rewritten to the request `method path`, with `body`
    /// as its JSON body.
    pub fn event(self, method: &str, path: &str, body: Option<&str>) -> String {
        let mut event = self.fixture();
        match self {
            Door::RestApi => {
                event["httpMethod"] = method.into();
                event["path"] = path.into();
                event["resource"] = "/{proxy+}".into();
                event["requestContext"]["httpMethod"] = method.into();
                event["requestContext"]["resourcePath"] = "/{proxy+}".into();
                event["requestContext"]["path"] = format!("/test{path}").into();
                event["pathParameters"] = json!({ "proxy": path.trim_start_matches('/') });
            }
            Door::HttpApi => {
                let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                let (route, parameters) = match (method, segments.as_slice()) {
                    ("POST", ["orders"]) => ("POST /orders", Value::Null),
                    ("GET", ["orders", id]) => ("GET /orders/{id}", json!({ "id": id })),
                    _ => ("$default", Value::Null),
                };
                event["routeKey"] = route.into();
                event["requestContext"]["routeKey"] = route.into();
                event["pathParameters"] = parameters;
                event["rawPath"] = path.into();
                event["requestContext"]["http"]["method"] = method.into();
                event["requestContext"]["http"]["path"] = path.into();
            }
            Door::FunctionUrl => {
                event["rawPath"] = path.into();
                event["requestContext"]["http"]["method"] = method.into();
                event["requestContext"]["http"]["path"] = path.into();
            }
            Door::Alb => {
                event["httpMethod"] = method.into();
                event["path"] = path.into();
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
        event.to_string()
    }

    /// The path a caller uses for `path`: a REST API's URL has its stage.
    pub fn url_path(self, path: &str) -> String {
        match self {
            Door::RestApi => format!("/test{path}"),
            _ => path.to_owned(),
        }
    }
}
