//! The body of a streamed post: chunks queued by the invocation's task and
//! read by hyper's connection task.
//!
//! A one-chunk hand-off (what `lambda_runtime_api_client`'s body channel
//! is) makes hyper write, and with `TCP_NODELAY` send, every chunk on its
//! own: a fast producer pays one task switch, one `writev` and a short TCP
//! segment for each. Here the producer may queue up to a budget of bytes
//! before it waits, so hyper finds every chunk produced since its last
//! write ready and writes them together (one `writev`, full segments),
//! while a slow producer's chunk is still written the moment it is queued.
//! Memory stays bounded by the budget: the chunks are moved, not copied.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame};

/// How many bytes the producer may queue before it waits for hyper to take
/// them: four 64 KiB chunks, a little over what hyper writes at once.
pub(crate) const BUDGET: usize = 256 * 1024;

/// A chunk smaller than this is handed to hyper at once: the producer
/// yields to the connection task before it produces more. Small chunks are
/// the ones a caller waits for (a line, an event, the first bytes); large
/// ones are throughput, and are batched.
const SMALL: usize = 16 * 1024;

#[derive(Default)]
struct State {
    queue: VecDeque<Bytes>,
    queued: usize,
    trailers: Option<HeaderMap>,
    /// The producer has finished: after the queue and the trailers, the
    /// body ends.
    finished: bool,
    /// hyper dropped the body: the post is over (the caller went away).
    closed: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

struct Shared {
    state: Mutex<State>,
    budget: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned one still holds
        // a consistent state.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The producer's end.
pub(crate) struct Outbox {
    shared: Arc<Shared>,
}

/// The end hyper reads: an [`http_body::Body`] of the queued chunks, then
/// the trailers, if any.
pub(crate) struct PipeBody {
    shared: Arc<Shared>,
}

/// The body has been dropped: nothing more can be sent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// A pipe whose producer may queue up to `budget` bytes.
pub(crate) fn pipe(budget: usize) -> (Outbox, PipeBody) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        budget,
    });
    (
        Outbox {
            shared: shared.clone(),
        },
        PipeBody { shared },
    )
}

impl Outbox {
    /// Queues `chunk`, first waiting while the budget is used up (a chunk
    /// larger than the budget goes alone).
    pub(crate) async fn send(&mut self, chunk: Bytes) -> Result<(), Closed> {
        let small = chunk.len() < SMALL;
        let mut chunk = Some(chunk);
        std::future::poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.closed {
                return Poll::Ready(Err(Closed));
            }
            if state.queued >= self.shared.budget {
                state.writer = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let Some(chunk) = chunk.take() else {
                return Poll::Ready(Ok(()));
            };
            state.queued += chunk.len();
            state.queue.push_back(chunk);
            let reader = state.reader.take();
            drop(state);
            if let Some(reader) = reader {
                reader.wake();
            }
            Poll::Ready(Ok(()))
        })
        .await?;
        if small {
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// Ends the body after what is queued, with `trailers` last if any.
    pub(crate) fn finish(self, trailers: Option<HeaderMap>) {
        self.shared.lock().trailers = trailers;
        // Dropping ends the body.
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.finished = true;
        let reader = state.reader.take();
        drop(state);
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

impl Body for PipeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let mut state = self.shared.lock();
        if let Some(chunk) = state.queue.pop_front() {
            state.queued -= chunk.len();
            let writer = if state.queued < self.shared.budget {
                state.writer.take()
            } else {
                None
            };
            drop(state);
            if let Some(writer) = writer {
                writer.wake();
            }
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if !state.finished {
            state.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(
            state
                .trailers
                .take()
                .map(|trailers| Ok(Frame::trailers(trailers))),
        )
    }

    fn is_end_stream(&self) -> bool {
        let state = self.shared.lock();
        state.finished && state.queue.is_empty() && state.trailers.is_none()
    }
}

impl Drop for PipeBody {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closed = true;
        state.queue.clear();
        let writer = state.writer.take();
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn chunks_then_trailers_then_the_end() {
        let (mut outbox, mut body) = pipe(BUDGET);
        outbox.send(Bytes::from_static(b"one")).await.unwrap();
        outbox.send(Bytes::from_static(b"two")).await.unwrap();
        let mut trailers = HeaderMap::new();
        trailers.insert("x-end", "yes".parse().unwrap());
        outbox.finish(Some(trailers));
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap());
        }
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].data_ref().unwrap(), "one");
        assert_eq!(frames[1].data_ref().unwrap(), "two");
        assert_eq!(frames[2].trailers_ref().unwrap()["x-end"], "yes");
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn the_producer_waits_at_the_budget_and_resumes_when_read() {
        let (mut outbox, mut body) = pipe(8);
        outbox.send(Bytes::from_static(b"12345678")).await.unwrap();
        // The budget is used up: the next chunk waits for a read.
        let mut next = std::pin::pin!(outbox.send(Bytes::from_static(b"9")));
        assert!(futures_util::poll!(next.as_mut()).is_pending());
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.data_ref().unwrap(), "12345678");
        assert_eq!(next.await, Ok(()));
        let second = body.frame().await.unwrap().unwrap();
        assert_eq!(second.data_ref().unwrap(), "9");
    }

    #[tokio::test]
    async fn a_dropped_body_closes_the_pipe_even_for_a_waiting_producer() {
        let (mut outbox, body) = pipe(1);
        outbox.send(Bytes::from_static(b"ab")).await.unwrap();
        let mut next = std::pin::pin!(outbox.send(Bytes::from_static(b"c")));
        assert!(futures_util::poll!(next.as_mut()).is_pending());
        drop(body);
        assert_eq!(next.await, Err(Closed));
    }

    #[tokio::test]
    async fn a_reader_waiting_for_a_chunk_is_woken() {
        let (mut outbox, mut body) = pipe(BUDGET);
        let read = tokio::spawn(async move { body.frame().await.map(|f| f.unwrap()) });
        tokio::task::yield_now().await;
        outbox.send(Bytes::from_static(b"late")).await.unwrap();
        let frame = read.await.unwrap().unwrap();
        assert_eq!(frame.data_ref().unwrap(), "late");
        drop(outbox);
    }
}
