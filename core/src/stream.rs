//! Response streaming: a whole-event function that returns a [`Streaming`]
//! has its answer sent to the caller as it is produced, through Lambda's
//! `InvokeWithResponseStream` or a function URL in `RESPONSE_STREAM` invoke
//! mode, up to [`MAX_STREAMED_BYTES`].
//!
//! ```
//! use lambda_fn::stream::Streaming;
//!
//! #[derive(serde::Deserialize)]
//! struct Report {
//!     rows: u32,
//! }
//!
//! // With `#[lambda]` on it, this is the whole function: each row reaches
//! // the caller as it is written.
//! async fn report(event: Report) -> Result<Streaming, lambda_fn::Error> {
//!     Ok(Streaming::writer(async move |out| {
//!         for row in 0..event.rows {
//!             out.send(format!("{{\"row\":{row}}}\n")).await?;
//!         }
//!         Ok::<_, lambda_fn::Error>(())
//!     })
//!     .content_type("application/x-ndjson"))
//! }
//! ```
//!
//! How the answer is sent (the protocol of the Lambda developer guide,
//! "Building a custom runtime", response streaming, and of Lambda's own
//! runtime clients):
//!
//! - `POST /runtime/invocation/{id}/response` with
//!   `Lambda-Runtime-Function-Response-Mode: streaming` and
//!   `Transfer-Encoding: chunked`; each chunk the stream yields is written
//!   as it is yielded, on a connection with `TCP_NODELAY`, so that no chunk
//!   waits for the previous one's acknowledgement (Nagle's algorithm). A
//!   chunk under 16 KiB is handed to the connection before the stream is
//!   polled again; larger chunks that a fast stream yields while the
//!   connection is still writing are written together, up to 256 KiB
//!   queued, which is all the response ever holds in memory.
//! - An error after the first byte cannot change the status any more: it is
//!   sent as the HTTP trailers `Lambda-Runtime-Function-Error-Type` and
//!   `Lambda-Runtime-Function-Error-Body` (the base64 of the JSON error
//!   object), declared up front in a `Trailer` header, which HTTP/1.1
//!   requires for trailers to be sent at all.
//! - The deadline guard and the panic catcher cover the stream: a stream
//!   still running at the guard's budget is ended with a `Timeout`, a panic
//!   while it produces with a `Panic`, and the process serves on.
//! - A caller that goes away closes the post: the stream is dropped at
//!   once, which stops the work that produces it.

use std::fmt;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures_util::Stream;

use crate::Diagnostic;
use crate::deadline::Deadline;
use crate::error::IntoDiagnostic;
use crate::failure::Failure;
use crate::guard::{caught, guarded};

/// The most a streamed response may carry: Lambda's 200 MB quota for
/// streamed responses (since July 2025), in MiB as Lambda counts its
/// payload quotas. A stream that goes past it is ended with an
/// `InvalidResponse` error after the bytes before the limit.
pub const MAX_STREAMED_BYTES: usize = 200 * 1024 * 1024;

/// The content type of a [`Streaming`] that does not name one.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, Diagnostic>>>>;

/// A response sent to the caller as it is produced: a stream of byte
/// chunks, and its content type.
///
/// Build it from any [`Stream`] of `Result<chunk, error>`
/// ([`Streaming::new`]), or from an async function that writes to a
/// [`Writer`] ([`Streaming::writer`]). The stream owns what it uses
/// (`'static`); it is run on the function's own thread, so it need not be
/// `Send`.
pub struct Streaming {
    pub(crate) content_type: String,
    pub(crate) chunks: Chunks,
}

impl Streaming {
    /// A response streamed from `stream`: each `Ok` chunk is sent as it is
    /// yielded; an `Err` ends the stream with that error (reported to the
    /// caller as the invocation's error).
    pub fn new<S, D, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<D, E>> + 'static,
        D: Into<Bytes>,
        E: IntoDiagnostic,
    {
        use futures_util::StreamExt;
        Self {
            content_type: DEFAULT_CONTENT_TYPE.to_owned(),
            chunks: Box::pin(stream.map(|item| {
                item.map(Into::into)
                    .map_err(IntoDiagnostic::into_diagnostic)
            })),
        }
    }

    /// A response streamed from what `write` sends to its [`Writer`] while it
    /// runs. `write` runs as the stream is read, so nothing is produced
    /// before the caller can receive it; an `Err` it returns ends the stream
    /// with that error.
    pub fn writer<W, F, E>(write: W) -> Self
    where
        W: FnOnce(Writer) -> F,
        F: Future<Output = Result<(), E>> + 'static,
        E: IntoDiagnostic,
    {
        // A small buffer: the writer waits while the caller is slower than
        // it, so a large response never sits in memory.
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        let work = write(Writer { sender });
        Self {
            content_type: DEFAULT_CONTENT_TYPE.to_owned(),
            chunks: Box::pin(WriterStream {
                work: Some(Box::pin(work)),
                receiver,
                failed: None,
            }),
        }
    }

    /// This stream with `first` sent before its chunks (an HTTP prelude).
    #[cfg(feature = "http")]
    pub(crate) fn after(self, first: Bytes) -> Self {
        use futures_util::StreamExt;
        Self {
            content_type: self.content_type,
            chunks: Box::pin(futures_util::stream::once(async { Ok(first) }).chain(self.chunks)),
        }
    }

    /// The response's content type, instead of
    /// [`application/octet-stream`](DEFAULT_CONTENT_TYPE).
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }
}

impl fmt::Debug for Streaming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Streaming")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Where the function of [`Streaming::writer`] sends its chunks.
#[derive(Debug)]
pub struct Writer {
    sender: tokio::sync::mpsc::Sender<Bytes>,
}

impl Writer {
    /// Sends one chunk to the caller, waiting while earlier chunks are still
    /// on their way.
    ///
    /// # Errors
    ///
    /// [`Gone`] if the response has ended: the caller went away, or the
    /// deadline guard ended the stream. Stop producing then.
    pub async fn send(&self, chunk: impl Into<Bytes>) -> Result<(), Gone> {
        self.sender.send(chunk.into()).await.map_err(|_| Gone)
    }
}

/// The response a [`Writer`] sends to has ended: the caller went away, or
/// the deadline guard ended the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

impl fmt::Display for Gone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the streamed response has ended")
    }
}

impl std::error::Error for Gone {}

/// The stream of a [`Streaming::writer`]: polls the writing function and
/// yields what it has sent, then its error if it failed.
struct WriterStream<F> {
    work: Option<Pin<Box<F>>>,
    receiver: tokio::sync::mpsc::Receiver<Bytes>,
    failed: Option<Diagnostic>,
}

impl<F, E> Stream for WriterStream<F>
where
    F: Future<Output = Result<(), E>>,
    E: IntoDiagnostic,
{
    type Item = Result<Bytes, Diagnostic>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(work) = this.work.as_mut()
            && let Poll::Ready(done) = work.as_mut().poll(cx)
        {
            this.work = None;
            if let Err(err) = done {
                this.failed = Some(err.into_diagnostic());
            }
            // The function has returned: no more chunks can come once the
            // buffered ones are read.
            this.receiver.close();
        }
        match this.receiver.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(None) => Poll::Ready(this.failed.take().map(Err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// How feeding a stream to the Runtime API ended.
pub(crate) enum Ended {
    /// The stream ended; this many bytes were sent.
    Done {
        /// Bytes sent.
        bytes: usize,
    },
    /// The stream failed, panicked, passed the limit or the deadline: the
    /// trailers report it.
    Failed(Failure),
    /// The post was closed (the caller went away): nothing more can be
    /// reported, and the stream was dropped.
    Gone {
        /// Bytes sent before.
        bytes: usize,
    },
}

/// Sends each chunk of `chunks` to `outbox` as it is yielded, within the
/// deadline guard and the panic catcher and up to [`MAX_STREAMED_BYTES`].
pub(crate) async fn feed(
    outbox: &mut crate::pipe::Outbox,
    mut chunks: Chunks,
    deadline: &Deadline,
) -> Ended {
    use futures_util::StreamExt;
    let mut sent = 0usize;
    let work = async {
        loop {
            let chunk = match caught(chunks.next()).await {
                Err(panic) => return Ended::Failed(panic),
                Ok(None) => return Ended::Done { bytes: sent },
                Ok(Some(Err(diagnostic))) => return Ended::Failed(Failure::Handler(diagnostic)),
                Ok(Some(Ok(chunk))) => chunk,
            };
            if chunk.len() > MAX_STREAMED_BYTES - sent {
                return Ended::Failed(Failure::InvalidResponse(format!(
                    "the streamed response passed Lambda's limit of {MAX_STREAMED_BYTES} bytes after {sent} bytes; it was cut there"
                )));
            }
            if chunk.is_empty() {
                continue;
            }
            let len = chunk.len();
            if outbox.send(chunk).await.is_err() {
                return Ended::Gone { bytes: sent };
            }
            sent += len;
        }
    };
    // On expiry the stream is dropped, which stops what produces it.
    guarded(deadline, work).await.unwrap_or_else(Ended::Failed)
}

/// Standard base64 with padding (RFC 4648 §4): how the error trailer
/// carries its JSON.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(DIGITS[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Streaming` as a response type: what the check of a whole-event
/// function's response resolves to.
pub(crate) fn into_response(streaming: Streaming) -> crate::invocation::Response {
    crate::invocation::Response::Streamed(streaming)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    async fn collect(streaming: Streaming) -> Vec<Result<Bytes, String>> {
        streaming
            .chunks
            .map(|item| item.map_err(|d| format!("{}: {}", d.error_type, d.error_message)))
            .collect()
            .await
    }

    #[test]
    fn base64_pads_as_the_standard_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[tokio::test]
    async fn a_stream_yields_its_chunks_then_its_error() {
        let items: Vec<Result<&'static str, crate::Error>> =
            vec![Ok("a"), Ok("b"), Err("broken".into())];
        let streaming = Streaming::new(futures_util::stream::iter(items));
        assert_eq!(streaming.content_type, DEFAULT_CONTENT_TYPE);
        let got = collect(streaming).await;
        assert_eq!(got[0], Ok(Bytes::from_static(b"a")));
        assert_eq!(got[1], Ok(Bytes::from_static(b"b")));
        assert!(got[2].as_ref().unwrap_err().ends_with("broken"), "{got:?}");
    }

    #[tokio::test]
    async fn a_writer_is_read_as_it_writes_and_its_error_comes_last() {
        let streaming = Streaming::writer(async |out| {
            out.send("one").await?;
            out.send(String::from("two")).await?;
            // More than the channel holds: the writer waits for the reader.
            for _ in 0..10 {
                out.send(Bytes::from_static(b".")).await?;
            }
            Err::<(), crate::Error>("gave up".into())
        })
        .content_type("application/x-ndjson");
        assert_eq!(streaming.content_type, "application/x-ndjson");
        let got = collect(streaming).await;
        assert_eq!(got.len(), 13, "{got:?}");
        assert_eq!(got[0], Ok(Bytes::from_static(b"one")));
        assert_eq!(got[1], Ok(Bytes::from_static(b"two")));
        assert!(got[12].as_ref().unwrap_err().ends_with("gave up"));

        let fine = Streaming::writer(async |out| out.send("x").await);
        assert_eq!(collect(fine).await, [Ok(Bytes::from_static(b"x"))]);
    }

    #[tokio::test]
    async fn dropping_the_stream_drops_the_writing_function() {
        struct Dropped(Option<tokio::sync::oneshot::Sender<()>>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                let _ = self.0.take().map(|told| told.send(()));
            }
        }
        let (told, heard) = tokio::sync::oneshot::channel();
        let streaming = Streaming::writer(async move |out| {
            let _dropped = Dropped(Some(told));
            out.send("first").await?;
            // Waits for ever: only dropping the stream ends it.
            std::future::pending::<()>().await;
            Ok::<_, Gone>(())
        });
        let mut chunks = streaming.chunks;
        assert_eq!(
            chunks.next().await.unwrap().unwrap(),
            Bytes::from_static(b"first")
        );
        drop(chunks);
        assert!(heard.await.is_ok(), "the writing function was dropped");
    }
}
