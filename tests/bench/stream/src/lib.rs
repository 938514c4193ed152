//! The payload of the benchmark's `stream` scenario, shared by its four
//! functions (the same bytes, produced the same way) and by the driver that
//! checks them.
//!
//! An invocation asks for `bytes=N` (and, to probe a failure mid-stream,
//! `fail_after=K`) in its query string. The body is a *stamp* line,
//! `t=<CLOCK_MONOTONIC in ns, 20 digits>\n`, taken when the first chunk is
//! produced, then filler from [`PATTERN`] up to `N` bytes in all. The stamp
//! is what the driver measures the time to first byte from: the clock is
//! the same in every process of the machine, so "first byte received −
//! stamp" is how long the written byte took to reach the Runtime API.

use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};

/// An error of the payload's body (the `fail_after` probe).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The size of every filler chunk a streamed body sends (the last one may
/// be shorter).
pub const CHUNK: usize = 64 * 1024;

/// The length of the stamp line, `t=` + 20 digits + `\n`.
pub const STAMP_LEN: usize = 23;

/// Lambda's limit for a buffered (synchronous) response, in bytes
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const BUFFERED_LIMIT: usize = 6_291_556;

/// The content type the functions answer with.
pub const CONTENT_TYPE: &str = "text/plain";

/// The filler: `CHUNK` bytes of `abc…xyzabc…`. Streamed bodies send slices
/// of it (no copy); buffered ones copy it into their body.
pub static PATTERN: LazyLock<Bytes> =
    LazyLock::new(|| (0..CHUNK).map(|i| b'a' + (i % 26) as u8).collect());

/// `CLOCK_MONOTONIC` now, in nanoseconds: the clock of Rust's `Instant` on
/// Linux, shared by every process of the machine.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid `timespec` to write to.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &raw mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_MONOTONIC) failed");
    u64::try_from(now.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(now.tv_nsec).unwrap_or(0)
}

/// What an invocation asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ask {
    /// The body's length, the stamp included.
    pub bytes: usize,
    /// Fail the stream once this many bytes are produced.
    pub fail_after: Option<usize>,
}

impl Ask {
    /// Reads `bytes=N[&fail_after=K]`.
    ///
    /// # Errors
    ///
    /// When `bytes` is missing, is not a number or is shorter than the
    /// stamp, or a parameter is unknown.
    pub fn from_query(query: Option<&str>) -> Result<Self, String> {
        let mut bytes = None;
        let mut fail_after = None;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = value
                .parse::<usize>()
                .map_err(|_| format!("{name} must be a whole number, not {value:?}"))?;
            match name {
                "bytes" => bytes = Some(number),
                "fail_after" => fail_after = Some(number),
                other => return Err(format!("unknown query parameter {other:?}")),
            }
        }
        let bytes = bytes.ok_or("the query has no bytes=N")?;
        if bytes < STAMP_LEN {
            return Err(format!("bytes must be at least {STAMP_LEN}, not {bytes}"));
        }
        Ok(Self { bytes, fail_after })
    }

    /// The query string that asks for this.
    pub fn query(&self) -> String {
        match self.fail_after {
            None => format!("bytes={}", self.bytes),
            Some(after) => format!("bytes={}&fail_after={after}", self.bytes),
        }
    }
}

/// The stamp line of `ns`.
fn stamp(ns: u64) -> String {
    format!("t={ns:020}\n")
}

/// The whole payload, stamped now: what a buffered function answers.
pub fn whole(ask: Ask) -> String {
    let mut body = stamp(monotonic_ns());
    body.reserve(ask.bytes - STAMP_LEN);
    while body.len() < ask.bytes {
        let take = (ask.bytes - body.len()).min(CHUNK);
        // The pattern is ASCII.
        body.push_str(std::str::from_utf8(&PATTERN[..take]).expect("the pattern is ASCII"));
    }
    body
}

/// The payload as a streamed body: the stamp (taken when it is polled),
/// then [`CHUNK`]-byte slices of [`PATTERN`].
#[derive(Debug)]
pub struct PayloadBody {
    ask: Ask,
    sent: usize,
    failed: bool,
}

impl PayloadBody {
    /// The body `ask` asks for.
    pub fn new(ask: Ask) -> Self {
        Self {
            ask,
            sent: 0,
            failed: false,
        }
    }
}

impl Body for PayloadBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        if let Some(after) = this.ask.fail_after
            && this.sent >= after
        {
            this.failed = true;
            return Poll::Ready(Some(Err(format!(
                "the payload failed on purpose after {} bytes",
                this.sent
            )
            .into())));
        }
        if this.sent == 0 {
            this.sent = STAMP_LEN;
            return Poll::Ready(Some(Ok(Frame::data(stamp(monotonic_ns()).into()))));
        }
        let left = this.ask.bytes - this.sent;
        if left == 0 {
            return Poll::Ready(None);
        }
        let take = left.min(CHUNK);
        this.sent += take;
        Poll::Ready(Some(Ok(Frame::data(PATTERN.slice(..take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.ask.bytes && self.ask.fail_after.is_none()
    }
}

/// Checks that `payload` is what `bytes=N` asks for and returns its stamp.
///
/// # Errors
///
/// What is wrong: the length, the stamp line or a filler byte.
pub fn check(payload: &[u8], bytes: usize) -> Result<u64, String> {
    if payload.len() != bytes {
        return Err(format!("{} bytes, not {bytes}", payload.len()));
    }
    let line = &payload[..STAMP_LEN];
    let digits = line
        .strip_prefix(b"t=")
        .and_then(|rest| rest.strip_suffix(b"\n"))
        .filter(|digits| digits.iter().all(u8::is_ascii_digit))
        .ok_or_else(|| {
            format!(
                "no stamp line: {:?}",
                String::from_utf8_lossy(&line[..line.len().min(STAMP_LEN)])
            )
        })?;
    let ns = std::str::from_utf8(digits)
        .ok()
        .and_then(|digits| digits.parse().ok())
        .ok_or("the stamp is not a number")?;
    for (k, piece) in payload[STAMP_LEN..].chunks(CHUNK).enumerate() {
        if piece != &PATTERN[..piece.len()] {
            return Err(format!("the filler differs in chunk {k}"));
        }
    }
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn collect(body: PayloadBody) -> (Vec<u8>, Option<String>) {
        let mut body = body;
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => bytes.extend_from_slice(&frame.into_data().unwrap()),
                Err(err) => return (bytes, Some(err.to_string())),
            }
        }
        (bytes, None)
    }

    #[tokio::test]
    async fn streamed_and_whole_bodies_are_the_same_payload() {
        for bytes in [STAMP_LEN, 1000, CHUNK, CHUNK + STAMP_LEN + 1, 3 * CHUNK + 7] {
            let ask = Ask::from_query(Some(&format!("bytes={bytes}"))).unwrap();
            let before = monotonic_ns();
            let (streamed, error) = collect(PayloadBody::new(ask)).await;
            assert_eq!(error, None);
            let stamp = check(&streamed, bytes).unwrap();
            assert!(stamp >= before && stamp <= monotonic_ns());
            let buffered = whole(ask);
            check(buffered.as_bytes(), bytes).unwrap();
            assert_eq!(buffered.as_bytes()[STAMP_LEN..], streamed[STAMP_LEN..]);
        }
    }

    #[tokio::test]
    async fn fail_after_ends_the_stream_with_an_error() {
        let ask = Ask::from_query(Some("bytes=1000000&fail_after=100000")).unwrap();
        assert_eq!(ask.query(), "bytes=1000000&fail_after=100000");
        let (bytes, error) = collect(PayloadBody::new(ask)).await;
        assert_eq!(bytes.len(), STAMP_LEN + 2 * CHUNK);
        assert!(error.unwrap().contains("on purpose"));
    }

    #[test]
    fn bad_queries_and_bodies_are_named() {
        assert!(Ask::from_query(None).unwrap_err().contains("bytes=N"));
        assert!(
            Ask::from_query(Some("bytes=x"))
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            Ask::from_query(Some("bytes=3"))
                .unwrap_err()
                .contains("at least")
        );
        assert!(
            Ask::from_query(Some("bytes=30&b=1"))
                .unwrap_err()
                .contains("unknown")
        );
        let good = whole(Ask::from_query(Some("bytes=100")).unwrap());
        assert!(check(good.as_bytes(), 99).unwrap_err().contains("not 99"));
        let mut bad = good.clone().into_bytes();
        bad[60] = b'!';
        assert!(check(&bad, 100).unwrap_err().contains("filler"));
        bad[3] = b'x';
        assert!(check(&bad, 100).unwrap_err().contains("stamp"));
    }
}
