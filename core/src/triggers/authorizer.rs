//! `#[lambda(authorizer)]`: API Gateway Lambda authorizers — REST API
//! `TOKEN` and `REQUEST` authorizers, and HTTP API authorizers of payload
//! format 1.0 and 2.0.
//!
//! The handler takes an [`AuthorizerRequest`]: the token (`TOKEN`), or the
//! headers, query, path parameters, stage variables and identity sources
//! (`REQUEST`), and the ARN of what is being called. It returns a
//! [`Decision`]: allow or deny, the principal, a context map (strings,
//! numbers and booleans, which API Gateway passes to the integration) and
//! for REST APIs an optional usage plan key.
//!
//! lambda-fn answers in the format of the front door the event came from
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>,
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>):
//! an IAM policy (`principalId`, `policyDocument` allowing or denying
//! `execute-api:Invoke` on the method ARN, `context`, `usageIdentifierKey`)
//! for REST APIs and HTTP APIs of payload 1.0; for payload 2.0, which an
//! HTTP API reads either as a simple response or as an IAM policy depending
//! on its `EnableSimpleResponses` setting, which the event does not carry,
//! the answer is both at once: `isAuthorized` and `context` for the simple
//! format, `principalId` and `policyDocument` for the other, always saying
//! the same thing.
//!
//! **Whatever goes wrong is a Deny**: a handler error, a panic, the
//! deadline guard firing and a request that does not decode are all
//! answered with a policy denying the call (and `isAuthorized: false`),
//! never with an invocation error (which API Gateway turns into a 500 for
//! every caller) and never with anything that could be cached as an Allow.
//! The token is never logged: the request's `Debug` hides it, and a failure
//! is logged under the method ARN.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode;
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Answers, Fixed, Trigger};

crate::trigger::source!("authorizer");

/// The principal a Deny is answered for when the handler gave none.
const NO_PRINCIPAL: &str = "unauthorized";

/// An authorizer event: any JSON, so that a request that does not decode
/// is still answered (a Deny), never an invocation error.
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(from = "Value")]
pub struct Event {
    /// What is being called: `methodArn`, or payload 2.0's `routeArn`.
    arn: Option<String>,
    /// Payload format 2.0 (HTTP APIs).
    v2: bool,
    request: Result<AuthorizerRequest, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    authorization_token: Option<String>,
    #[serde(default)]
    method_arn: Option<String>,
    #[serde(default)]
    route_arn: Option<String>,
    #[serde(default)]
    identity_source: Option<Value>,
    #[serde(default)]
    headers: Option<HashMap<String, String>>,
    #[serde(default)]
    query_string_parameters: Option<HashMap<String, String>>,
    #[serde(default)]
    path_parameters: Option<HashMap<String, String>>,
    #[serde(default)]
    stage_variables: Option<HashMap<String, String>>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    raw_path: Option<String>,
    #[serde(default)]
    http_method: Option<String>,
    #[serde(default)]
    route_key: Option<String>,
    #[serde(default)]
    cookies: Option<Vec<String>>,
    #[serde(default)]
    request_context: Option<Value>,
}

impl From<Value> for Event {
    fn from(value: Value) -> Self {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let v2 = text("version").as_deref() == Some("2.0");
        let arn = text("methodArn").or_else(|| text("routeArn"));
        let request = request_of(value);
        Event { arn, v2, request }
    }
}

fn request_of(value: Value) -> Result<AuthorizerRequest, String> {
    // serde would read a struct from an array too, field by field.
    if !value.is_object() {
        return Err("not an API Gateway authorizer request: it is not a JSON object".to_owned());
    }
    let version = value
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let raw: Raw = decode::from_value(&value).map_err(|failure| failure.message())?;
    let kind = match (raw.kind.as_deref(), version.as_deref()) {
        (Some("TOKEN"), _) => RequestKind::Token,
        (Some("REQUEST"), Some("2.0")) => RequestKind::HttpApi,
        (Some("REQUEST"), _) => RequestKind::Request,
        (other, _) => {
            return Err(format!(
                "not an API Gateway authorizer request: its type is {other:?}, not \"TOKEN\" or \"REQUEST\""
            ));
        }
    };
    let method_arn = raw.method_arn.or(raw.route_arn).ok_or_else(|| {
        "not an API Gateway authorizer request: it has no methodArn or routeArn".to_owned()
    })?;
    let identity_source = match raw.identity_source {
        Some(Value::Array(sources)) => sources
            .into_iter()
            .filter_map(|source| source.as_str().map(str::to_owned))
            .collect(),
        // Payload 1.0 joins them with commas.
        Some(Value::String(sources)) => sources
            .split(',')
            .map(str::trim)
            .filter(|source| !source.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if kind == RequestKind::Token && raw.authorization_token.is_none() {
        return Err("a TOKEN authorizer request without an authorizationToken".to_owned());
    }
    Ok(AuthorizerRequest {
        kind,
        // An HTTP API of payload 1.0 sends its identity sources here too,
        // joined: they are `identity_source`.
        token: raw
            .authorization_token
            .filter(|_| kind == RequestKind::Token),
        method_arn,
        identity_source,
        headers: raw.headers.unwrap_or_default(),
        query: raw.query_string_parameters.unwrap_or_default(),
        path_parameters: raw.path_parameters.unwrap_or_default(),
        stage_variables: raw.stage_variables.unwrap_or_default(),
        path: raw.raw_path.or(raw.path),
        http_method: raw.http_method,
        route_key: raw.route_key,
        cookies: raw.cookies.unwrap_or_default(),
        request_context: raw.request_context.unwrap_or(Value::Null),
    })
}

/// Which kind of authorizer was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// A REST API `TOKEN` authorizer: the token is in [`AuthorizerRequest::token`].
    Token,
    /// A REST API `REQUEST` authorizer, or an HTTP API one of payload 1.0.
    Request,
    /// An HTTP API authorizer of payload format 2.0.
    HttpApi,
}

/// The request an authorizer decides on: the handler's payload.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthorizerRequest {
    /// Which kind of authorizer was called.
    pub kind: RequestKind,
    /// A `TOKEN` authorizer's token (the header its identity source names);
    /// `None` for the other kinds.
    pub token: Option<String>,
    /// What is being called: the method ARN (`routeArn` for payload 2.0),
    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>`.
    pub method_arn: String,
    /// The identity sources' values (`REQUEST`).
    pub identity_source: Vec<String>,
    /// The request's headers (`REQUEST`).
    pub headers: HashMap<String, String>,
    /// The query string parameters (`REQUEST`).
    pub query: HashMap<String, String>,
    /// The path parameters (`REQUEST`).
    pub path_parameters: HashMap<String, String>,
    /// The stage variables (`REQUEST`).
    pub stage_variables: HashMap<String, String>,
    /// The request's path (`REQUEST`).
    pub path: Option<String>,
    /// The HTTP method (`REQUEST`, payload 1.0).
    pub http_method: Option<String>,
    /// The route key (payload 2.0).
    pub route_key: Option<String>,
    /// The cookies (payload 2.0).
    pub cookies: Vec<String>,
    /// The request context, as API Gateway sends it.
    pub request_context: Value,
}

/// Never shows the token or the `Authorization` header.
impl fmt::Debug for AuthorizerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if is_secret(name) { "<redacted>" } else { value };
                (name.as_str(), value)
            })
            .collect();
        f.debug_struct("AuthorizerRequest")
            .field("kind", &self.kind)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("method_arn", &self.method_arn)
            .field("headers", &headers)
            .field("query", &self.query)
            .field("path", &self.path)
            .field("route_key", &self.route_key)
            .finish_non_exhaustive()
    }
}

fn is_secret(header: &str) -> bool {
    header.eq_ignore_ascii_case("authorization") || header.eq_ignore_ascii_case("cookie")
}

impl AuthorizerRequest {
    /// A `TOKEN` request with this token for this method ARN, for calling a
    /// handler directly in a test.
    pub fn token(token: impl Into<String>, method_arn: impl Into<String>) -> Self {
        Self {
            kind: RequestKind::Token,
            token: Some(token.into()),
            method_arn: method_arn.into(),
            identity_source: Vec::new(),
            headers: HashMap::new(),
            query: HashMap::new(),
            path_parameters: HashMap::new(),
            stage_variables: HashMap::new(),
            path: None,
            http_method: None,
            route_key: None,
            cookies: Vec::new(),
            request_context: Value::Null,
        }
    }

    /// The header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The bearer token: a `TOKEN` request's token, or the `Authorization`
    /// header, without a leading `Bearer `.
    pub fn bearer_token(&self) -> Option<&str> {
        let token = self
            .token
            .as_deref()
            .or_else(|| self.header("authorization"))?;
        Some(
            token
                .strip_prefix("Bearer ")
                .or_else(|| token.strip_prefix("bearer "))
                .unwrap_or(token),
        )
    }
}

/// A value of a decision's context: API Gateway takes strings, numbers and
/// booleans.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ContextValue {
    /// A string.
    Text(String),
    /// A number.
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for ContextValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<bool> for ContextValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

macro_rules! context_numbers {
    ($($ty:ty),*) => {$(
        impl From<$ty> for ContextValue {
            fn from(value: $ty) -> Self {
                Self::Number(value.into())
            }
        }
    )*};
}
context_numbers!(i32, i64, u32, u64);

impl From<f64> for ContextValue {
    /// A number; a NaN or infinity, which JSON cannot hold, is `0`.
    fn from(value: f64) -> Self {
        Self::Number(serde_json::Number::from_f64(value).unwrap_or_else(|| 0.into()))
    }
}

/// What an authorizer decides.
///
/// ```
/// use lambda_fn::authorizer::Decision;
/// let allow = Decision::allow("user-17").with_context("plan", "gold").with_context("admin", false);
/// assert!(allow.is_allowed());
/// let deny = Decision::deny();
/// assert!(!deny.is_allowed());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Decision {
    allow: bool,
    principal_id: Option<String>,
    context: BTreeMap<String, ContextValue>,
    usage_identifier_key: Option<String>,
    resources: Vec<String>,
}

impl Decision {
    /// Allow the call, for this principal (the `principalId`, which API
    /// Gateway logs and passes on as `$context.authorizer.principalId`).
    pub fn allow(principal_id: impl Into<String>) -> Self {
        Self {
            allow: true,
            principal_id: Some(principal_id.into()),
            context: BTreeMap::new(),
            usage_identifier_key: None,
            resources: Vec::new(),
        }
    }

    /// Deny the call (API Gateway answers the caller 403).
    pub fn deny() -> Self {
        Self {
            allow: false,
            principal_id: None,
            context: BTreeMap::new(),
            usage_identifier_key: None,
            resources: Vec::new(),
        }
    }

    /// Sets the principal, also of a Deny.
    pub fn with_principal(mut self, principal_id: impl Into<String>) -> Self {
        self.principal_id = Some(principal_id.into());
        self
    }

    /// Adds a context entry, which the integration sees as
    /// `$context.authorizer.<key>` (`requestContext.authorizer.lambda.<key>`
    /// for HTTP APIs).
    pub fn with_context(mut self, key: impl Into<String>, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// REST APIs: the API key of the usage plan to meter the call against
    /// (`usageIdentifierKey`, with the API key source `AUTHORIZER`).
    pub fn with_usage_plan_key(mut self, key: impl Into<String>) -> Self {
        self.usage_identifier_key = Some(key.into());
        self
    }

    /// The resources the policy covers, instead of the method ARN alone
    /// (`arn:aws:execute-api:...:<api>/<stage>/*`, so that a cached Allow
    /// covers the caller's other methods too).
    pub fn for_resources<I, S>(mut self, resources: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.resources = resources.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the call is allowed.
    pub fn is_allowed(&self) -> bool {
        self.allow
    }

    /// The principal.
    pub fn principal_id(&self) -> Option<&str> {
        self.principal_id.as_deref()
    }

    /// The context.
    pub fn context(&self) -> &BTreeMap<String, ContextValue> {
        &self.context
    }
}

impl Answers for Source {
    type Answer = Decision;

    fn keep(decision: Decision) -> Result<Decision, Failure> {
        Ok(decision)
    }
}

impl Trigger for Source {
    type Event = Event;
    type Record = Event;
    type Output = Decision;

    /// The method ARN: a failure is logged under it, never the token.
    fn id(event: &Event) -> Option<String> {
        event.arn.clone()
    }

    fn records(event: &Event) -> &[Event] {
        std::slice::from_ref(event)
    }

    fn order(_: &Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(event: &Event, outcome: BatchOutcome<Decision>, _: &Deadline) -> Outcome {
        // A failure has been logged (under the method ARN) by the batch;
        // here it only becomes a Deny.
        let decision = match outcome.into_results().next() {
            Some(Ok(decision)) => decision,
            _ => Decision::deny(),
        };
        decode::encode(&respond(event, decision)).map(Into::into)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(skip_serializing_if = "Option::is_none")]
    is_authorized: Option<bool>,
    principal_id: String,
    policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    context: BTreeMap<String, ContextValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_identifier_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocument {
    version: &'static str,
    statement: [Statement; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    action: &'static str,
    effect: &'static str,
    resource: Vec<String>,
}

fn respond(event: &Event, decision: Decision) -> Response {
    let resource = if !decision.resources.is_empty() && decision.allow {
        decision.resources
    } else {
        // A Deny covers the method called (all methods, if the event did
        // not say which: there is nothing to allow by mistake).
        vec![event.arn.clone().unwrap_or_else(|| "*".to_owned())]
    };
    Response {
        is_authorized: event.v2.then_some(decision.allow),
        principal_id: decision
            .principal_id
            .unwrap_or_else(|| NO_PRINCIPAL.to_owned()),
        policy_document: PolicyDocument {
            version: "2012-10-17",
            statement: [Statement {
                action: "execute-api:Invoke",
                effect: if decision.allow { "Allow" } else { "Deny" },
                resource,
            }],
        },
        context: decision.context,
        usage_identifier_key: decision.usage_identifier_key,
    }
}

impl Fixed for Source {
    type Payload = AuthorizerRequest;

    fn payload(event: &Event) -> Result<AuthorizerRequest, Failure> {
        event.request.clone().map_err(Failure::invalid_event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::invocation::Invocation;
    use crate::test_support::Answer;
    use crate::trigger::Batch;
    use serde_json::json;
    use std::time::Duration;

    const V2: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-apigw-v2-custom-authorizer-v2-request.json"
    ));
    const V1: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-apigw-v2-custom-authorizer-v1-request.json"
    ));

    const ARN: &str = "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/prod/GET/orders";

    fn token_event(token: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}))
            .unwrap()
    }

    /// `allow-<user>` is allowed; `fail` errs, `panic` panics, `slow` sleeps.
    async fn serve(event: &[u8], budget: Option<Duration>) -> Answer {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |request: AuthorizerRequest, _: &Invocation<'_, ()>| {
                let token = request.bearer_token().unwrap_or_default().to_owned();
                match token.as_str() {
                    "fail" => Err(crate::Error::msg("the key store is down")),
                    "panic" => panic!("boom"),
                    "slow" => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        Ok(Decision::allow("late"))
                    }
                    _ => Ok(match token.strip_prefix("allow-") {
                        Some(user) => Decision::allow(user).with_context("user", user),
                        None => Decision::deny(),
                    }),
                }
            },
            <Source as Fixed>::payload,
            <Source as Answers>::keep,
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        crate::test_support::call_within(&adapter, event, budget).await
    }

    fn answer(answer: Answer) -> Value {
        serde_json::from_slice(&answer.expect("never an invocation error")).unwrap()
    }

    fn deny_of(arn: &str) -> Value {
        json!({
            "principalId": "unauthorized",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [arn]}
            ]}
        })
    }

    #[tokio::test]
    async fn a_token_is_allowed_with_its_context_or_denied() {
        assert_eq!(
            answer(serve(&token_event("allow-ada"), None).await),
            json!({
                "principalId": "ada",
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [ARN]}
                ]},
                "context": {"user": "ada"}
            })
        );
        assert_eq!(
            answer(serve(&token_event("nope"), None).await),
            deny_of(ARN)
        );
    }

    #[tokio::test]
    async fn every_fault_is_a_deny() {
        for token in ["fail", "panic"] {
            assert_eq!(
                answer(serve(&token_event(token), None).await),
                deny_of(ARN),
                "{token}"
            );
        }
        let late = serve(&token_event("slow"), Some(Duration::from_millis(300))).await;
        assert_eq!(answer(late), deny_of(ARN));
        // Not an authorizer request at all: still a Deny, of everything when
        // no ARN says what.
        assert_eq!(
            answer(serve(br#"{"type": "TOKEN", "methodArn": 5}"#, None).await),
            deny_of("*")
        );
        assert_eq!(answer(serve(br#"[1, 2]"#, None).await), deny_of("*"));
        assert_eq!(
            answer(
                serve(
                    &serde_json::to_vec(&json!({"type": "TOKEN", "methodArn": ARN})).unwrap(),
                    None
                )
                .await
            ),
            deny_of(ARN)
        );
    }

    #[tokio::test]
    async fn payload_2_0_answers_both_formats() {
        let mut event: Value = serde_json::from_slice(V2).unwrap();
        event["headers"]["Authorization"] = "Bearer allow-grace".into();
        let allowed = answer(serve(&serde_json::to_vec(&event).unwrap(), None).await);
        let route = event["routeArn"].as_str().unwrap();
        assert_eq!(allowed["isAuthorized"], true);
        assert_eq!(allowed["context"], json!({"user": "grace"}));
        assert_eq!(allowed["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_eq!(
            allowed["policyDocument"]["Statement"][0]["Resource"],
            json!([route])
        );
        let denied = answer(serve(V2, None).await);
        assert_eq!(denied["isAuthorized"], false);
        assert_eq!(denied["policyDocument"]["Statement"][0]["Effect"], "Deny");
    }

    #[test]
    fn requests_of_each_front_door_decode() {
        let v2: Event = serde_json::from_slice(V2).unwrap();
        let request = v2.request.unwrap();
        assert_eq!(request.kind, RequestKind::HttpApi);
        assert_eq!(request.identity_source, ["user1", "123"]);
        assert!(request.route_key.is_some());
        let v1: Event = serde_json::from_slice(V1).unwrap();
        let request = v1.request.unwrap();
        assert_eq!(request.kind, RequestKind::Request);
        assert!(!v1.v2);
        let token: Event = serde_json::from_slice(&token_event("secret-token")).unwrap();
        let request = token.request.unwrap();
        assert_eq!(request.kind, RequestKind::Token);
        assert_eq!(request.bearer_token(), Some("secret-token"));
        let shown = format!("{request:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
