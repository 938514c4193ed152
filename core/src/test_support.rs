//! What the unit tests of every layer share.

use crate::Diagnostic;
use crate::decode::Decoder;
use crate::failure::Failure;
use crate::invocation::Invocation;
use crate::trigger::{Batch, Fixed, Trigger, WithBody};

/// Asserts that `message` starts with `prefix`, showing both when not.
#[track_caller]
pub(crate) fn assert_starts_with(message: &str, prefix: &str) {
    assert!(
        message.starts_with(prefix),
        "{message:?} does not start with {prefix:?}"
    );
}

/// Asserts that `message` contains `part`, showing both when not.
#[track_caller]
pub(crate) fn assert_contains(message: &str, part: &str) {
    assert!(
        message.contains(part),
        "{message:?} does not contain {part:?}"
    );
}

/// Asserts that a failure is reported as `error_type` with `message`.
#[track_caller]
pub(crate) fn assert_failure(err: &crate::Diagnostic, error_type: &str, message: &str) {
    assert_eq!(
        (err.error_type.as_str(), err.error_message.as_str()),
        (error_type, message)
    );
}

/// An event `{"Records": [...]}` of one record per item, built by `record`
/// from the item's index and the item.
pub(crate) fn records_event<T>(
    items: &[T],
    record: impl Fn(usize, &T) -> serde_json::Value,
) -> Vec<u8> {
    let records: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(index, item)| record(index, item))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap()
}

/// What the trigger modules' unit tests call: a record's payload as the
/// handler would get it, with a failure as the diagnostic Lambda would see.
pub(crate) trait Tested: Trigger {
    /// [`WithBody::body`], reported.
    fn payload<B>(record: &Self::Record, decode: Decoder<B>) -> Result<B, Diagnostic>
    where
        Self: WithBody,
    {
        Self::body(record, decode).map_err(Failure::into_diagnostic)
    }

    /// [`WithBody::wrap`], reported.
    fn record<B>(record: &Self::Record, decode: Decoder<B>) -> Result<Self::Wrapper<B>, Diagnostic>
    where
        Self: WithBody,
    {
        Self::wrap(record, decode).map_err(Failure::into_diagnostic)
    }

    /// [`Fixed::payload`], reported.
    fn fixed(record: &Self::Record) -> Result<Self::Payload, Diagnostic>
    where
        Self: Fixed,
    {
        <Self as Fixed>::payload(record).map_err(Failure::into_diagnostic)
    }
}

impl<T: Trigger> Tested for T {}

/// What a trigger module's test of a whole invocation sees.
pub(crate) type Answer = Result<Vec<u8>, Diagnostic>;

/// Serves `event` with `handler` through [`Batch`], as the generated code
/// does, and reports the answer as Lambda would see it.
pub(crate) async fn serve_batch<T, P, F>(
    handler: F,
    decode: fn(&T::Record) -> Result<P, Failure>,
    concurrency: usize,
    event: &[u8],
) -> Answer
where
    T: Trigger<Output = ()>,
    F: AsyncFn(P, &Invocation<'_, ()>) -> Result<(), crate::Error>,
{
    let adapter: Batch<T, F, P, (), crate::Error> = Batch::new(
        handler,
        decode,
        crate::IntoDiagnostic::into_diagnostic,
        concurrency,
    );
    crate::invocation::call_without_deadline(&adapter, event).await
}

/// Calls `handler` with `event` as Lambda would with `budget` left before
/// the deadline guard fires (no deadline at all when `None`), and reports
/// the answer as Lambda would see it.
pub(crate) async fn call_within<H: crate::invocation::Handler<()>>(
    handler: &H,
    event: &[u8],
    budget: Option<std::time::Duration>,
) -> Answer {
    let Some(budget) = budget else {
        return crate::invocation::call_without_deadline(handler, event).await;
    };
    let context = crate::Context::default();
    let deadline = crate::Deadline::after(std::time::Instant::now(), budget);
    let invocation = Invocation::new(&context, &(), &deadline);
    handler
        .call(event, &invocation)
        .await
        .map(|outcome| outcome.buffered())
        .map_err(Failure::into_diagnostic)
}

/// A loopback stand-in for CloudFormation's presigned S3 URL, for the
/// custom resource tests: plain HTTP on 127.0.0.1, on the test's runtime,
/// answering each request with the next status of its script (then
/// `then`), as S3 does: an empty `200`, or its XML error document. Every
/// request is kept before it is answered, so it is there by the time the
/// PUT returns.
#[cfg(feature = "custom_resource")]
pub(crate) mod bucket {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{TcpListener, TcpStream};

    /// One request as the bucket read it.
    #[derive(Clone)]
    pub(crate) struct Put {
        pub(crate) method: String,
        /// The request target: path and query, as sent.
        pub(crate) target: String,
        pub(crate) headers: Vec<(String, String)>,
        pub(crate) body: Vec<u8>,
    }

    impl Put {
        /// The header `name`, whatever its case.
        pub(crate) fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        }

        /// The body as JSON (`null` when it is not).
        pub(crate) fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap_or_default()
        }
    }

    impl std::fmt::Debug for Put {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Put")
                .field("method", &self.method)
                .field("target", &self.target)
                .field("headers", &self.headers)
                .field("body", &String::from_utf8_lossy(&self.body))
                .finish()
        }
    }

    /// The bucket; it stops accepting when dropped.
    pub(crate) struct Bucket {
        port: u16,
        connections: Arc<AtomicUsize>,
        puts: Arc<Mutex<Vec<Put>>>,
        accepting: tokio::task::JoinHandle<()>,
    }

    impl Drop for Bucket {
        fn drop(&mut self) {
            self.accepting.abort();
        }
    }

    impl Bucket {
        /// A bucket answering `script`, then `then` to every request.
        pub(crate) async fn answering(script: &[u16], then: u16) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let port = listener.local_addr().expect("a bound port").port();
            let connections = Arc::new(AtomicUsize::new(0));
            let puts = Arc::new(Mutex::new(Vec::new()));
            let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
            let (counted, kept) = (connections.clone(), puts.clone());
            let accepting = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let status = script
                        .lock()
                        .expect("not poisoned")
                        .pop_front()
                        .unwrap_or(then);
                    tokio::spawn(answer(stream, status, kept.clone()));
                }
            });
            Self {
                port,
                connections,
                puts,
                accepting,
            }
        }

        /// The bucket's port on 127.0.0.1.
        pub(crate) fn port(&self) -> u16 {
            self.port
        }

        /// A presigned URL of this bucket: `http://127.0.0.1:<port>/<key>?X-Amz-Signature=...`.
        pub(crate) fn url(&self) -> String {
            format!(
                "http://127.0.0.1:{}/cr-response-key?X-Amz-Signature=secret-signature",
                self.port
            )
        }

        /// The connections accepted (one that sent no request counts too).
        pub(crate) fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }

        /// The requests read, in order.
        pub(crate) fn puts(&self) -> Vec<Put> {
            self.puts.lock().expect("not poisoned").clone()
        }
    }

    /// Reads one request, keeps it, then answers it `status`.
    async fn answer(stream: TcpStream, status: u16, puts: Arc<Mutex<Vec<Put>>>) -> Option<()> {
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        stream.read_line(&mut line).await.ok()?;
        let mut parts = line.split_whitespace();
        let method = parts.next()?.to_owned();
        let target = parts.next()?.to_owned();
        let (mut headers, mut length) = (Vec::new(), 0);
        loop {
            line.clear();
            stream.read_line(&mut line).await.ok()?;
            let header = line.trim_end_matches(['\r', '\n']);
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':')?;
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.ok()?;
        puts.lock().expect("not poisoned").push(Put {
            method,
            target,
            headers,
            body,
        });
        let error = match status {
            200..=299 => "",
            403 => "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            _ => {
                "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            }
        };
        let answer = format!(
            "HTTP/1.1 {status} Status\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{error}",
            error.len()
        );
        stream.write_all(answer.as_bytes()).await.ok()?;
        stream.shutdown().await.ok()
    }
}
