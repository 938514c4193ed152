//! One invocation: decode the event, run the handler under the deadline
//! guard and a panic catcher, encode the answer.
//!
//! Each trigger is an [`Handler`] implementation; the whole-event one lives
//! here. The Runtime API loop and local mode both drive a `Handler`, so the
//! two modes cannot behave differently.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::Poll;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Context;
use crate::deadline::Deadline;
use crate::error::{self, Diagnostic, IntoDiagnostic, diagnostic};

/// What a handler sees of one invocation besides its event.
#[derive(Debug)]
pub struct Invocation<'a, S> {
    /// The invocation context from the Runtime API.
    pub context: &'a Context,
    /// The warm state built once by `init` (`()` without `init`).
    pub state: &'a S,
    /// The deadline guard's view of the time left.
    pub deadline: &'a Deadline,
}

/// The answer to one invocation: the response body, or the error to report.
pub type Outcome = Result<Vec<u8>, Diagnostic>;

/// A function the Runtime API loop can serve: raw event bytes in, an
/// [`Outcome`] out. Each trigger adapter implements it, and applies the
/// deadline guard in the way its trigger reports failures.
pub trait Handler<S> {
    /// Serves one invocation.
    fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> impl Future<Output = Outcome>;
}

/// The adapter for `#[lambda]` without a trigger: the whole event is the
/// handler's first parameter and its `Ok` value is the response.
///
/// The decoder, encoder and error reporter are plain function pointers, so
/// that `Handler` asks nothing of `T`, `R` and `E`: the generated code gets
/// them from [`crate::check`], at the user's own types, and an unmet
/// requirement is reported there once instead of again at `start`.
pub struct WholeEvent<F, T, R, E> {
    handler: F,
    decode: fn(&[u8]) -> Result<T, Diagnostic>,
    encode: fn(&R) -> Outcome,
    report: fn(E) -> Diagnostic,
}

impl<F, T, R, E> WholeEvent<F, T, R, E>
where
    T: DeserializeOwned,
    R: Serialize,
    E: IntoDiagnostic,
{
    /// Wraps `handler`, called as `handler(event, &invocation)`.
    pub fn new(handler: F) -> Self {
        Self::from_parts(
            handler,
            decode_event::<T>,
            encode_response::<R>,
            E::into_diagnostic,
        )
    }
}

impl<F, T, R, E> WholeEvent<F, T, R, E> {
    /// Wraps `handler` with the functions that decode its event, encode its
    /// response and report its error (what the generated code uses).
    pub fn from_parts(
        handler: F,
        decode: fn(&[u8]) -> Result<T, Diagnostic>,
        encode: fn(&R) -> Outcome,
        report: fn(E) -> Diagnostic,
    ) -> Self {
        Self {
            handler,
            decode,
            encode,
            report,
        }
    }
}

impl<S, F, T, R, E> Handler<S> for WholeEvent<F, T, R, E>
where
    F: AsyncFn(T, &Invocation<'_, S>) -> Result<R, E>,
{
    async fn call(&self, event: &[u8], invocation: &Invocation<'_, S>) -> Outcome {
        let event: T = (self.decode)(event)?;
        let run = catch_unwind((self.handler)(event, invocation));
        match guard(invocation.deadline, run).await {
            Some(Ok(Ok(response))) => (self.encode)(&response),
            Some(Ok(Err(err))) => Err((self.report)(err)),
            Some(Err(panic)) => Err(panic_diagnostic(&*panic)),
            None => Err(timeout_diagnostic(invocation.deadline)),
        }
    }
}

/// Decodes an event, reporting the first mismatch with its JSON path:
/// `items[2].price: invalid type: string "x", expected f64`.
///
/// The event is decoded by serde_json alone, as a hand-written function
/// would decode it; only when that fails is the path worked out, from where
/// serde_json stopped in the text ([`json_path_at`]). Tracking the path
/// while decoding costs an allocation per key on every event.
pub fn decode_event<T: DeserializeOwned>(event: &[u8]) -> Result<T, Diagnostic> {
    // A decoder that panics on some input (aws_lambda_events' Kinesis
    // timestamp overflows on a float with many decimals) has still met an
    // event it cannot decode: answered `InvalidEvent`, the runtime lives on.
    let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| serde_json::from_slice(event)))
        .map_err(|panic| {
            diagnostic(
                error::INVALID_EVENT,
                format!(
                    "the event could not be decoded: {}",
                    panic_diagnostic(&*panic).error_message
                ),
            )
        })?;
    decoded.map_err(|err| {
        let message = without_position(&err.to_string());
        // An array longer than its type (`[f64; 2]` given three numbers) is
        // the array's error, at the first extra element.
        let at_container = message == "trailing characters";
        let message = match json_path_at(event, error_offset(event, &err), at_container) {
            Some(path) => format!("{path}: {message}"),
            None => message,
        };
        diagnostic(error::INVALID_EVENT, message)
    })
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

/// The path of a decoding error (`None` at the root) and its message
/// without serde_json's position: for an event or body that is one line of
/// JSON the path says more.
#[cfg(any(feature = "http", test))]
pub(crate) fn json_error_parts<E: std::fmt::Display>(
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

/// Serializes a handler's response.
pub fn encode_response<R: Serialize>(response: &R) -> Outcome {
    serde_json::to_vec(response).map_err(|err| {
        diagnostic(
            error::INVALID_RESPONSE,
            format!("the response could not be serialized to JSON: {err}"),
        )
    })
}

/// Runs `work` until it completes or the deadline guard fires, whichever is
/// first. On expiry `work` is dropped before this returns `None`, so nothing
/// of the handler keeps running after its invocation has been answered.
///
/// The guard also fires when the execution environment shuts down while
/// `work` runs (see [`Deadline`]), so that the invocation is still answered.
pub async fn guard<F: Future>(deadline: &Deadline, work: F) -> Option<F::Output> {
    if !deadline.can_fire() {
        return Some(work.await);
    }
    let mut work = pin!(work);
    let mut expiry = pin!(deadline.expired());
    poll_fn(|cx| {
        // The handler is polled first: work that is ready exactly at the
        // deadline counts as done.
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if expiry.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Runs `work`, turning a panic in any of its polls into an `Err` with the
/// panic's payload.
pub async fn catch_unwind<F: Future>(work: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut work = pin!(work);
    poll_fn(
        |cx| match std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        },
    )
    .await
}

/// The `Panic` diagnostic for a panic payload.
pub fn panic_diagnostic(payload: &(dyn Any + Send)) -> Diagnostic {
    let message = if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "the handler panicked with a non-string payload".to_owned()
    };
    diagnostic(error::PANIC, message)
}

/// The `Timeout` diagnostic: says what the budget was.
pub fn timeout_diagnostic(deadline: &Deadline) -> Diagnostic {
    if deadline.shutdown_cut().is_some() {
        return diagnostic(
            error::TIMEOUT,
            format!(
                "the execution environment is shutting down (SIGTERM) and the handler did not finish within the {} lambda-fn allows before Lambda's SIGKILL",
                format_duration(crate::deadline::SHUTDOWN_GRACE)
            ),
        );
    }
    let budget = deadline.budget().unwrap_or_default();
    diagnostic(
        error::TIMEOUT,
        format!(
            "the handler did not finish within its budget of {} (Lambda's deadline minus the timeout margin)",
            format_duration(budget)
        ),
    )
}

/// `1.25s`, `250ms`: how budgets and margins are written in messages.
pub fn format_duration(duration: std::time::Duration) -> String {
    let micros = duration.as_micros();
    if micros >= 1_000_000 {
        // Seconds to the millisecond, without trailing zeros: 2.75s, 3s.
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
    } else if micros >= 1000 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{micros}µs")
    }
}

/// Serves one invocation with `handler`. Handlers catch the panics of the
/// user's code themselves; a panic that still escapes (from a dependency's
/// decoder, or a bug in lambda-fn) is answered `Panic` too, so that every
/// invocation gets its answer and the process keeps serving.
pub(crate) async fn serve_invocation<S, H: Handler<S>>(
    handler: &H,
    event: &[u8],
    invocation: &Invocation<'_, S>,
) -> Outcome {
    catch_unwind(handler.call(event, invocation))
        .await
        .unwrap_or_else(|panic| Err(panic_diagnostic(&*panic)))
}

/// Serves `event` with `handler` as an invocation without warm state or
/// deadline: what the trigger modules' unit tests need.
#[cfg(test)]
pub(crate) async fn call_without_deadline<H: Handler<()>>(handler: &H, event: &[u8]) -> Outcome {
    let context = Context::default();
    let deadline = Deadline::unknown();
    let invocation = Invocation {
        context: &context,
        state: &(),
        deadline: &deadline,
    };
    handler.call(event, &invocation).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

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

    #[test]
    fn invalid_event_names_the_json_path() {
        let err = decode_event::<Order>(br#"{"items":[{"price":1},{"price":2},{"price":"x"}]}"#)
            .unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert_eq!(
            err.error_message,
            r#"items[2].price: invalid type: string "x", expected f64"#
        );
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
            Err(err) => match json_error_parts(&err) {
                (Some(path), message) => format!("{path}: {message}"),
                (None, message) => message,
            },
        }
    }

    fn untracked<T: DeserializeOwned>(event: &[u8]) -> String {
        match decode_event::<T>(event) {
            Ok(_) => "ok".to_owned(),
            Err(err) => err.error_message,
        }
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

    #[test]
    fn invalid_event_at_the_root_and_in_syntax() {
        let err = decode_event::<Order>(b"5").unwrap_err();
        assert_eq!(
            err.error_message,
            "invalid type: integer `5`, expected struct Order"
        );
        let err = decode_event::<Order>(b"{\"items\": [").unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(err.error_message.contains("EOF"), "{}", err.error_message);
        let err = decode_event::<Order>(br#"{"items": [], "#).unwrap_err();
        assert!(!err.error_message.starts_with('?'), "{}", err.error_message);
        let err = decode_event::<Order>(br#"{"items": []} trailing"#).unwrap_err();
        assert_eq!(err.error_message, "trailing characters");
    }

    #[test]
    fn panic_messages() {
        let d = panic_diagnostic(&"boom");
        assert_eq!(
            (d.error_type.as_str(), d.error_message.as_str()),
            ("Panic", "boom")
        );
        let d = panic_diagnostic(&String::from("order 7"));
        assert_eq!(d.error_message, "order 7");
        let d = panic_diagnostic(&42_u8);
        assert!(d.error_message.contains("non-string"));
    }

    #[test]
    fn durations_read_like_the_attribute() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(2750)), "2.75s");
        assert_eq!(format_duration(Duration::from_secs(3)), "3s");
        assert_eq!(format_duration(Duration::from_millis(1299)), "1.299s");
        assert_eq!(format_duration(Duration::from_micros(5)), "5µs");
    }

    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A handler whose own code panics, outside any user function.
    struct Broken;

    impl Handler<()> for Broken {
        async fn call(&self, event: &[u8], _: &Invocation<'_, ()>) -> Outcome {
            assert!(!event.is_empty(), "a bug outside the user's handler");
            Ok(event.to_vec())
        }
    }

    #[tokio::test]
    async fn a_panic_escaping_a_handler_is_still_answered_panic() {
        let ctx = Context::default();
        let deadline = Deadline::unknown();
        let inv = Invocation {
            context: &ctx,
            state: &(),
            deadline: &deadline,
        };
        let err = serve_invocation(&Broken, b"", &inv).await.unwrap_err();
        assert_eq!(err.error_type, "Panic");
        assert_eq!(err.error_message, "a bug outside the user's handler");
        assert_eq!(serve_invocation(&Broken, b"1", &inv).await.unwrap(), b"1");
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
        let err = decode_event::<Fragile>(b"{}").unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(
            err.error_message
                .contains("attempt to multiply with overflow"),
            "{}",
            err.error_message
        );
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_drops_the_handler_before_answering() {
        let dropped = Arc::new(AtomicBool::new(false));
        let witness = SetOnDrop(dropped.clone());
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(50));
        let out = guard(&deadline, async move {
            let _witness = witness;
            tokio::time::sleep(Duration::from_secs(60)).await;
        })
        .await;
        assert!(out.is_none());
        assert!(dropped.load(Ordering::SeqCst), "handler future still alive");
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_past_its_budget_is_dropped_and_answered_timeout() {
        let dropped = Arc::new(AtomicBool::new(false));
        let witness = dropped.clone();
        let handler = WholeEvent::new(async move |_: serde_json::Value, _: &Invocation<'_, ()>| {
            let _witness = SetOnDrop(witness.clone());
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, crate::Error>(())
        });
        let ctx = Context::default();
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(2750));
        let inv = Invocation {
            context: &ctx,
            state: &(),
            deadline: &deadline,
        };
        let err = handler.call(b"{}", &inv).await.unwrap_err();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the handler was not dropped"
        );
        assert_eq!(err.error_type, "Timeout");
        assert_eq!(
            err.error_message,
            "the handler did not finish within its budget of 2.75s (Lambda's deadline minus the timeout margin)"
        );
    }

    #[tokio::test]
    async fn unknown_deadline_never_fires() {
        let out = guard(&Deadline::unknown(), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            7
        })
        .await;
        assert_eq!(out, Some(7));
    }

    #[tokio::test]
    async fn panics_are_caught_and_later_polls_work() {
        let out = catch_unwind(async {
            tokio::task::yield_now().await;
            panic!("boom");
        })
        .await;
        assert_eq!(panic_diagnostic(&*out.unwrap_err()).error_message, "boom");
        assert_eq!(catch_unwind(async { 1 }).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn whole_event_answers() {
        #[derive(Deserialize)]
        struct Ev {
            n: u32,
        }
        #[derive(Debug)]
        struct Odd;
        impl std::fmt::Display for Odd {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("odd")
            }
        }
        impl std::error::Error for Odd {}
        let handler = WholeEvent::new(async |ev: Ev, inv: &Invocation<'_, u32>| {
            if ev.n % 2 == 1 {
                return Err(Odd);
            }
            Ok(ev.n + *inv.state)
        });
        let ctx = Context::default();
        let deadline = Deadline::unknown();
        let inv = Invocation {
            context: &ctx,
            state: &10,
            deadline: &deadline,
        };
        assert_eq!(handler.call(br#"{"n":2}"#, &inv).await.unwrap(), b"12");
        let err = handler.call(br#"{"n":3}"#, &inv).await.unwrap_err();
        assert_eq!(
            (err.error_type.as_str(), err.error_message.as_str()),
            ("Odd", "odd")
        );
        let err = handler.call(br#"{"n":"x"}"#, &inv).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        assert!(
            err.error_message.starts_with("n: invalid type"),
            "{}",
            err.error_message
        );
    }
}
