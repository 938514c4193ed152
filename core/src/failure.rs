//! Why an invocation, or one record of it, did not succeed: one structured
//! type for every layer, turned into the `errorType`/`errorMessage` Lambda
//! reports in one place ([`Failure::into_diagnostic`]).
//!
//! Keeping the parts apart until the answer is written means nothing is
//! parsed back out of a message: a decode failure keeps its JSON path (so a
//! trigger can move it under the envelope's field), and the loop can tell
//! which failures quote the payload (logged at debug level only).

use crate::error::{self, Diagnostic, diagnostic};

/// A failure, before it is reported. (Public only because the code
/// `#[lambda]` generates passes it along; it cannot be named outside
/// lambda-fn.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The event, or a record's body, did not decode. `message` is serde's,
    /// without its position; it may quote a piece of the payload.
    InvalidEvent {
        /// Where, from the root of what was decoded: `items[2].price`.
        path: Option<String>,
        message: String,
    },
    /// The handler returned an error, already reported by its
    /// `IntoDiagnostic` implementation.
    Handler(Diagnostic),
    /// The handler (or a decoder of a dependency) panicked.
    Panic(String),
    /// The deadline guard fired: the message says what the budget was.
    Timeout(String),
    /// The response could not be encoded, or is too large.
    InvalidResponse(String),
    /// The answer had to be sent somewhere before the invocation is
    /// answered (a custom resource's response to CloudFormation), and could
    /// not be: the message says where to and why.
    NotDelivered(String),
    /// A record of an ordered batch that was not run because the record at
    /// index `first` failed before it.
    NotProcessed { first: usize },
    /// The failures of several records, as the failure of a whole invocation
    /// (triggers without a batch protocol).
    Records {
        error_type: String,
        message: String,
        /// Whether one of the records' messages quotes its payload.
        quotes_payload: bool,
    },
}

/// The `errorType` of a record of an ordered batch that was not processed
/// because an earlier record failed.
pub(crate) const NOT_PROCESSED: &str = "NotProcessed";

/// The `errorType` of an answer that could not be delivered where it had
/// to go first.
pub(crate) const NOT_DELIVERED: &str = "ResponseNotDelivered";

impl Failure {
    /// A decode failure without a path.
    pub(crate) fn invalid_event(message: impl Into<String>) -> Self {
        Failure::InvalidEvent {
            path: None,
            message: message.into(),
        }
    }

    /// The failure of a value decoded from the field `field` of an envelope:
    /// its path then starts there (`detail.total`, `detail[0]`, `detail`).
    #[cfg_attr(not(feature = "eventbridge"), allow(dead_code))]
    pub(crate) fn in_field(self, field: &str) -> Self {
        match self {
            Failure::InvalidEvent { path, message } => Failure::InvalidEvent {
                path: Some(match path {
                    Some(path) if path.starts_with('[') => format!("{field}{path}"),
                    Some(path) => format!("{field}.{path}"),
                    None => field.to_owned(),
                }),
                message,
            },
            other => other,
        }
    }

    /// The failure of a part of a record named `part` that is not JSON of
    /// the record (a DynamoDB image): its message starts with the part's
    /// name, `NewImage: amount: invalid type: ...`.
    #[cfg_attr(not(feature = "dynamodb"), allow(dead_code))]
    pub(crate) fn in_part(self, part: &str) -> Self {
        match self {
            Failure::InvalidEvent { path, message } => Failure::InvalidEvent {
                path: Some(match path {
                    Some(path) => format!("{part}: {path}"),
                    None => part.to_owned(),
                }),
                message,
            },
            other => other,
        }
    }

    /// The `errorType` this failure is reported under.
    pub(crate) fn error_type(&self) -> &str {
        match self {
            Failure::InvalidEvent { .. } => error::INVALID_EVENT,
            Failure::Handler(diagnostic) => &diagnostic.error_type,
            Failure::Panic(_) => error::PANIC,
            Failure::Timeout(_) => error::TIMEOUT,
            Failure::InvalidResponse(_) => error::INVALID_RESPONSE,
            Failure::NotDelivered(_) => NOT_DELIVERED,
            Failure::NotProcessed { .. } => NOT_PROCESSED,
            Failure::Records { error_type, .. } => error_type,
        }
    }

    /// Whether the message quotes a piece of the payload (serde quotes the
    /// value it could not decode): such messages are logged at debug level.
    pub(crate) fn quotes_payload(&self) -> bool {
        match self {
            Failure::InvalidEvent { .. } => true,
            Failure::Records { quotes_payload, .. } => *quotes_payload,
            _ => false,
        }
    }

    /// The message reported with [`Failure::error_type`].
    pub(crate) fn message(&self) -> String {
        match self {
            Failure::InvalidEvent {
                path: Some(path),
                message,
            } => format!("{path}: {message}"),
            Failure::InvalidEvent {
                path: None,
                message,
            } => message.clone(),
            Failure::Handler(diagnostic) => diagnostic.error_message.clone(),
            Failure::Panic(message)
            | Failure::Timeout(message)
            | Failure::InvalidResponse(message)
            | Failure::NotDelivered(message)
            | Failure::Records { message, .. } => message.clone(),
            Failure::NotProcessed { first } => {
                format!("not processed: record {first} of this ordered batch failed first")
            }
        }
    }

    /// What is posted to the Runtime API.
    pub(crate) fn into_diagnostic(self) -> Diagnostic {
        match self {
            Failure::Handler(diagnostic) => diagnostic,
            other => diagnostic(other.error_type().to_owned(), other.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: Option<&str>) -> Failure {
        Failure::InvalidEvent {
            path: path.map(str::to_owned),
            message: "invalid type: string \"x\", expected f64".to_owned(),
        }
    }

    #[test]
    fn paths_move_under_a_field_or_a_part() {
        let message = |failure: Failure| failure.into_diagnostic().error_message;
        assert_eq!(
            message(at(Some("total")).in_field("detail")),
            "detail.total: invalid type: string \"x\", expected f64"
        );
        assert_eq!(
            message(at(Some("[0]")).in_field("detail")),
            "detail[0]: invalid type: string \"x\", expected f64"
        );
        assert_eq!(
            message(at(None).in_field("detail")),
            "detail: invalid type: string \"x\", expected f64"
        );
        assert_eq!(
            message(at(Some("amount")).in_part("NewImage")),
            "NewImage: amount: invalid type: string \"x\", expected f64"
        );
        assert_eq!(
            message(Failure::Panic("boom".into()).in_field("detail")),
            "boom"
        );
    }

    #[test]
    fn each_kind_is_reported_under_its_type() {
        let cases = [
            (at(None), "InvalidEvent", true),
            (Failure::Panic("p".into()), "Panic", false),
            (Failure::Timeout("t".into()), "Timeout", false),
            (
                Failure::InvalidResponse("r".into()),
                "InvalidResponse",
                false,
            ),
            (Failure::NotProcessed { first: 3 }, "NotProcessed", false),
            (
                Failure::Handler(diagnostic("OrderError", "no order")),
                "OrderError",
                false,
            ),
        ];
        for (failure, error_type, quotes) in cases {
            assert_eq!(failure.quotes_payload(), quotes, "{failure:?}");
            assert_eq!(failure.into_diagnostic().error_type, error_type);
        }
        assert_eq!(
            Failure::NotProcessed { first: 3 }.message(),
            "not processed: record 3 of this ordered batch failed first"
        );
    }
}
