//! The `stream` scenario: streamed against buffered HTTP responses of 1 KB,
//! 1 MB and 50 MB through the loopback Runtime API, `#[lambda(http,
//! stream)]` and `#[lambda(http)]` against the same function hand-written
//! on lambda_http (`run_with_streaming_response` and `run`).
//!
//! Every function answers the payload of `lambda_fn_bench_stream`: a stamp
//! line (`CLOCK_MONOTONIC` when the first chunk is produced, or when the
//! buffered body is built) and filler. Per invocation the driver measures:
//!
//! - **first byte after the write**: the first payload byte's arrival at the
//!   Runtime API − the stamp. For a buffered response Lambda has nothing to
//!   send the caller before the whole answer has arrived, so its "first
//!   byte" is the complete answer;
//! - **first byte after the event**: the same arrival − the event served on
//!   `/next`, what the caller waits;
//! - **throughput**: payload bytes / (answer complete − event served);
//!
//! and per process its peak RSS (`VmHWM`). Probes then show what reaches
//! the Runtime API when a stream fails mid-way, and when a buffered body is
//! over Lambda's 6 MB.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lambda_fn::testing::Answer;
use lambda_fn_bench::report::{Bound, Check};
use lambda_fn_bench::stats::{median, percentile};
use lambda_fn_bench_stream::{Ask, BUFFERED_LIMIT, monotonic_ns};
use serde_json::{Value, json};

use crate::measure::{self, Cpus, Launch, Load, Outcome};

/// The trailer a mid-stream error is reported in.
const ERROR_TYPE_TRAILER: &str = "Lambda-Runtime-Function-Error-Type";

/// The prelude's end in a streamed HTTP response.
const DELIMITER: [u8; 8] = [0; 8];

/// One of the four functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Function {
    /// `stream-a`: `#[lambda(http, stream)]`.
    Streamed,
    /// `stream-peer`: lambda_http's `run_with_streaming_response`.
    PeerStreamed,
    /// `stream-a-buffered`: `#[lambda(http)]`.
    Buffered,
    /// `stream-peer-buffered`: lambda_http's `run`.
    PeerBuffered,
}

impl Function {
    /// Every function, in the order of the table.
    pub const ALL: [Function; 4] = [
        Function::Streamed,
        Function::PeerStreamed,
        Function::Buffered,
        Function::PeerBuffered,
    ];

    /// Its binary.
    pub fn binary(self) -> &'static str {
        match self {
            Function::Streamed => "stream-a",
            Function::PeerStreamed => "stream-peer",
            Function::Buffered => "stream-a-buffered",
            Function::PeerBuffered => "stream-peer-buffered",
        }
    }

    /// How it is written.
    fn written(self) -> &'static str {
        match self {
            Function::Streamed => "`#[lambda(http, stream)]`",
            Function::PeerStreamed => "lambda_http `run_with_streaming_response`",
            Function::Buffered => "`#[lambda(http)]`",
            Function::PeerBuffered => "lambda_http `run`",
        }
    }

    fn streams(self) -> bool {
        matches!(self, Function::Streamed | Function::PeerStreamed)
    }

    /// Whether it is measured at `bytes`: a buffered response is held to
    /// Lambda's 6 MB (the probe shows what each does past it).
    fn measured_at(self, bytes: usize) -> bool {
        self.streams() || bytes <= BUFFERED_LIMIT
    }
}

/// The response sizes measured, in bytes.
pub const SIZES: [usize; 3] = [1_000, 1_000_000, 50_000_000];

/// How much to measure.
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    /// Processes per function and size.
    pub runs: usize,
    /// Measured invocations per process, per size of [`SIZES`].
    pub invocations: [usize; 3],
    /// Unmeasured invocations per process before them.
    pub warmup: usize,
}

/// The figures of one function at one size.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The function.
    pub function: Function,
    /// The payload's size.
    pub bytes: usize,
    /// Invocations measured.
    pub invocations: usize,
    /// First byte after the write, p50 / p99 / max, µs.
    pub after_write_us: [f64; 3],
    /// First byte after the event served, p50, µs.
    pub after_event_us: f64,
    /// Throughput, the median of the invocations', MB/s.
    pub mb_per_s: f64,
    /// Peak RSS, the median of the processes', KiB.
    pub peak_rss_kib: f64,
    /// The function's CPU time per invocation served (its start and the
    /// warm-up included), µs.
    pub cpu_us: f64,
}

/// What one probe showed.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// The function probed.
    pub function: Function,
    /// What was asked.
    pub ask: Ask,
    /// The error type the Runtime API recorded (posted, or in the trailers).
    pub error: Option<(String, String)>,
    /// The `Lambda-Runtime-Function-Error-Type` trailer, if one was sent.
    pub trailer: Option<String>,
    /// Whether the body holds `Lambda-Runtime-Function-Error-*` text.
    pub error_in_body: bool,
    /// The body's length as received.
    pub body_len: usize,
    /// Whether the process answered the next invocation right.
    pub then_served: bool,
}

/// The answer's payload, checked: the stamp it carries, and the instant its
/// first byte arrived. `Err` says what is wrong.
fn payload(function: Function, ask: Ask, outcome: Outcome<'_>) -> Result<u64, String> {
    let body = outcome.map_err(|(kind, message)| format!("an error {kind}: {message}"))?;
    if function.streams() {
        let at = find(body, &DELIMITER).ok_or("no prelude delimiter")?;
        let prelude: Value = serde_json::from_slice(&body[..at])
            .map_err(|err| format!("the prelude is not JSON: {err}"))?;
        if prelude["statusCode"] != 200 {
            return Err(format!("the prelude is not a 200: {prelude}"));
        }
        lambda_fn_bench_stream::check(&body[at + DELIMITER.len()..], ask.bytes)
    } else {
        let response: Value = serde_json::from_slice(body)
            .map_err(|err| format!("the response is not JSON: {err}"))?;
        if response["statusCode"] != 200 || response["isBase64Encoded"] == true {
            return Err(format!(
                "not a 200 with a text body: status {}",
                response["statusCode"]
            ));
        }
        let text = response["body"].as_str().ok_or("no body string")?;
        lambda_fn_bench_stream::check(text.as_bytes(), ask.bytes)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// When the first payload byte of `answer` arrived: the first chunk past
/// the prelude of a streamed answer, the whole answer of a buffered one.
fn first_payload_byte(answer: &Answer) -> Option<Instant> {
    let Some(streamed) = &answer.streamed else {
        return Some(answer.answered_at);
    };
    let prelude = find(&streamed.body, &DELIMITER)? + DELIMITER.len();
    let mut end = 0;
    streamed.chunks.iter().find_map(|&(at, len)| {
        end += len;
        (end > prelude).then_some(at)
    })
}

/// Converts instants to `CLOCK_MONOTONIC` nanoseconds, the stamps' clock.
#[derive(Clone, Copy)]
struct Clock {
    instant: Instant,
    ns: u64,
}

impl Clock {
    fn now() -> Self {
        Self {
            instant: Instant::now(),
            ns: monotonic_ns(),
        }
    }

    fn ns(self, at: Instant) -> i128 {
        let ns = i128::from(self.ns);
        if at >= self.instant {
            ns + (at - self.instant).as_nanos() as i128
        } else {
            ns - (self.instant - at).as_nanos() as i128
        }
    }
}

/// The event of one invocation: the function URL sample event, rewritten to
/// `GET /payload?<ask>`.
fn event(http_request: &Value, ask: Ask, index: usize) -> Vec<u8> {
    let mut event = http_request.clone();
    event["rawPath"] = "/payload".into();
    event["rawQueryString"] = ask.query().into();
    event["requestContext"]["http"]["path"] = "/payload".into();
    event["requestContext"]["requestId"] = format!("{index:08x}-stream").into();
    event["cookies"] = json!([]);
    serde_json::to_vec(&event).expect("events serialize")
}

/// What one process measured, per invocation: ns after the write, ns after
/// the event, MB/s.
struct Samples {
    after_write_ns: Vec<u64>,
    after_event_ns: Vec<u64>,
    mb_per_s: Vec<f64>,
    peak_rss_kib: u64,
    /// The process's CPU time over its life, and the invocations it served.
    cpu: (Duration, usize),
}

async fn run_one(
    bin_dir: &Path,
    function: Function,
    bytes: usize,
    (warmup, measured): (usize, usize),
    http_request: &Value,
    cpus: Cpus<'_>,
) -> Result<Samples, String> {
    let ask = Ask {
        bytes,
        fail_after: None,
    };
    let make = |index| event(http_request, ask, index);
    let check = |_: usize, outcome: Outcome<'_>| payload(function, ask, outcome).map(|_| ());
    let load = Load {
        event: &make,
        check: &check,
        per_invocation: Duration::from_millis(100) + Duration::from_nanos(bytes as u64 * 20),
        keep_logs: false,
        keep_answers: true,
    };
    let binary = bin_dir.join(function.binary());
    let clock = Clock::now();
    let run = measure::run_process(Launch::binary(&binary), &load, warmup, measured, cpus).await?;
    let mut samples = Samples {
        after_write_ns: Vec::with_capacity(measured),
        after_event_ns: Vec::with_capacity(measured),
        mb_per_s: Vec::with_capacity(measured),
        peak_rss_kib: run.peak_rss_kib,
        cpu: (run.cpu_time, run.served),
    };
    for answer in &run.answers {
        let index: usize = answer
            .request_id
            .as_deref()
            .and_then(|id| id.strip_prefix("inv-"))
            .and_then(|index| index.parse().ok())
            .ok_or("an answer to no invocation")?;
        if index < warmup {
            continue;
        }
        let stamp = payload(function, ask, measure::outcome(answer))?;
        let first = first_payload_byte(answer).ok_or("no payload byte arrived")?;
        let served = answer.served_at.ok_or("an answer never served")?;
        let after_write = clock.ns(first) - i128::from(stamp);
        let after_write = u64::try_from(after_write).map_err(|_| {
            format!(
                "{}: the first byte arrived {after_write} ns before its stamp",
                function.binary()
            )
        })?;
        samples.after_write_ns.push(after_write);
        samples
            .after_event_ns
            .push(u64::try_from((first - served).as_nanos()).unwrap_or(u64::MAX));
        let took = (answer.answered_at - served).as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        samples.mb_per_s.push(bytes as f64 / 1e6 / took);
    }
    Ok(samples)
}

/// Measures every function at every size: `counts.runs` processes each,
/// the functions alternating process by process.
pub async fn measure(
    bin_dir: &Path,
    http_request: &Value,
    counts: Counts,
    cpus: Cpus<'_>,
) -> Result<(Vec<Row>, Vec<Probe>), String> {
    let mut rows = Vec::new();
    for (&bytes, &invocations) in SIZES.iter().zip(&counts.invocations) {
        let functions: Vec<Function> = Function::ALL
            .into_iter()
            .filter(|function| function.measured_at(bytes))
            .collect();
        let mut pooled: BTreeMap<Function, Vec<Samples>> = BTreeMap::new();
        for round in 0..counts.runs {
            for k in 0..functions.len() {
                let function = functions[(round + k) % functions.len()];
                let samples = run_one(
                    bin_dir,
                    function,
                    bytes,
                    (counts.warmup, invocations),
                    http_request,
                    cpus,
                )
                .await?;
                pooled.entry(function).or_default().push(samples);
            }
            eprint!(".");
        }
        for function in functions {
            let row = summarize(function, bytes, &pooled[&function]);
            eprintln!(
                "  stream {} {}: first byte {:.0} / {:.0} / {:.0} µs after the write (p50/p99/max), {:.0} µs after the event, {:.0} MB/s, CPU {:.0} µs/inv, RSS {:.0} KiB",
                size(bytes),
                function.binary(),
                row.after_write_us[0],
                row.after_write_us[1],
                row.after_write_us[2],
                row.after_event_us,
                row.mb_per_s,
                row.cpu_us,
                row.peak_rss_kib
            );
            rows.push(row);
        }
    }
    let mut probes = Vec::new();
    for function in Function::ALL {
        let ask = if function.streams() {
            Ask {
                bytes: 1_000_000,
                fail_after: Some(100_000),
            }
        } else {
            Ask {
                bytes: 50_000_000,
                fail_after: None,
            }
        };
        probes.push(probe(bin_dir, function, ask, http_request, cpus).await?);
    }
    Ok((rows, probes))
}

/// Pools the processes of one function at one size.
#[allow(clippy::cast_precision_loss)]
fn summarize(function: Function, bytes: usize, runs: &[Samples]) -> Row {
    let sorted = |pick: fn(&Samples) -> &Vec<u64>| {
        let mut all: Vec<u64> = runs
            .iter()
            .flat_map(|run| pick(run).iter().copied())
            .collect();
        all.sort_unstable();
        all
    };
    let after_write = sorted(|run| &run.after_write_ns);
    let after_event = sorted(|run| &run.after_event_ns);
    let us = |sorted: &[u64], p: f64| percentile(sorted, p).unwrap_or(0) as f64 / 1000.0;
    let mb_per_s: Vec<f64> = runs
        .iter()
        .flat_map(|run| run.mb_per_s.iter().copied())
        .collect();
    let rss: Vec<f64> = runs.iter().map(|run| run.peak_rss_kib as f64).collect();
    Row {
        function,
        bytes,
        invocations: after_write.len(),
        after_write_us: [
            us(&after_write, 50.0),
            us(&after_write, 99.0),
            us(&after_write, 100.0),
        ],
        after_event_us: us(&after_event, 50.0),
        mb_per_s: median(&mb_per_s).unwrap_or(0.0),
        peak_rss_kib: median(&rss).unwrap_or(0.0),
        cpu_us: {
            let cpu: Duration = runs.iter().map(|run| run.cpu.0).sum();
            let served: usize = runs.iter().map(|run| run.cpu.1).sum();
            cpu.as_secs_f64() * 1e6 / served.max(1) as f64
        },
    }
}

/// Serves `function` the probe `ask`, then an ordinary invocation, and
/// records what reached the Runtime API.
async fn probe(
    bin_dir: &Path,
    function: Function,
    ask: Ask,
    http_request: &Value,
    cpus: Cpus<'_>,
) -> Result<Probe, String> {
    let next = Ask {
        bytes: 1_000,
        fail_after: None,
    };
    let make = |index| event(http_request, if index == 0 { ask } else { next }, index);
    // The probe's answer is recorded, not judged; the next must be right.
    let check = |index: usize, outcome: Outcome<'_>| {
        if index == 0 {
            Ok(())
        } else {
            payload(function, next, outcome).map(|_| ())
        }
    };
    let load = Load {
        event: &make,
        check: &check,
        per_invocation: Duration::from_secs(5),
        keep_logs: false,
        keep_answers: true,
    };
    let binary = bin_dir.join(function.binary());
    let run = measure::run_process(Launch::binary(&binary), &load, 0, 2, cpus).await?;
    let answer = run
        .answers
        .iter()
        .find(|answer| answer.request_id.as_deref() == Some("inv-0"))
        .ok_or("the probe has no answer")?;
    let body: &[u8] = match (&answer.streamed, &answer.outcome) {
        (Some(streamed), _) => &streamed.body,
        (None, Ok(body)) => body,
        (None, Err(_)) => &[],
    };
    Ok(Probe {
        function,
        ask,
        error: answer.outcome.as_ref().err().cloned(),
        trailer: answer
            .streamed
            .as_ref()
            .and_then(|streamed| streamed.trailer(ERROR_TYPE_TRAILER))
            .map(str::to_owned),
        error_in_body: find(body, b"Lambda-Runtime-Function-Error").is_some(),
        body_len: body.len(),
        // `run_process` checked the second answer.
        then_served: run.answers.len() == 2,
    })
}

/// The CPU time the hypervisor has taken from this machine's CPUs since
/// boot (the `steal` column of `/proc/stat`): what makes a virtual
/// machine's latencies jump now and then. `None` where it is not counted.
pub fn stolen() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: u64 = stat
        .lines()
        .next()?
        .split_whitespace()
        .nth(8)?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    Some(Duration::from_millis(ticks * 1000 / per_second.max(1)))
}

/// A throughput with two significant digits below 10 MB/s.
fn rate(mb_per_s: f64) -> String {
    if mb_per_s < 10.0 {
        format!("{mb_per_s:.2} MB/s")
    } else {
        format!("{mb_per_s:.0} MB/s")
    }
}

/// `1 KB`, `1 MB`, `50 MB`.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{} MB", b / 1_000_000),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}

fn find_row(rows: &[Row], function: Function, bytes: usize) -> Option<&Row> {
    rows.iter()
        .find(|row| row.function == function && row.bytes == bytes)
}

/// The markdown tables: the figures, then the probes.
pub fn table(rows: &[Row], probes: &[Probe]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "| size | function | written with | first byte after the write p50 / p99 / max | first byte after the event p50 | throughput | CPU per invocation | peak RSS | invocations |\n|---|---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for &bytes in &SIZES {
        for function in Function::ALL {
            let Some(row) = find_row(rows, function, bytes) else {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | not run: a buffered response is held to Lambda's {BUFFERED_LIMIT} bytes (see the probes) | | | | | |",
                    size(bytes),
                    function.binary(),
                    function.written()
                );
                continue;
            };
            let ms = |us: f64| {
                if us >= 1000.0 {
                    format!("{:.1} ms", us / 1000.0)
                } else {
                    format!("{us:.0} µs")
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} / {} / {} | {} | {} | {} | {:.1} MB | {} |",
                size(bytes),
                function.binary(),
                function.written(),
                ms(row.after_write_us[0]),
                ms(row.after_write_us[1]),
                ms(row.after_write_us[2]),
                ms(row.after_event_us),
                rate(row.mb_per_s),
                ms(row.cpu_us),
                row.peak_rss_kib * 1024.0 / 1e6,
                row.invocations
            );
        }
    }
    out.push_str("\n| probe | function | what reached the Runtime API | the next invocation |\n|---|---|---|---|\n");
    for probe in probes {
        let what = match probe.ask.fail_after {
            Some(after) => format!("the body fails after {after} of {} bytes", probe.ask.bytes),
            None => format!("a buffered body of {} bytes", probe.ask.bytes),
        };
        let received = match (&probe.trailer, &probe.error, probe.error_in_body) {
            (Some(trailer), _, false) => format!(
                "{} body bytes, then the trailer `{ERROR_TYPE_TRAILER}: {trailer}`: the invocation fails",
                probe.body_len
            ),
            (_, _, true) => format!(
                "{} body bytes with the error's `Lambda-Runtime-Function-Error-*` lines written into the body, no trailers: the caller gets them as data, and the invocation succeeds",
                probe.body_len
            ),
            (None, Some((kind, message)), false) => {
                format!("the error `{kind}`: {message}")
            }
            (None, None, false) => format!(
                "a {}-byte response, answered as a success (Lambda refuses a buffered response over {BUFFERED_LIMIT} bytes)",
                probe.body_len
            ),
        };
        let _ = writeln!(
            out,
            "| {what} | {} | {received} | {} |",
            probe.function.binary(),
            if probe.then_served {
                "served"
            } else {
                "**not served**"
            }
        );
    }
    out
}

/// The targets of the scenario.
pub fn checks(rows: &[Row], probes: &[Probe]) -> Vec<Check> {
    let mut checks = Vec::new();
    for &bytes in &SIZES {
        if let Some(row) = find_row(rows, Function::Streamed, bytes) {
            checks.push(Check {
                what: format!(
                    "stream {}: first byte p99 after stream-a writes it",
                    size(bytes)
                ),
                measured: row.after_write_us[1] / 1000.0,
                bound: Bound::AtMostOf(1.0, "ms"),
            });
        }
        if let (Some(ours), Some(peer)) = (
            find_row(rows, Function::Streamed, bytes),
            find_row(rows, Function::PeerStreamed, bytes),
        ) {
            checks.push(Check {
                what: format!("stream {}: throughput stream-a / stream-peer", size(bytes)),
                measured: ours.mb_per_s / peer.mb_per_s,
                bound: Bound::AtLeast(1.0),
            });
        }
    }
    if let (Some(streamed), Some(buffered)) = (
        find_row(rows, Function::Streamed, 50_000_000),
        find_row(rows, Function::Buffered, 1_000_000),
    ) {
        checks.push(Check {
            what: "stream: peak RSS of stream-a at 50 MB / stream-a-buffered at 1 MB".to_owned(),
            measured: streamed.peak_rss_kib / buffered.peak_rss_kib,
            bound: Bound::AtMost(2.0),
        });
    }
    if let Some(probe) = probes
        .iter()
        .find(|probe| probe.function == Function::Streamed)
    {
        let in_trailers = probe.trailer.is_some() && !probe.error_in_body && probe.then_served;
        checks.push(Check {
            what: "stream: stream-a reports a mid-stream error in the trailers, then serves on (1 = yes)".to_owned(),
            measured: f64::from(u8::from(in_trailers)),
            bound: Bound::Exactly(1.0),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(function: Function, bytes: usize, p99_us: f64, mb_per_s: f64, rss: f64) -> Row {
        Row {
            function,
            bytes,
            invocations: 10,
            after_write_us: [p99_us / 2.0, p99_us, p99_us],
            after_event_us: p99_us,
            mb_per_s,
            peak_rss_kib: rss,
            cpu_us: 100.0,
        }
    }

    #[test]
    fn checks_compare_stream_a_with_its_peer_and_its_buffered_self() {
        let rows = vec![
            row(Function::Streamed, 1_000, 80.0, 10.0, 3000.0),
            row(Function::PeerStreamed, 1_000, 41_000.0, 0.1, 3000.0),
            row(Function::Streamed, 1_000_000, 90.0, 900.0, 3000.0),
            row(Function::PeerStreamed, 1_000_000, 100.0, 1000.0, 3000.0),
            row(Function::Buffered, 1_000_000, 4000.0, 300.0, 4000.0),
            row(Function::Streamed, 50_000_000, 1500.0, 900.0, 9000.0),
        ];
        let probes = vec![Probe {
            function: Function::Streamed,
            ask: Ask {
                bytes: 1_000_000,
                fail_after: Some(100_000),
            },
            error: Some(("Error".to_owned(), "failed".to_owned())),
            trailer: Some("Error".to_owned()),
            error_in_body: false,
            body_len: 100_100,
            then_served: true,
        }];
        let checks = checks(&rows, &probes);
        let verdicts: Vec<(&str, bool)> = checks
            .iter()
            .map(|check| (check.what.as_str(), check.met()))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("stream 1 KB: first byte p99 after stream-a writes it", true),
                ("stream 1 KB: throughput stream-a / stream-peer", true),
                ("stream 1 MB: first byte p99 after stream-a writes it", true),
                ("stream 1 MB: throughput stream-a / stream-peer", false),
                (
                    "stream 50 MB: first byte p99 after stream-a writes it",
                    false
                ),
                (
                    "stream: peak RSS of stream-a at 50 MB / stream-a-buffered at 1 MB",
                    false
                ),
                (
                    "stream: stream-a reports a mid-stream error in the trailers, then serves on (1 = yes)",
                    true
                ),
            ]
        );
        let table = table(&rows, &probes);
        assert!(table.contains("| 50 MB | stream-a-buffered | `#[lambda(http)]` | not run"));
        assert!(table.contains("then the trailer `Lambda-Runtime-Function-Error-Type: Error`"));
        assert!(table.contains("| 1 KB | stream-peer | lambda_http `run_with_streaming_response` | 20.5 ms / 41.0 ms / 41.0 ms |"), "{table}");
    }

    #[test]
    fn answers_are_checked_by_their_form() {
        let ask = Ask {
            bytes: 100,
            fail_after: None,
        };
        let payload_text = lambda_fn_bench_stream::whole(ask);
        let mut streamed = br#"{"statusCode":200,"headers":{}}"#.to_vec();
        streamed.extend_from_slice(&DELIMITER);
        streamed.extend_from_slice(payload_text.as_bytes());
        assert!(payload(Function::Streamed, ask, Ok(&streamed)).is_ok());
        let buffered = json!({"statusCode": 200, "body": payload_text}).to_string();
        assert!(payload(Function::Buffered, ask, Ok(buffered.as_bytes())).is_ok());
        let not_found = json!({"statusCode": 404, "body": payload_text}).to_string();
        assert!(payload(Function::Buffered, ask, Ok(not_found.as_bytes())).is_err());
        assert!(payload(Function::Streamed, ask, Ok(payload_text.as_bytes())).is_err());
        assert!(payload(Function::Streamed, ask, Err(("Error", "no"))).is_err());
    }
}
