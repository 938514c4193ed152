//! `#[lambda(custom_resource)]`: AWS CloudFormation custom resources backed
//! by a Lambda function (`Custom::<Name>` or
//! `AWS::CloudFormation::CustomResource` with a `ServiceToken`).
//!
//! The handler takes a [`CustomResourceRequest`]: `Create`, `Update` or
//! `Delete`, the resource's properties (and, for an update, the old ones),
//! its logical id and, once it exists, its physical id
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html>).
//! It returns a [`Resource`]: the physical resource id and the data
//! attributes `Fn::GetAtt` reads, optionally hidden with `NoEcho`.
//!
//! CloudFormation does not read the function's answer: it waits for a
//! response document PUT to the presigned S3 URL in the request's
//! `ResponseURL`
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html>).
//! lambda-fn sends it itself, **whatever happens** to the handler:
//! `SUCCESS` with the handler's resource, or `FAILED` with a reason when
//! the handler returns an error, panics or is stopped by the deadline guard
//! (also when the environment shuts down), and when the request does not
//! decode but has a usable `ResponseURL`, so that a stack never waits an
//! hour for an answer that will not come. Then the invocation is answered:
//! with a summary (`Status`, `PhysicalResourceId`, `Reason`) once the
//! document is delivered, or with the error `ResponseNotDelivered` when it
//! could not be, so that Lambda's retries of the asynchronous invocation try
//! again (and the event reaches the function's on-failure destination after
//! them): make the handler idempotent. An event with no usable
//! `ResponseURL` (none, not a URL, plain HTTP off loopback) is never given
//! to the handler: it fails `InvalidEvent`, as there is nobody to tell.
//!
//! The PUT:
//! - goes over HTTPS with rustls (the ring provider; the webpki roots plus
//!   the PEM certificates of `SSL_CERT_FILE`, when it is set), never
//!   OpenSSL. A `ResponseURL` on a loopback address (`127.0.0.0/8`, `::1`,
//!   `localhost`) may be plain HTTP, for local testing; any other must be
//!   HTTPS.
//! - has an empty `Content-Type`, which the URL is signed for.
//! - is tried up to 5 times, after a connection failure, a timeout, a TLS
//!   alert, or a 5xx, 429, 408 or S3 `RequestTimeout` answer, with a backoff
//!   from 200 ms doubling, within the invocation's deadline guard and at
//!   most 30 s. Any other 4xx answer (an expired URL) or a certificate the
//!   roots do not vouch for is not retried. Each address of the host gets
//!   its share of an attempt, and a retry starts at the next address.
//! - is logged with the URL's host and path only: the query is the
//!   signature, a credential.
//!
//! Time for it is kept from the handler: the guard fires 2 s before it
//! would for other triggers (half the budget when that is under 4 s; when
//! the environment shuts down, half the shutdown grace), and the `FAILED`
//! reason says so.
//!
//! A failed `Create` has no physical id: it is reported as
//! [`FAILED_CREATE`] followed by the request id, which names nothing real,
//! and CloudFormation's rollback `Delete` for it is answered `SUCCESS`
//! without calling the handler. A changed physical id on `Update` is a
//! replacement: CloudFormation then deletes the old one, so a `Delete` of
//! something that no longer exists must succeed. A response over
//! CloudFormation's 4096-byte limit is sent as `FAILED`, saying so. A
//! property that does not decode ([`InvalidProperties`]) is reported
//! without its value, which may be a secret.

mod client;

use std::fmt;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode;
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Answers, Fixed, Trigger};

use client::Target;

crate::trigger::source!("custom_resource");

/// The time kept from the handler's budget to send the response.
const RESERVE: Duration = Duration::from_secs(2);

/// How long the response may take to send when the deadline is unknown.
const UNBOUNDED_DELIVERY: Duration = Duration::from_secs(30);

/// CloudFormation's limit on the response document.
const MAX_RESPONSE: usize = 4096;

/// CloudFormation's limit on a physical resource id.
const MAX_PHYSICAL_ID: usize = 1024;

/// The longest `Reason` sent, as JSON: leaves room for the rest of the
/// document.
const MAX_REASON: usize = 1536;

/// What a failed `Create` is reported as instead of a physical id (it has
/// none), followed by the request id: never a real resource's id, so that
/// the rollback's `Delete` for it is answered without calling the handler.
pub const FAILED_CREATE: &str = "lambda-fn:create-failed:";

/// A custom resource request: any JSON, so that one that does not decode
/// is still answered `FAILED` when its `ResponseURL` can be read.
#[doc(hidden)]
#[derive(Debug, Deserialize)]
#[serde(from = "Value")]
pub struct Event {
    reply: Result<Reply, String>,
    request: Result<CustomResourceRequest, String>,
    /// A `Delete` of a resource whose `Create` failed ([`FAILED_CREATE`]).
    nothing_to_delete: bool,
}

/// What the response must echo, and where it goes: read field by field,
/// so that it is there even when the request as a whole does not decode.
#[derive(Debug)]
struct Reply {
    target: Target,
    request_type: Option<String>,
    stack_id: String,
    request_id: String,
    logical_resource_id: String,
    physical_resource_id: Option<String>,
}

impl From<Value> for Event {
    fn from(value: Value) -> Self {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let reply = match text("ResponseURL") {
            None => Err("the request has no ResponseURL".to_owned()),
            Some(url) => Target::parse(&url).map(|target| Reply {
                target,
                request_type: text("RequestType"),
                stack_id: text("StackId").unwrap_or_default(),
                request_id: text("RequestId").unwrap_or_default(),
                logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
                physical_resource_id: text("PhysicalResourceId").filter(|id| !id.is_empty()),
            }),
        };
        let request = request_of(&value);
        // A Delete of what a failed Create reported: nothing to delete.
        let nothing_to_delete = matches!(&request, Ok(request)
            if request.request_type == RequestType::Delete
                && request.physical_resource_id.as_deref().is_some_and(|id| id.starts_with(FAILED_CREATE)));
        Event {
            reply,
            request,
            nothing_to_delete,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Raw {
    request_type: RequestType,
    request_id: String,
    stack_id: String,
    logical_resource_id: String,
    resource_type: String,
    #[serde(default)]
    physical_resource_id: Option<String>,
    #[serde(default)]
    service_token: Option<String>,
    #[serde(default)]
    resource_properties: Option<Map<String, Value>>,
    #[serde(default)]
    old_resource_properties: Option<Map<String, Value>>,
}

fn request_of(value: &Value) -> Result<CustomResourceRequest, String> {
    // serde would read a struct from an array too, field by field.
    if !value.is_object() {
        return Err(
            "not a CloudFormation custom resource request: it is not a JSON object".to_owned(),
        );
    }
    let raw: Raw = decode::from_value(value).map_err(|failure| failure.message())?;
    let physical_resource_id = raw.physical_resource_id.filter(|id| !id.is_empty());
    if raw.request_type != RequestType::Create && physical_resource_id.is_none() {
        let article = if raw.request_type == RequestType::Update {
            "an"
        } else {
            "a"
        };
        return Err(format!(
            "{article} {:?} request without a PhysicalResourceId",
            raw.request_type
        ));
    }
    Ok(CustomResourceRequest {
        request_type: raw.request_type,
        request_id: raw.request_id,
        stack_id: raw.stack_id,
        logical_resource_id: raw.logical_resource_id,
        physical_resource_id,
        resource_type: raw.resource_type,
        service_token: raw.service_token,
        resource_properties: Value::Object(raw.resource_properties.unwrap_or_default()),
        old_resource_properties: raw.old_resource_properties.map(Value::Object),
    })
}

/// What CloudFormation asks of the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum RequestType {
    /// The resource is new in the stack (or is replacing another).
    Create,
    /// Its properties changed.
    Update,
    /// It is leaving the stack (or was replaced, or a `Create` failed and
    /// the stack rolls back).
    Delete,
}

/// A custom resource request: the handler's payload.
///
/// CloudFormation passes every property value as a string (a template's
/// `5` or `true` arrive as `"5"` and `"true"`), and adds `ServiceToken`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CustomResourceRequest {
    /// `Create`, `Update` or `Delete`.
    pub request_type: RequestType,
    /// The request's id (echoed in the response).
    pub request_id: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// The resource's name in the template.
    pub logical_resource_id: String,
    /// The id the function answered for the resource: `None` for a
    /// `Create`, always there for an `Update` or a `Delete`.
    pub physical_resource_id: Option<String>,
    /// The resource's type in the template: `Custom::<Name>`.
    pub resource_type: String,
    /// The ARN of the function (or topic) the template named.
    pub service_token: Option<String>,
    /// The resource's properties (a JSON object; `{}` when none).
    pub resource_properties: Value,
    /// An `Update`'s properties before the change.
    pub old_resource_properties: Option<Value>,
}

impl CustomResourceRequest {
    /// A request of this type for the resource `logical_resource_id` with
    /// these properties, for calling a handler directly in a test. An
    /// `Update` or `Delete` gets the physical id `<logical id>-1`.
    pub fn new(
        request_type: RequestType,
        logical_resource_id: impl Into<String>,
        resource_properties: Value,
    ) -> Self {
        let logical_resource_id = logical_resource_id.into();
        Self {
            request_type,
            request_id: "00000000-0000-0000-0000-000000000000".to_owned(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/test/00000000-0000-0000-0000-000000000000".to_owned(),
            physical_resource_id: (request_type != RequestType::Create)
                .then(|| format!("{logical_resource_id}-1")),
            logical_resource_id,
            resource_type: "Custom::Test".to_owned(),
            service_token: None,
            old_resource_properties: (request_type == RequestType::Update)
                .then(|| resource_properties.clone()),
            resource_properties,
        }
    }

    /// The properties, decoded as `T` (`ServiceToken` among them, which a
    /// struct that does not name it ignores).
    ///
    /// # Errors
    ///
    /// [`InvalidProperties`], saying which property did not decode.
    pub fn properties<T: DeserializeOwned>(&self) -> Result<T, InvalidProperties> {
        properties(&self.resource_properties, "ResourceProperties")
    }

    /// An `Update`'s old properties, decoded as `T`; `None` for the other
    /// requests.
    ///
    /// # Errors
    ///
    /// [`InvalidProperties`], saying which property did not decode.
    pub fn old_properties<T: DeserializeOwned>(&self) -> Result<Option<T>, InvalidProperties> {
        self.old_resource_properties
            .as_ref()
            .map(|old| properties(old, "OldResourceProperties"))
            .transpose()
    }
}

fn properties<T: DeserializeOwned>(value: &Value, field: &str) -> Result<T, InvalidProperties> {
    decode::from_value(value)
        .map_err(|failure| InvalidProperties(unquoted(&failure.in_field(field).message())))
}

/// A decode message without the value it quotes (serde's ``invalid type:
/// string "hunter2", expected u32``, ``unknown variant `x` ``): a property
/// may be a secret (a `NoEcho` parameter), and the message becomes the
/// `FAILED` reason CloudFormation shows in the stack's events.
fn unquoted(message: &str) -> String {
    const QUOTING: [&str; 3] = ["invalid type: ", "invalid value: ", "unknown variant "];
    let Some((at, prefix)) = QUOTING
        .iter()
        .filter_map(|prefix| message.find(prefix).map(|at| (at, prefix)))
        .min()
    else {
        return message.to_owned();
    };
    let rest_at = at + prefix.len();
    let rest = &message[rest_at..];
    // The value starts at the first quote: `"` (a string, escaped as Rust
    // writes it) or a backtick (numbers, characters, variants).
    let Some(open) = rest.find(['"', '`']) else {
        return message.to_owned();
    };
    if rest[..open].contains(',') {
        // The quote is in what was expected (`invalid type: map, expected
        // `Fast``): no value is quoted.
        return message.to_owned();
    }
    let quote = rest.as_bytes()[open];
    let mut close = None;
    let mut escaped = false;
    for (index, byte) in rest.bytes().enumerate().skip(open + 1) {
        match byte {
            b'\\' if quote == b'"' && !escaped => escaped = true,
            _ if byte == quote && !escaped => {
                close = Some(index);
                break;
            }
            _ => escaped = false,
        }
    }
    let Some(close) = close else {
        return message.to_owned();
    };
    // `invalid type: string`, `unknown variant`: what it was, not which.
    let what = format!("{prefix}{}", &rest[..open]);
    format!(
        "{}{}{}",
        &message[..at],
        what.trim_end(),
        &rest[close + 1..]
    )
}

/// The properties of a request did not decode as the handler's type: the
/// message says where (``ResourceProperties: missing field `Name` ``,
/// `ResourceProperties.Size: invalid type: ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidProperties(String);

impl fmt::Display for InvalidProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidProperties {}

/// What a handler answers: the resource's physical id and the attributes
/// `Fn::GetAtt` reads.
///
/// ```
/// use lambda_fn::custom_resource::Resource;
/// let resource = Resource::new("queue-7f3a")
///     .with_data("Arn", "arn:aws:sqs:us-east-1:123456789012:queue-7f3a")
///     .with_data("Shards", 4);
/// assert_eq!(resource.physical_resource_id(), "queue-7f3a");
/// assert_eq!(resource.data()["Shards"], 4);
/// ```
#[derive(Clone, PartialEq)]
#[must_use]
pub struct Resource {
    physical_resource_id: String,
    data: Map<String, Value>,
    no_echo: bool,
}

impl Resource {
    /// The resource with this physical id: unique to it, the same in every
    /// response for it (a different one on `Update` replaces it), non-empty
    /// and at most 1 KB.
    pub fn new(physical_resource_id: impl Into<String>) -> Self {
        Self {
            physical_resource_id: physical_resource_id.into(),
            data: Map::new(),
            no_echo: false,
        }
    }

    /// The resource `request` names: its physical id, or on a `Create`
    /// its logical id. What a `Delete`, or an `Update` that keeps the
    /// resource, answers.
    pub fn of(request: &CustomResourceRequest) -> Self {
        Self::new(
            request
                .physical_resource_id
                .clone()
                .unwrap_or_else(|| request.logical_resource_id.clone()),
        )
    }

    /// Adds the attribute `key`, read with `Fn::GetAtt [<resource>, <key>]`.
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Masks the attributes with asterisks wherever CloudFormation shows
    /// them (`NoEcho`), for secrets.
    pub fn no_echo(mut self) -> Self {
        self.no_echo = true;
        self
    }

    /// The physical id.
    pub fn physical_resource_id(&self) -> &str {
        &self.physical_resource_id
    }

    /// The attributes.
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }
}

/// Hides the data of a `NoEcho` resource.
impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Resource");
        debug.field("physical_resource_id", &self.physical_resource_id);
        if self.no_echo {
            debug.field("data", &"<NoEcho>");
        } else {
            debug.field("data", &self.data);
        }
        debug.field("no_echo", &self.no_echo).finish()
    }
}

impl Answers for Source {
    type Answer = Resource;

    fn keep(resource: Resource) -> Result<Resource, Failure> {
        let id = &resource.physical_resource_id;
        if id.is_empty() {
            return Err(Failure::InvalidResponse(
                "the handler answered an empty physical resource id: CloudFormation needs a non-empty one".to_owned(),
            ));
        }
        if id.len() > MAX_PHYSICAL_ID {
            return Err(Failure::InvalidResponse(format!(
                "the handler answered a physical resource id of {} bytes: CloudFormation takes at most {MAX_PHYSICAL_ID}",
                id.len()
            )));
        }
        Ok(resource)
    }
}

impl Fixed for Source {
    type Payload = CustomResourceRequest;

    /// Not when no response can be sent: the handler would make a
    /// resource CloudFormation never hears of (the invocation fails
    /// `InvalidEvent`, saying why).
    fn payload(event: &Event) -> Result<CustomResourceRequest, Failure> {
        if let Err(why) = &event.reply {
            return Err(Failure::invalid_event(format!(
                "{why}, so the handler was not called"
            )));
        }
        event.request.clone().map_err(Failure::invalid_event)
    }
}

impl Trigger for Source {
    type Event = Event;
    type Record = Event;
    type Output = Resource;

    const RESERVE: Duration = RESERVE;

    /// `Create MyResource (request 82304eb2-...)`, of what the request has.
    fn id(event: &Event) -> Option<String> {
        let reply = event.reply.as_ref().ok()?;
        let mut id = [
            reply.request_type.as_deref(),
            Some(&reply.logical_resource_id),
        ]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        if !reply.request_id.is_empty() {
            if !id.is_empty() {
                id.push(' ');
            }
            id.push_str(&format!("(request {})", reply.request_id));
        }
        (!id.is_empty()).then_some(id)
    }

    /// An invocation carries one request: it is the only record, but for
    /// the `Delete` of a failed `Create`, which has nothing to run.
    fn records(event: &Event) -> &[Event] {
        if event.nothing_to_delete {
            return &[];
        }
        std::slice::from_ref(event)
    }

    fn order(_: &Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(
        event: &Event,
        outcome: BatchOutcome<Resource>,
        deadline: &Deadline,
    ) -> Outcome {
        let result = outcome
            .into_results()
            .next()
            .unwrap_or_else(|| match &event.request {
                // The rollback of a failed Create: nothing was made.
                Ok(request) if event.nothing_to_delete => Ok(Resource::of(request)),
                _ => Err(Failure::InvalidResponse(
                    "the request has no outcome".to_owned(),
                )),
            });
        let reply = match &event.reply {
            Ok(reply) => reply,
            Err(why) => {
                // Nowhere to send the response: the invocation's error is
                // all there is (the failure, if any, is logged).
                let mut message = format!("{why}, so no response can be sent to CloudFormation");
                if let Err(request) = &event.request {
                    message.push_str(&format!(" (and the request did not decode: {request})"));
                }
                // `InvalidEvent`, logged in full unless it quotes the request
                // (why the URL was refused names its host only).
                return Err(Failure::Records {
                    error_type: crate::error::INVALID_EVENT.to_owned(),
                    message,
                    quotes_payload: event.request.is_err(),
                });
            }
        };
        let (document, body) = Document::of(reply, result).encoded()?;
        let now = Instant::now();
        let until = deadline
            .expires_at()
            .unwrap_or(now + UNBOUNDED_DELIVERY)
            .min(now + UNBOUNDED_DELIVERY);
        match client::put(&reply.target, body.into(), until).await {
            Ok(sent) => {
                tracing::info!(
                    target: "lambda_fn",
                    url = %reply.target.describe(),
                    status = document.status,
                    reason = document.reason.as_deref(),
                    http_status = sent.status,
                    attempts = sent.attempts,
                    "custom resource response sent"
                );
                decode::encode(&document.summary()).map(Into::into)
            }
            Err(not_sent) => Err(Failure::NotDelivered(format!(
                "the {} response for {} could not be sent to {} after {} attempt{}: {}",
                document.status,
                reply.logical_resource_id,
                reply.target.describe(),
                not_sent.attempts,
                if not_sent.attempts == 1 { "" } else { "s" },
                not_sent.reason
            ))),
        }
    }
}

/// The response document
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html>).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    physical_resource_id: String,
    stack_id: String,
    request_id: String,
    logical_resource_id: String,
    no_echo: bool,
    data: Map<String, Value>,
}

/// What the invocation answers once the document is delivered (never the
/// data, which may be `NoEcho`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Summary<'a> {
    status: &'static str,
    physical_resource_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl Document {
    fn of(reply: &Reply, result: Result<Resource, Failure>) -> Self {
        let mut document = Self {
            status: "SUCCESS",
            reason: None,
            physical_resource_id: String::new(),
            stack_id: reply.stack_id.clone(),
            request_id: reply.request_id.clone(),
            logical_resource_id: reply.logical_resource_id.clone(),
            no_echo: false,
            data: Map::new(),
        };
        match result {
            Ok(resource) => {
                document.physical_resource_id = resource.physical_resource_id;
                document.no_echo = resource.no_echo;
                document.data = resource.data;
            }
            Err(failure) => document.fail(reply, &failure),
        }
        document
    }

    /// Makes this a `FAILED` response for `failure`.
    fn fail(&mut self, reply: &Reply, failure: &Failure) {
        self.status = "FAILED";
        self.reason = Some(reason(failure));
        self.physical_resource_id = failed_id(reply);
        self.no_echo = false;
        self.data = Map::new();
    }

    /// The document and its JSON: a document over CloudFormation's limit
    /// is replaced by a `FAILED` one saying so.
    fn encoded(self) -> Result<(Self, Vec<u8>), Failure> {
        let body = decode::encode(&self)?;
        if body.len() <= MAX_RESPONSE {
            return Ok((self, body));
        }
        let too_large = Self {
            status: "FAILED",
            reason: Some(format!(
                "InvalidResponse: the response document is {} bytes, over CloudFormation's limit of {MAX_RESPONSE}: return less data",
                body.len()
            )),
            // A resource that was made keeps its id: it is the one the
            // rollback deletes.
            no_echo: false,
            data: Map::new(),
            ..self
        };
        let body = decode::encode(&too_large)?;
        Ok((too_large, body))
    }

    fn summary(&self) -> Summary<'_> {
        Summary {
            status: self.status,
            physical_resource_id: &self.physical_resource_id,
            reason: self.reason.as_deref(),
        }
    }
}

/// The physical id of a failed request: the request's, or on a `Create`
/// (which has none) [`FAILED_CREATE`] and the request id, which the
/// rollback's `Delete` then names, and which names nothing real.
fn failed_id(reply: &Reply) -> String {
    reply
        .physical_resource_id
        .clone()
        .unwrap_or_else(|| format!("{FAILED_CREATE}{}", reply.request_id))
}

/// `<errorType>: <message>`, cut to [`MAX_REASON`] bytes as JSON writes
/// it (escapes and all), and where the logs are.
fn reason(failure: &Failure) -> String {
    let mut reason = format!("{}: {}", failure.error_type(), failure.message());
    let json_len = |text: &str| serde_json::to_string(text).map_or(usize::MAX, |json| json.len());
    if json_len(&reason) > MAX_REASON {
        // Cut at a character, then drop characters until it fits.
        let mut cut = reason.len().min(MAX_REASON);
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
        while json_len(&reason) + '…'.len_utf8() > MAX_REASON {
            reason.pop();
        }
        reason.push('…');
    }
    if let Ok(stream) = std::env::var("AWS_LAMBDA_LOG_STREAM_NAME") {
        reason.push_str(&format!(" (see CloudWatch log stream {stream})"));
    }
    reason
}

#[cfg(test)]
mod tests;
