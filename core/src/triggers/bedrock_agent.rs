//! `#[lambda(bedrock_agent)]`: an Amazon Bedrock agent's action group, one
//! handler call per action the agent invokes.
//!
//! The handler takes an [`AgentAction`]: the action group, what is called
//! (a function of the action group's function details, or an API path and
//! method of its OpenAPI schema), the parameters and request body, the
//! user's input, and the session attributes. It returns the result body
//! the agent reads — a `String` as it is, any `R: Serialize` as JSON — or
//! an [`ActionResult<R>`], which can also set session attributes, ask the
//! agent to re-prompt (`REPROMPT`), or report a failure (`FAILURE`).
//!
//! lambda-fn answers the response the agent expects
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html>):
//! `{"messageVersion", "response": {...}, "sessionAttributes",
//! "promptSessionAttributes"}`, echoing the message version, the action group
//! and the function (`functionResponse.responseBody.TEXT.body`) or the API
//! path, method and status (`responseBody["application/json"].body`). The
//! session attributes it was called with are echoed too, with the result's
//! own added on top, so they last the session.
//!
//! A handler error, a panic or the deadline guard firing is answered as a
//! `FAILURE` response state whose body says what went wrong (the error's
//! message; a generic one for a panic, whose message stays in the logs), with
//! HTTP status 500 for an API action: the agent's turn fails with a
//! dependency failure instead of the model guessing, and the invocation
//! itself succeeds. Only an event that is not an agent action at all is
//! answered `InvalidEvent`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode::{self, Encoder};
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Fixed, Trigger, WithOutput};

crate::trigger::source!("bedrock_agent");

/// The body answered for a panic: its message may say anything, so it is
/// kept in the logs.
const PANIC_BODY: &str = "the action failed unexpectedly";

/// An agent's call of an action, as Bedrock sends it.
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(try_from = "Call")]
pub struct Event {
    call: Call,
    target: Target,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Call {
    message_version: String,
    #[serde(default)]
    agent: AgentInfo,
    #[serde(default)]
    input_text: String,
    #[serde(default)]
    session_id: String,
    action_group: String,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    api_path: Option<String>,
    #[serde(default)]
    http_method: Option<String>,
    #[serde(default)]
    parameters: Vec<Parameter>,
    #[serde(default)]
    request_body: Option<RequestBody>,
    #[serde(default)]
    session_attributes: HashMap<String, String>,
    #[serde(default)]
    prompt_session_attributes: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RequestBody {
    content: HashMap<String, Content>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(default)]
    properties: Vec<Parameter>,
}

impl TryFrom<Call> for Event {
    type Error = String;

    fn try_from(call: Call) -> Result<Self, String> {
        let target = match (&call.function, &call.api_path, &call.http_method) {
            (Some(function), _, _) => Target::Function(function.clone()),
            (None, Some(path), Some(method)) => Target::Api {
                path: path.clone(),
                method: method.clone(),
            },
            _ => {
                return Err(
                    "not a Bedrock agent action: it names neither a `function` nor an `apiPath` and `httpMethod`"
                        .to_owned(),
                );
            }
        };
        Ok(Event { call, target })
    }
}

/// The agent that called.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentInfo {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its id.
    #[serde(default)]
    pub id: String,
    /// The alias it was invoked through.
    #[serde(default)]
    pub alias: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
}

/// One parameter (or request body property) as the agent filled it in:
/// always text, with the type the schema gives it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// `string`, `number`, `integer`, `boolean` or `array`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Its value, as text.
    #[serde(default)]
    pub value: String,
}

/// What the agent calls.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A function of the action group's function details.
    Function(String),
    /// An operation of the action group's OpenAPI schema.
    Api {
        /// The path, as the schema writes it (`/orders/{orderId}`).
        path: String,
        /// The HTTP method.
        method: String,
    },
}

/// An action the agent invokes: the handler's payload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentAction {
    /// The action group.
    pub action_group: String,
    /// The function or API operation called.
    pub target: Target,
    /// The parameters, in the order the agent gave them.
    pub parameters: Vec<Parameter>,
    /// For an API operation with a request body: its content type and
    /// properties.
    pub request_body: Option<(String, Vec<Parameter>)>,
    /// What the user said.
    pub input_text: String,
    /// The agent's session.
    pub session_id: String,
    /// The agent.
    pub agent: AgentInfo,
    /// The session's attributes.
    pub session_attributes: HashMap<String, String>,
    /// The prompt session attributes (for this turn).
    pub prompt_session_attributes: HashMap<String, String>,
}

impl AgentAction {
    /// A call of `function` of `action_group` with nothing else set, for
    /// calling a handler directly in a test. Set the public fields the
    /// handler reads, or add parameters with [`AgentAction::with_parameter`].
    pub fn function(action_group: impl Into<String>, function: impl Into<String>) -> Self {
        Self {
            action_group: action_group.into(),
            target: Target::Function(function.into()),
            parameters: Vec::new(),
            request_body: None,
            input_text: String::new(),
            session_id: String::new(),
            agent: AgentInfo::default(),
            session_attributes: HashMap::new(),
            prompt_session_attributes: HashMap::new(),
        }
    }

    /// This action with a `string` parameter added.
    #[must_use]
    pub fn with_parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.push(Parameter {
            name: name.into(),
            kind: "string".to_owned(),
            value: value.into(),
        });
        self
    }

    /// The function called, for a function-details action group.
    pub fn function_name(&self) -> Option<&str> {
        match &self.target {
            Target::Function(name) => Some(name),
            Target::Api { .. } => None,
        }
    }

    /// The value of the parameter `name`, or of the request body property
    /// `name` when no parameter has it.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        let body = self
            .request_body
            .iter()
            .flat_map(|(_, properties)| properties);
        self.parameters
            .iter()
            .chain(body)
            .find(|parameter| parameter.name == name)
            .map(|parameter| parameter.value.as_str())
    }

    /// The parameter `name` parsed as `T`.
    ///
    /// # Errors
    ///
    /// A `MissingParameter` error when no parameter is named so, an
    /// `InvalidParameter` one when its value does not parse: answered as a
    /// `FAILURE` that says which.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<T, crate::Error>
    where
        T::Err: std::fmt::Display,
    {
        let value = self.parameter(name).ok_or_else(|| {
            crate::Error::msg(format!("the parameter `{name}` is missing"))
                .with_error_type("MissingParameter")
        })?;
        value.parse().map_err(|err| {
            crate::Error::msg(format!("the parameter `{name}` is not valid: {err}"))
                .with_error_type("InvalidParameter")
        })
    }
}

/// A response state that is not a plain success.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ResponseState {
    /// The action failed: the agent's turn fails.
    Failure,
    /// The body goes back to the model, which asks the user again.
    Reprompt,
}

/// What a Bedrock agent handler may answer instead of the body itself: the
/// body with a response state, session attributes or, for an API
/// operation, an HTTP status.
///
/// ```
/// use lambda_fn::bedrock_agent::ActionResult;
/// let result = ActionResult::new("order 17 has shipped").with_session_attribute("last_order", "17");
/// let ask_again = ActionResult::reprompt("which order do you mean?");
/// # let _ = (result, ask_again);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct ActionResult<R> {
    body: R,
    state: Option<ResponseState>,
    http_status: Option<u16>,
    session_attributes: HashMap<String, String>,
    prompt_session_attributes: HashMap<String, String>,
}

impl<R> ActionResult<R> {
    /// A successful result with this body.
    pub fn new(body: R) -> Self {
        Self {
            body,
            state: None,
            http_status: None,
            session_attributes: HashMap::new(),
            prompt_session_attributes: HashMap::new(),
        }
    }

    /// A result the model should re-prompt the user with (`REPROMPT`).
    pub fn reprompt(body: R) -> Self {
        Self::new(body).with_state(ResponseState::Reprompt)
    }

    /// A failed action (`FAILURE`) whose body says why.
    pub fn failure(body: R) -> Self {
        Self::new(body).with_state(ResponseState::Failure)
    }

    /// Sets the response state.
    pub fn with_state(mut self, state: ResponseState) -> Self {
        self.state = Some(state);
        self
    }

    /// For an API operation: the HTTP status (200 by default, 500 for a
    /// failure).
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets a session attribute, which lasts the session.
    pub fn with_session_attribute(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.session_attributes.insert(key.into(), value.into());
        self
    }

    /// Sets a prompt session attribute, for this turn.
    pub fn with_prompt_session_attribute(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.prompt_session_attributes
            .insert(key.into(), value.into());
        self
    }

    /// The body.
    pub fn body(&self) -> &R {
        &self.body
    }

    /// The response state, if not a plain success.
    pub fn state(&self) -> Option<ResponseState> {
        self.state
    }
}

/// What the answer keeps of a result (hidden: users return the body or an
/// [`ActionResult`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct Answered {
    body: String,
    state: Option<ResponseState>,
    http_status: Option<u16>,
    session_attributes: HashMap<String, String>,
    prompt_session_attributes: HashMap<String, String>,
}

fn text(encoded: Vec<u8>) -> Result<String, Failure> {
    String::from_utf8(encoded).map_err(|err| {
        Failure::InvalidResponse(format!("the action's result body is not UTF-8: {err}"))
    })
}

impl WithOutput for Source {
    type Wrapper<R> = ActionResult<R>;

    fn output(encoded: Vec<u8>) -> Result<Answered, Failure> {
        Ok(Answered {
            body: text(encoded)?,
            state: None,
            http_status: None,
            session_attributes: HashMap::new(),
            prompt_session_attributes: HashMap::new(),
        })
    }

    fn unwrap<R>(answer: ActionResult<R>, encode: Encoder<R>) -> Result<Answered, Failure> {
        Ok(Answered {
            body: text(encode(answer.body)?)?,
            state: answer.state,
            http_status: answer.http_status,
            session_attributes: answer.session_attributes,
            prompt_session_attributes: answer.prompt_session_attributes,
        })
    }
}

impl Trigger for Source {
    type Event = Event;
    type Record = Event;
    type Output = Answered;

    fn id(event: &Event) -> Option<String> {
        Some(match &event.target {
            Target::Function(function) => format!("{}.{function}", event.call.action_group),
            Target::Api { path, method } => {
                format!("{} {method} {path}", event.call.action_group)
            }
        })
    }

    /// An invocation carries one action: it is the only record.
    fn records(event: &Event) -> &[Event] {
        std::slice::from_ref(event)
    }

    fn order(_: &Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(event: &Event, outcome: BatchOutcome<Answered>, _: &Deadline) -> Outcome {
        let answered = match outcome.into_results().next() {
            Some(Ok(answered)) => answered,
            Some(Err(failure)) => Answered {
                body: match &failure {
                    Failure::Panic(_) => PANIC_BODY.to_owned(),
                    other => other.message(),
                },
                state: Some(ResponseState::Failure),
                http_status: Some(500),
                session_attributes: HashMap::new(),
                prompt_session_attributes: HashMap::new(),
            },
            None => {
                return Err(Failure::InvalidResponse(
                    "the action has no outcome".to_owned(),
                ));
            }
        };
        decode::encode(&respond(event, answered)).map(Into::into)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    message_version: &'a str,
    response: serde_json::Value,
    session_attributes: HashMap<String, String>,
    prompt_session_attributes: HashMap<String, String>,
}

/// The response document for `event`, echoing what it must.
fn respond(event: &Event, answered: Answered) -> Response<'_> {
    let call = &event.call;
    let mut response = match &event.target {
        Target::Function(function) => serde_json::json!({
            "actionGroup": call.action_group,
            "function": function,
            "functionResponse": {
                "responseBody": {"TEXT": {"body": answered.body}}
            }
        }),
        Target::Api { path, method } => serde_json::json!({
            "actionGroup": call.action_group,
            "apiPath": path,
            "httpMethod": method,
            "httpStatusCode": answered.http_status.unwrap_or(
                if answered.state == Some(ResponseState::Failure) { 500 } else { 200 }
            ),
            "responseBody": {"application/json": {"body": answered.body}}
        }),
    };
    if let Some(state) = answered.state {
        let state = serde_json::to_value(state).unwrap_or_default();
        match &event.target {
            Target::Function(_) => response["functionResponse"]["responseState"] = state,
            Target::Api { .. } => response["responseState"] = state,
        }
    }
    let merged = |given: &HashMap<String, String>, set: HashMap<String, String>| {
        let mut merged = given.clone();
        merged.extend(set);
        merged
    };
    Response {
        message_version: &call.message_version,
        response,
        session_attributes: merged(&call.session_attributes, answered.session_attributes),
        prompt_session_attributes: merged(
            &call.prompt_session_attributes,
            answered.prompt_session_attributes,
        ),
    }
}

impl Fixed for Source {
    type Payload = AgentAction;

    fn payload(event: &Event) -> Result<AgentAction, Failure> {
        let call = &event.call;
        let request_body = call.request_body.as_ref().and_then(|body| {
            // One content type, in practice `application/json`.
            let mut content: Vec<_> = body.content.iter().collect();
            content.sort_by(|a, b| a.0.cmp(b.0));
            content
                .into_iter()
                .next()
                .map(|(kind, content)| (kind.clone(), content.properties.clone()))
        });
        Ok(AgentAction {
            action_group: call.action_group.clone(),
            target: event.target.clone(),
            parameters: call.parameters.clone(),
            request_body,
            input_text: call.input_text.clone(),
            session_id: call.session_id.clone(),
            agent: call.agent.clone(),
            session_attributes: call.session_attributes.clone(),
            prompt_session_attributes: call.prompt_session_attributes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::{from_text, to_json};
    use crate::invocation::{Invocation, call_without_deadline};
    use crate::test_support::{Answer, Tested};
    use crate::trigger::Batch;
    use serde_json::{Value, json};
    use std::time::Duration;

    const FIXTURE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-bedrock-agent-runtime-event.json"
    ));

    /// A function-details call of `get_order_status` with an `orderId`.
    fn function_call(order_id: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "messageVersion": "1.0",
            "agent": {"name": "support", "id": "AG1", "alias": "live", "version": "3"},
            "inputText": "where is my order?",
            "sessionId": "s-1",
            "actionGroup": "orders",
            "function": "get_order_status",
            "parameters": [{"name": "orderId", "type": "string", "value": order_id}],
            "sessionAttributes": {"customer": "ada"},
            "promptSessionAttributes": {}
        }))
        .unwrap()
    }

    /// Serves `event`: order "17" has shipped, "0" panics, "slow" sleeps,
    /// "ask" re-prompts, and anything else is unknown.
    async fn serve(event: &[u8], deadline: Option<Duration>) -> Answer {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |action: AgentAction, _: &Invocation<'_, ()>| {
                let order = action.parameter("orderId").unwrap_or_default().to_owned();
                match order.as_str() {
                    "17" => Ok(ActionResult::new("order 17 has shipped".to_owned())
                        .with_session_attribute("last_order", "17")),
                    "ask" => Ok(ActionResult::reprompt("which order?".to_owned())),
                    "0" => panic!("order 0 is reserved"),
                    "slow" => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        unreachable!()
                    }
                    other => Err(crate::Error::msg(format!("there is no order {other}"))
                        .with_error_type("UnknownOrder")),
                }
            },
            <Source as Fixed>::payload,
            |answer| Source::unwrap(answer, from_text),
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        crate::test_support::call_within(&adapter, event, deadline).await
    }

    fn json_of(answer: Answer) -> Value {
        serde_json::from_slice(&answer.unwrap()).unwrap()
    }

    #[test]
    fn the_fixture_is_an_api_action() {
        let event: Event = serde_json::from_slice(FIXTURE).unwrap();
        let action = Source::fixed(&event).unwrap();
        assert_eq!(
            action.target,
            Target::Api {
                path: "/api/path".to_owned(),
                method: "POST".to_owned()
            }
        );
        assert_eq!(action.parameter("param1"), Some("value1"));
        assert_eq!(
            action.parameter("prop1"),
            Some("value1"),
            "from the request body"
        );
        assert_eq!(action.request_body.as_ref().unwrap().0, "application/json");
        assert_eq!(action.agent.alias, "AgentAlias");
        assert_eq!(action.session_attributes["attr1"], "value1");
        assert_eq!(
            Source::id(&event).as_deref(),
            Some("ActionGroup POST /api/path")
        );
    }

    #[tokio::test]
    async fn a_function_result_echoes_what_the_agent_sent() {
        assert_eq!(
            json_of(serve(&function_call("17"), None).await),
            json!({
                "messageVersion": "1.0",
                "response": {
                    "actionGroup": "orders",
                    "function": "get_order_status",
                    "functionResponse": {"responseBody": {"TEXT": {"body": "order 17 has shipped"}}}
                },
                "sessionAttributes": {"customer": "ada", "last_order": "17"},
                "promptSessionAttributes": {}
            })
        );
        let reprompt = json_of(serve(&function_call("ask"), None).await);
        assert_eq!(
            reprompt["response"]["functionResponse"]["responseState"],
            "REPROMPT"
        );
    }

    #[tokio::test]
    async fn errors_panics_and_the_guard_are_failure_states() {
        let unknown = json_of(serve(&function_call("42"), None).await);
        assert_eq!(
            unknown["response"]["functionResponse"],
            json!({"responseState": "FAILURE", "responseBody": {"TEXT": {"body": "there is no order 42"}}})
        );
        assert_eq!(unknown["sessionAttributes"], json!({"customer": "ada"}));
        let panicked = json_of(serve(&function_call("0"), None).await);
        assert_eq!(
            panicked["response"]["functionResponse"]["responseBody"]["TEXT"]["body"],
            PANIC_BODY
        );
        let late = json_of(serve(&function_call("slow"), Some(Duration::from_millis(300))).await);
        assert_eq!(
            late["response"]["functionResponse"]["responseState"],
            "FAILURE"
        );
        crate::test_support::assert_starts_with(
            late["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
                .as_str()
                .unwrap(),
            "the handler did not finish within its budget",
        );
    }

    #[tokio::test]
    async fn an_api_action_answers_its_path_method_and_status() {
        let mut event: Value = serde_json::from_slice(FIXTURE).unwrap();
        event["parameters"][0] = json!({"name": "orderId", "type": "string", "value": "17"});
        let ok = json_of(serve(&serde_json::to_vec(&event).unwrap(), None).await);
        assert_eq!(
            ok["response"],
            json!({
                "actionGroup": "ActionGroup",
                "apiPath": "/api/path",
                "httpMethod": "POST",
                "httpStatusCode": 200,
                "responseBody": {"application/json": {"body": "order 17 has shipped"}}
            })
        );
        event["parameters"][0]["value"] = "9".into();
        let failed = json_of(serve(&serde_json::to_vec(&event).unwrap(), None).await);
        assert_eq!(failed["response"]["httpStatusCode"], 500);
        assert_eq!(failed["response"]["responseState"], "FAILURE");
    }

    #[tokio::test]
    async fn a_json_body_and_an_event_that_is_no_action() {
        let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
            async |action: AgentAction, _: &Invocation<'_, ()>| {
                Ok(json!({"status": "shipped", "group": action.action_group}))
            },
            <Source as Fixed>::payload,
            |answer| Source::output(to_json(answer)?),
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        let answer = json_of(call_without_deadline(&adapter, &function_call("1")).await);
        assert_eq!(
            answer["response"]["functionResponse"]["responseBody"]["TEXT"]["body"],
            r#"{"group":"orders","status":"shipped"}"#
        );
        let err = call_without_deadline(
            &adapter,
            br#"{"messageVersion": "1.0", "actionGroup": "g"}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_contains(
            &err.error_message,
            "names neither a `function` nor an `apiPath`",
        );
    }
}
