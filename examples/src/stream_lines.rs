//! `stream-lines`: a response streamed to the caller as it is produced, for
//! `InvokeWithResponseStream` (or a function URL in `RESPONSE_STREAM` invoke
//! mode).
//!
//! Event `{"lines": 5, "every_ms": 100, "size": 0, "fail_at": null, "panic_at": null}`:
//! the function streams `lines` NDJSON lines, the first at once and then
//! one every `every_ms` milliseconds, each `{"line": n, "pad": "..."}` (`pad` makes it at least
//! `size` bytes, for large responses), then a summary line
//! `{"lines": 5, "bytes": ...}`. With `fail_at: n`, the stream fails before
//! line `n` (the caller has the lines before it, then the error); with
//! `panic_at: n`, the code producing it panics there (reported `Panic`; the
//! function keeps serving).
//!
//! ```text
//! $ cargo run --release -p lambda-fn-examples --bin stream-lines -- --event examples/events/stream-lines.json
//! {"line":0,"pad":""}
//! ...
//! ```

use std::time::Duration;

use lambda_fn::lambda;
use lambda_fn::stream::Streaming;
use serde::Deserialize;

/// The event.
#[derive(Debug, Deserialize)]
pub struct Lines {
    /// How many lines to stream.
    pub lines: u32,
    /// The pause before each line, in milliseconds.
    #[serde(default)]
    pub every_ms: u64,
    /// The least size of each line, in bytes.
    #[serde(default)]
    pub size: usize,
    /// Fail before this line.
    #[serde(default)]
    pub fail_at: Option<u32>,
    /// Panic before this line.
    #[serde(default)]
    pub panic_at: Option<u32>,
}

/// The stream's own error, reported as its `errorType`.
#[derive(Debug)]
pub struct LineError(pub u32);

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "failed before line {}", self.0)
    }
}

impl std::error::Error for LineError {}

/// Streams the lines.
///
/// # Errors
///
/// Never before the first byte: the stream reports its own failures.
///
/// # Panics
///
/// The stream panics before line `panic_at`, on purpose.
#[lambda]
pub async fn stream_lines(event: Lines) -> Result<Streaming, lambda_fn::Error> {
    Ok(Streaming::writer(async move |out| {
        let mut bytes = 0;
        for n in 0..event.lines {
            if n > 0 {
                tokio::time::sleep(Duration::from_millis(event.every_ms)).await;
            }
            if event.fail_at == Some(n) {
                return Err(lambda_fn::Error::from(LineError(n)));
            }
            assert!(event.panic_at != Some(n), "panicked before line {n}");
            let head = format!("{{\"line\":{n},\"pad\":\"");
            let pad = event.size.saturating_sub(head.len() + 3);
            let line = format!("{head}{}\"}}\n", "x".repeat(pad));
            bytes += line.len();
            out.send(line).await?;
        }
        out.send(format!("{{\"lines\":{},\"bytes\":{bytes}}}\n", event.lines))
            .await?;
        Ok::<(), lambda_fn::Error>(())
    })
    .content_type("application/x-ndjson"))
}
