//! The bottom layer: events and record bodies decoded into the handler's
//! types, and responses encoded. Every mismatch is a
//! [`Failure::InvalidEvent`] with the JSON path of the first mismatch
//! (`items[2].price`), worked out one way for events and record bodies:
//! from where serde_json stopped in the text ([`json_path_at`]). (An HTTP
//! request body's path is tracked while it decodes, by serde_path_to_error,
//! and answered to the caller in a 400: `triggers/http`.)
//!
//! The event is decoded by serde_json alone, as a hand-written function
//! would decode it. Tracking the path while decoding (serde_path_to_error)
//! costs an allocation per key on every event, and tracking it in a second
//! pass after a failure compiles every event type's decoder a second time
//! (69 KB of an SQS function); the position costs neither. A value the
//! envelope already holds (EventBridge's detail, a DynamoDB image) is
//! decoded from itself; only when that fails is it written out as text,
//! to find the path the same way.

use std::panic::AssertUnwindSafe;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::failure::Failure;

/// A record's body as a trigger hands it to a decoder: the bytes of a
/// message, or a value the envelope already holds decoded (EventBridge's
/// `detail`, a DynamoDB image). A value is decoded from itself, never
/// serialized back to text first.
#[derive(Clone, Copy, Debug)]
pub enum Body<'a> {
    /// The body's bytes (an SQS or SNS message, Kinesis data).
    Bytes(&'a [u8]),
    /// A JSON value.
    Value(&'a Value),
}

/// A function that decodes a record's body into the handler's payload `T`.
pub type Decoder<T> = fn(Body<'_>) -> Result<T, Failure>;

/// A function that encodes what a record's handler answered (Firehose's
/// transformed record) into the bytes the trigger's answer carries.
pub type Encoder<R> = fn(R) -> Result<Vec<u8>, Failure>;

/// Decodes a JSON text (an event) into `T`.
pub(crate) fn from_slice<T: DeserializeOwned>(text: &[u8]) -> Result<T, Failure> {
    // A decoder that panics on some input (aws_lambda_events' Kinesis
    // timestamp overflows on a float with many decimals) has still met an
    // event it cannot decode: answered `InvalidEvent`, the runtime lives on.
    let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| serde_json::from_slice(text)))
        .map_err(|panic| {
            Failure::invalid_event(format!(
                "the event could not be decoded: {}",
                crate::guard::panic_message(&*panic)
            ))
        })?;
    decoded.map_err(|err| {
        let (path, message) = mismatch(text, &err);
        Failure::InvalidEvent { path, message }
    })
}

/// Decodes a JSON value into `T`.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Failure> {
    T::deserialize(value).map_err(|err| {
        // The failure path only: the value as text, decoded again to find
        // where (decoding is deterministic, so it fails at the same place).
        let text = serde_json::to_vec(value).unwrap_or_default();
        match from_slice::<T>(&text) {
            Err(failure) => failure,
            Ok(_) => Failure::invalid_event(without_position(&err.to_string())),
        }
    })
}

/// The path (`None` at the root) and message, without serde_json's
/// position, of serde_json's error `err` while decoding `text`.
fn mismatch(text: &[u8], err: &serde_json::Error) -> (Option<String>, String) {
    let message = without_position(&err.to_string());
    // An array longer than its type (`[f64; 2]` given three numbers) is
    // the array's error, at the first extra element.
    let at_container = message == "trailing characters";
    (
        json_path_at(text, error_offset(text, err), at_container),
        message,
    )
}

/// The byte offset of the last byte serde_json read before its error.
fn error_offset(text: &[u8], err: &serde_json::Error) -> usize {
    let line_start = if err.line() <= 1 {
        0
    } else {
        text.iter()
            .enumerate()
            .filter(|&(_, &byte)| byte == b'\n')
            .nth(err.line() - 2)
            .map_or(text.len(), |(at, _)| at + 1)
    };
    (line_start + err.column())
        .saturating_sub(1)
        .min(text.len())
}

/// One open container on the way to a position in a JSON text.
enum Open {
    /// An object: the key of the member being read, until its value ends.
    Object { key: Option<String> },
    /// An array: the index of the element being read, until it ends.
    Array { index: usize, reading: bool },
}

/// The JSON path (`items[2].price`) of the value being read at `offset`,
/// `None` at the top level. Between members (at a `,` or the closing `}`,
/// where serde reports a missing field) the position belongs to the object,
/// and so does a value starting at `offset` when `at_container` is set.
fn json_path_at(text: &[u8], offset: usize, at_container: bool) -> Option<String> {
    fn value_ended(open: &mut [Open]) {
        match open.last_mut() {
            Some(Open::Object { key }) => *key = None,
            Some(Open::Array { reading, .. }) => *reading = false,
            None => {}
        }
    }
    fn value_started(open: &mut [Open]) {
        if let Some(Open::Array { reading, .. }) = open.last_mut() {
            *reading = true;
        }
    }
    let end = offset.min(text.len());
    let mut open: Vec<Open> = Vec::new();
    let mut at = 0;
    while at <= end && at < text.len() {
        if at_container && at == end {
            break;
        }
        match text[at] {
            b'"' => {
                let start = at;
                at += 1;
                while at < text.len() && text[at] != b'"' {
                    at += if text[at] == b'\\' { 2 } else { 1 };
                }
                let is_key = matches!(open.last(), Some(Open::Object { key: None }));
                if is_key {
                    if at >= end {
                        break; // in the key: the object is the place
                    }
                    let raw = &text[start..=at];
                    let key = serde_json::from_slice::<String>(raw).unwrap_or_else(|_| {
                        String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned()
                    });
                    if let Some(Open::Object { key: slot }) = open.last_mut() {
                        *slot = Some(key);
                    }
                } else {
                    value_started(&mut open);
                    if at >= end {
                        break; // in this string value
                    }
                    value_ended(&mut open);
                }
            }
            b'{' => {
                value_started(&mut open);
                open.push(Open::Object { key: None });
            }
            b'[' => {
                value_started(&mut open);
                open.push(Open::Array {
                    index: 0,
                    reading: false,
                });
            }
            // Where serde reports a missing field or a wrong length: the
            // container's own place.
            b'}' | b']' if at == end => break,
            b'}' | b']' => {
                open.pop();
                value_ended(&mut open);
            }
            b',' => {
                if let Some(Open::Array { index, .. }) = open.last_mut() {
                    *index += 1;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {}
            _ => {
                // A number, `true`, `false` or `null`.
                value_started(&mut open);
                while at + 1 < text.len() && !b",}] \t\n\r".contains(&text[at + 1]) {
                    at += 1;
                }
                if at >= end {
                    break;
                }
                value_ended(&mut open);
            }
        }
        at += 1;
    }
    let mut path = String::new();
    for container in &open {
        match container {
            Open::Object { key: Some(key) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Open::Array {
                index,
                reading: true,
            } => path.push_str(&format!("[{index}]")),
            _ => break,
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The body decoded as JSON into `T`.
pub fn json<T: DeserializeOwned>(body: Body<'_>) -> Result<T, Failure> {
    match body {
        Body::Bytes(bytes) => from_slice(bytes),
        Body::Value(value) => from_value(value),
    }
}

/// The body as text; it must be UTF-8.
pub fn text(body: Body<'_>) -> Result<String, Failure> {
    match body {
        Body::Bytes(bytes) => String::from_utf8(bytes.to_vec())
            .map_err(|err| Failure::invalid_event(format!("the body is not UTF-8 text: {err}"))),
        Body::Value(Value::String(text)) => Ok(text.clone()),
        Body::Value(_) => Err(Failure::invalid_event("the body is JSON, not text")),
    }
}

/// The body's bytes, as they are.
pub fn bytes(body: Body<'_>) -> Result<Vec<u8>, Failure> {
    match body {
        Body::Bytes(bytes) => Ok(bytes.to_vec()),
        Body::Value(value) => Ok(value.to_string().into_bytes()),
    }
}

/// A time given in milliseconds since the Unix epoch (negative before it),
/// as Amazon MQ and CloudWatch Logs write them. Never panics: a time
/// `SystemTime` cannot hold is the epoch.
#[cfg_attr(
    not(any(feature = "mq", feature = "cloudwatch_logs")),
    allow(dead_code)
)]
pub(crate) fn epoch_millis(at: i64) -> std::time::SystemTime {
    let since = std::time::Duration::from_millis(at.unsigned_abs());
    let epoch = std::time::SystemTime::UNIX_EPOCH;
    if at >= 0 {
        epoch.checked_add(since)
    } else {
        epoch.checked_sub(since)
    }
    .unwrap_or(epoch)
}

/// A record's answer encoded as JSON.
pub fn to_json<R: Serialize>(answer: R) -> Result<Vec<u8>, Failure> {
    encode(&answer)
}

/// A record's answer that is text, as its UTF-8 bytes.
pub fn from_text(answer: String) -> Result<Vec<u8>, Failure> {
    Ok(answer.into_bytes())
}

/// A record's answer that is bytes, as they are.
pub fn from_bytes(answer: Vec<u8>) -> Result<Vec<u8>, Failure> {
    Ok(answer)
}

/// A record's answer that is `()`: nothing.
pub fn from_unit((): ()) -> Result<Vec<u8>, Failure> {
    Ok(Vec::new())
}

/// Serializes a handler's response.
pub(crate) fn encode<R: Serialize>(response: &R) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(response).map_err(|err| {
        Failure::InvalidResponse(format!(
            "the response could not be serialized to JSON: {err}"
        ))
    })
}

/// The path of an error serde_path_to_error tracked (`None` at the root)
/// and its message without serde_json's position: the query string's
/// parameters (not JSON) are decoded that way.
#[cfg(any(feature = "http", test))]
pub(crate) fn path_and_message<E: std::fmt::Display>(
    err: &serde_path_to_error::Error<E>,
) -> (Option<String>, String) {
    let mut path = err.path().to_string();
    // A syntax error where a key was expected (`{"id": 7,` cut off) ends the
    // path in an unknown segment, shown as `?`: name the object around it
    // instead (the whole document at the top level).
    if matches!(
        err.path().iter().next_back(),
        Some(serde_path_to_error::Segment::Unknown)
    ) {
        path.pop();
        if path.ends_with('.') {
            path.pop();
        }
    }
    let path = (!path.is_empty() && path != ".").then_some(path);
    (path, without_position(&err.inner().to_string()))
}

/// `message` without serde_json's trailing ` at line 1 column 42`.
fn without_position(message: &str) -> String {
    let trimmed = message.rfind(" at line ").filter(|&at| {
        let mut words = message[at..].split_whitespace();
        matches!(
            (words.next(), words.next(), words.next(), words.next(), words.next(), words.next()),
            (Some("at"), Some("line"), Some(line), Some("column"), Some(column), None)
                if line.parse::<u64>().is_ok() && column.parse::<u64>().is_ok()
        )
    });
    match trimmed {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_contains, assert_failure};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        price: f64,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Item>,
    }

    fn message<T>(result: Result<T, Failure>) -> String {
        match result {
            Ok(_) => "ok".to_owned(),
            Err(failure) => failure.into_diagnostic().error_message,
        }
    }

    #[test]
    fn invalid_event_names_the_json_path() {
        let err = from_slice::<Order>(br#"{"items":[{"price":1},{"price":2},{"price":"x"}]}"#)
            .unwrap_err()
            .into_diagnostic();
        assert_failure(
            &err,
            "InvalidEvent",
            r#"items[2].price: invalid type: string "x", expected f64"#,
        );
    }

    #[test]
    fn a_value_is_decoded_with_the_same_path_as_its_text() {
        let cases = [
            r#"{"items":[{"price":1},{"price":"x"}]}"#,
            r#"{"items":[{}]}"#,
            r#"{"items":5}"#,
            r#"[]"#,
            r#"{"items":[{"price":1}]}"#,
        ];
        for case in cases {
            let value: Value = serde_json::from_str(case).unwrap();
            assert_eq!(
                message(from_value::<Order>(&value)),
                message(from_slice::<Order>(case.as_bytes())),
                "{case}"
            );
        }
    }

    #[test]
    fn invalid_event_at_the_root_and_in_syntax() {
        let err = message(from_slice::<Order>(b"5"));
        assert_eq!(err, "invalid type: integer `5`, expected struct Order");
        let err = message(from_slice::<Order>(b"{\"items\": ["));
        assert!(err.contains("EOF"), "{err}");
        let err = message(from_slice::<Order>(br#"{"items": [], "#));
        assert!(!err.starts_with('?'), "{err}");
        let err = message(from_slice::<Order>(br#"{"items": []} trailing"#));
        assert_eq!(err, "trailing characters");
    }

    #[test]
    fn a_decoder_that_panics_is_answered_invalid_event() {
        /// Stands for a dependency's `Deserialize` that panics on some input.
        #[derive(Debug)]
        struct Fragile;
        impl<'de> serde::Deserialize<'de> for Fragile {
            fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
                panic!("attempt to multiply with overflow")
            }
        }
        let err = from_slice::<Fragile>(b"{}").unwrap_err().into_diagnostic();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_contains(&err.error_message, "attempt to multiply with overflow");
    }

    #[test]
    fn raw_bodies() {
        assert_eq!(text(Body::Bytes(b"hi")).unwrap(), "hi");
        assert!(message(text(Body::Bytes(&[0xff]))).starts_with("the body is not UTF-8 text"));
        assert_eq!(bytes(Body::Bytes(&[0xff])).unwrap(), [0xff]);
        assert_eq!(text(Body::Value(&Value::from("v"))).unwrap(), "v");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        id: u64,
        tags: Vec<String>,
        inner: Option<Inner>,
        #[serde(rename = "with \"quote\"")]
        quoted: Option<bool>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        points: Vec<[f64; 2]>,
    }

    /// What serde_path_to_error reports while decoding: the oracle the
    /// path worked out after a failure must agree with.
    fn tracked<T: DeserializeOwned>(event: &[u8]) -> String {
        let mut json = serde_json::Deserializer::from_slice(event);
        match serde_path_to_error::deserialize::<_, T>(&mut json) {
            Ok(_) => match json.end() {
                Ok(()) => "ok".to_owned(),
                Err(err) => without_position(&err.to_string()),
            },
            Err(err) => match path_and_message(&err) {
                (Some(path), message) => format!("{path}: {message}"),
                (None, message) => message,
            },
        }
    }

    fn untracked<T: DeserializeOwned>(event: &[u8]) -> String {
        message(from_slice::<T>(event))
    }

    #[test]
    fn the_path_after_a_failure_is_the_path_serde_path_to_error_tracks() {
        let cases: &[&str] = &[
            r#"{"id": 1, "tags": []}"#,
            r#"{"id": "1", "tags": []}"#,
            r#"{"id": -1, "tags": []}"#,
            r#"{"id": 1.5, "tags": []}"#,
            r#"{"id": 1, "tags": [1]}"#,
            r#"{"id": 1, "tags": ["a", "b", null]}"#,
            r#"{"id": 1}"#,
            r#"{"tags": []}"#,
            r#"{"id": 1, "tags": [], "inner": {}}"#,
            r#"{"id": 1, "tags": [], "inner": {"name": 5}}"#,
            r#"{"id": 1, "tags": [], "inner": {"name": "n", "points": [[1, 2], [3, "x"]]}}"#,
            r#"{"id": 1, "tags": [], "inner": {"name": "n", "points": [[1, 2], [3]]}}"#,
            r#"{"id": 1, "tags": [], "inner": {"name": "n", "points": [[1, 2, 3]]}}"#,
            r#"{"id": 1, "tags": [], "inner": {"points": [], "name": "n"}, "extra": {"a": [1, {"b": 2}]}}"#,
            r#"{"id": 1, "tags": [], "with \"quote\"": "yes"}"#,
            r#"{"tags": ["a\"b", 2], "id": 1}"#,
            "{\n  \"id\": 1,\n  \"tags\": [\n    true\n  ]\n}",
            r#"{"id": 1, "tags": [], "inner": null}"#,
            r#"{"id": 1, "tags": [], "inner": {"name": "n", "points": [[1, 2]], "name": "again"}}"#,
            r#"[1, 2]"#,
            r#"5"#,
            r#""text""#,
            r#"{"id": 1, "tags": []} trailing"#,
        ];
        for case in cases {
            assert_eq!(
                untracked::<Nested>(case.as_bytes()),
                tracked::<Nested>(case.as_bytes()),
                "{case}"
            );
        }
        // Text that is not JSON: the same message, at the same place or one
        // level apart (`tags` where the tracker says `tags[0]` for a value
        // that never began, and the other way round).
        let syntax: &[&str] = &[
            r#"{"id": 1, "tags": [}"#,
            r#"{"id": 1, "tags": ["#,
            r#"{"id": 1, "tags": [], "#,
            r#"{"id": tru, "tags": []}"#,
            r#"{"id": 1, "tags": ["a" "b"]}"#,
            r#""#,
        ];
        for case in syntax {
            let (untracked, tracked) = (
                untracked::<Nested>(case.as_bytes()),
                tracked::<Nested>(case.as_bytes()),
            );
            let split = |message: &str| match message.split_once(": ") {
                Some((path, rest)) if !path.contains(' ') => (path.to_owned(), rest.to_owned()),
                _ => (String::new(), message.to_owned()),
            };
            let ((path, message), (tracked_path, tracked_message)) =
                (split(&untracked), split(&tracked));
            assert_eq!(message, tracked_message, "{case}");
            assert!(
                tracked_path.starts_with(&path) || path.starts_with(&tracked_path),
                "{case}: {untracked} / {tracked}"
            );
        }
    }

    /// The message of each mismatch, path first, as this module reports it
    /// (the cases of the test above, with the messages spelled out).
    #[test]
    fn each_mismatch_is_named_by_its_path() {
        let cases: &[(&str, &str)] = &[
            ("{\"id\": 1, \"tags\": []}", "ok"),
            (
                "{\"id\": \"1\", \"tags\": []}",
                "id: invalid type: string \"1\", expected u64",
            ),
            (
                "{\"id\": -1, \"tags\": []}",
                "id: invalid value: integer `-1`, expected u64",
            ),
            (
                "{\"id\": 1.5, \"tags\": []}",
                "id: invalid type: floating point `1.5`, expected u64",
            ),
            (
                "{\"id\": 1, \"tags\": [1]}",
                "tags[0]: invalid type: integer `1`, expected a string",
            ),
            (
                "{\"id\": 1, \"tags\": [\"a\", \"b\", null]}",
                "tags[2]: invalid type: null, expected a string",
            ),
            ("{\"id\": 1}", "missing field `tags`"),
            ("{\"tags\": []}", "missing field `id`"),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {}}",
                "inner: missing field `name`",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"name\": 5}}",
                "inner.name: invalid type: integer `5`, expected a string",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"name\": \"n\", \"points\": [[1, 2], [3, \"x\"]]}}",
                "inner.points[1][1]: invalid type: string \"x\", expected f64",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"name\": \"n\", \"points\": [[1, 2], [3]]}}",
                "inner.points[1]: invalid length 1, expected an array of length 2",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"name\": \"n\", \"points\": [[1, 2, 3]]}}",
                "inner.points[0]: trailing characters",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"points\": [], \"name\": \"n\"}, \"extra\": {\"a\": [1, {\"b\": 2}]}}",
                "ok",
            ),
            (
                "{\"id\": 1, \"tags\": [], \"with \\\"quote\\\"\": \"yes\"}",
                "with \"quote\": invalid type: string \"yes\", expected a boolean",
            ),
            (
                "{\"tags\": [\"a\\\"b\", 2], \"id\": 1}",
                "tags[1]: invalid type: integer `2`, expected a string",
            ),
            (
                "{\n  \"id\": 1,\n  \"tags\": [\n    true\n  ]\n}",
                "tags[0]: invalid type: boolean `true`, expected a string",
            ),
            ("{\"id\": 1, \"tags\": [], \"inner\": null}", "ok"),
            (
                "{\"id\": 1, \"tags\": [], \"inner\": {\"name\": \"n\", \"points\": [[1, 2]], \"name\": \"again\"}}",
                "inner: duplicate field `name`",
            ),
            (
                "[1, 2]",
                "[1]: invalid type: integer `2`, expected a sequence",
            ),
            ("5", "invalid type: integer `5`, expected struct Nested"),
            (
                "\"text\"",
                "invalid type: string \"text\", expected struct Nested",
            ),
            ("{\"id\": 1, \"tags\": []} trailing", "trailing characters"),
            ("{\"id\": 1, \"tags\": [}", "tags: expected value"),
            ("{\"id\": 1, \"tags\": [", "tags: EOF while parsing a list"),
            ("{\"id\": 1, \"tags\": [], ", "EOF while parsing a value"),
            ("{\"id\": tru, \"tags\": []}", "expected ident"),
            (
                "{\"id\": 1, \"tags\": [\"a\" \"b\"]}",
                "tags[0]: expected `,` or `]`",
            ),
            ("", "EOF while parsing a value"),
        ];
        for (case, expected) in cases {
            assert_eq!(
                message(from_slice::<Nested>(case.as_bytes())),
                *expected,
                "{case}"
            );
            // From a value, the same place; serde_json words one message
            // differently there (`invalid length 3` for `trailing
            // characters`), and a value holds no duplicate key to refuse.
            if let Ok(value) = serde_json::from_str::<Value>(case)
                && let Err(failure) = from_value::<Nested>(&value)
            {
                let place = |message: &str| message.split_once(": ").map(|(at, _)| at.to_owned());
                assert_eq!(
                    place(&failure.message()),
                    place(expected),
                    "{case} as a value"
                );
            }
        }
    }
}
