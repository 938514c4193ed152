//! Running the function binaries against the loopback Runtime API and
//! measuring them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lambda_fn::testing::{Answer, DeadlineHeader, Event, Function, RuntimeApi};
use lambda_fn_bench::report::{Figures, Instructions, Mode, Row};
use lambda_fn_bench::scenario::{Scenario, Variant};
use lambda_fn_bench::stats::{median, percentile};

use crate::affinity;
use crate::args::Args;

/// What one process (one run) measured.
#[derive(Debug)]
pub struct Run {
    /// Spawn → first `/next`.
    pub cold_start: Duration,
    /// Serving `/next` → receiving the answer, per measured invocation, ns.
    pub latencies_ns: Vec<u64>,
    /// First measured event served → last measured answer received.
    pub window: Duration,
    /// `VmHWM` at the end of the run, KiB.
    pub peak_rss_kib: u64,
    /// Runtime API TCP connections the process opened.
    pub connections: usize,
    /// On-CPU time of all the process's threads over its life.
    pub cpu_time: Duration,
    /// Invocations the process served (warm-up included).
    pub served: usize,
    /// What it logged (stdout, then stderr), if [`Load::keep_logs`].
    pub logs: String,
    /// Its answers, checked, in the order they arrived (warm-up included),
    /// if [`Load::keep_answers`].
    pub answers: Vec<Answer>,
}

/// Where the function and the harness run.
#[derive(Clone, Copy, Debug)]
pub struct Cpus<'a> {
    /// The function's CPUs.
    pub function: &'a [usize],
    /// The harness's CPUs.
    pub harness: &'a [usize],
}

/// The CPUs of the function and of the harness in `mode`.
pub fn cpus(mode: Mode, allowed: &[usize]) -> (Vec<usize>, Vec<usize>) {
    match mode {
        Mode::Spread => (allowed.to_vec(), allowed.to_vec()),
        Mode::Pinned => {
            let function = allowed[0];
            let harness = allowed.get(1).copied().unwrap_or(function);
            (vec![function], vec![harness])
        }
    }
}

/// How a function process is started: the program, its arguments and
/// working directory, and environment on top of Lambda's.
#[derive(Clone, Copy, Debug)]
pub struct Launch<'a> {
    /// The executable: a function binary, or an interpreter.
    pub program: &'a Path,
    /// Its arguments.
    pub args: &'a [&'a str],
    /// Its working directory, if not the harness's.
    pub dir: Option<&'a Path>,
    /// Environment variables on top of what Lambda sets.
    pub env: &'a [(&'a str, &'a str)],
}

impl<'a> Launch<'a> {
    /// A function binary, started with no arguments, as Lambda starts a
    /// `bootstrap`.
    pub fn binary(program: &'a Path) -> Self {
        Self {
            program,
            args: &[],
            dir: None,
            env: &[],
        }
    }

    fn name(&self) -> String {
        let program = self.program.file_name().map_or_else(
            || self.program.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        match self.args.last() {
            Some(arg) => format!("{program} {arg}"),
            None => program,
        }
    }
}

/// An answer as the checks see it: the response body, or the error type
/// and message posted.
pub type Outcome<'b> = Result<&'b [u8], (&'b str, &'b str)>;

/// Makes the event of invocation `index`.
pub type EventFn<'a> = dyn Fn(usize) -> Vec<u8> + 'a;

/// Checks the answer to invocation `index`.
pub type CheckFn<'a> = dyn Fn(usize, Outcome<'_>) -> Result<(), String> + 'a;

/// What a process is served: the event of each invocation, the check of
/// each answer, and how long an invocation may take at most.
pub struct Load<'a> {
    /// The event of invocation `index`.
    pub event: &'a EventFn<'a>,
    /// Checks the answer to invocation `index`.
    pub check: &'a CheckFn<'a>,
    /// The most one invocation may take before the run is given up.
    pub per_invocation: Duration,
    /// Keep what the process logged (stdout and stderr) in [`Run::logs`].
    pub keep_logs: bool,
    /// Keep the answers in [`Run::answers`], for figures of their own.
    pub keep_answers: bool,
}

impl<'a> Load<'a> {
    /// The load of a runtime `scenario`.
    pub fn of(scenario: Scenario, event: &'a EventFn<'a>, check: &'a CheckFn<'a>) -> Self {
        Self {
            event,
            check,
            per_invocation: match scenario {
                Scenario::SqsIo => Duration::from_millis(500),
                Scenario::Echo | Scenario::Sqs => Duration::from_millis(10),
            },
            keep_logs: false,
            keep_answers: false,
        }
    }
}

/// Starts `binary` once, serves it `warmup + measured` invocations of
/// `scenario` (queued before it starts), checks every answer and measures.
pub async fn run_once(
    binary: &Path,
    scenario: Scenario,
    warmup: usize,
    measured: usize,
    cpus: Cpus<'_>,
) -> Result<Run, String> {
    let event = |index| scenario.event(index);
    let check = |index: usize, outcome: Outcome<'_>| scenario.check(index, outcome);
    let load = Load::of(scenario, &event, &check);
    run_process(Launch::binary(binary), &load, warmup, measured, cpus).await
}

/// Starts the function once, serves it `warmup + measured` invocations of
/// `load` (queued before it starts), checks every answer and measures.
pub async fn run_process(
    launch: Launch<'_>,
    load: &Load<'_>,
    warmup: usize,
    measured: usize,
    cpus: Cpus<'_>,
) -> Result<Run, String> {
    let name = launch.name();
    let api = RuntimeApi::start()
        .await
        .map_err(|err| format!("cannot start the Runtime API: {err}"))?;
    let total = warmup + measured;
    api.push_all((0..total).map(|index| Event {
        request_id: format!("inv-{index}"),
        ..Event::new(
            (load.event)(index),
            DeadlineHeader::In(Duration::from_secs(60)),
        )
    }));
    let (mut function, cold_start) = spawn_until_first_poll(&api, launch, cpus).await?;

    let give_up = Instant::now() + Duration::from_secs(60) + load.per_invocation * total as u32;
    while api.answer_count() < total {
        if !function.is_running() {
            return Err(format!(
                "{name} exited after {} answers: {}",
                api.answer_count(),
                logged_tail(&function)
            ));
        }
        if Instant::now() > give_up {
            return Err(format!(
                "{name}: only {} of {total} answers in time",
                api.answer_count()
            ));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let peak_rss_kib = function
        .peak_rss_kib()
        .ok_or_else(|| format!("{name}: cannot read VmHWM"))?;
    let cpu_time = function
        .cpu_time()
        .ok_or_else(|| format!("{name}: cannot read its CPU time"))?;
    let connections = api.connections();
    function.kill().await;
    let logs = if load.keep_logs {
        function.wait(Duration::from_secs(10)).await;
        format!("{}{}", function.stdout(), function.stderr())
    } else {
        String::new()
    };

    let unexpected = api.unexpected_posts();
    if !unexpected.is_empty() {
        return Err(format!(
            "{name} answered unknown or already answered invocations: {unexpected:?}"
        ));
    }
    let answers = api.take_answers();
    if answers.len() != total {
        return Err(format!(
            "{name}: {} answers to {total} invocations",
            answers.len()
        ));
    }
    let mut seen = vec![false; total];
    let mut latencies_ns = Vec::with_capacity(measured);
    let mut first_served: Option<Instant> = None;
    let mut last_answered: Option<Instant> = None;
    for answer in &answers {
        let index = answer
            .request_id
            .as_deref()
            .and_then(|id| id.strip_prefix("inv-"))
            .and_then(|index| index.parse::<usize>().ok())
            .filter(|&index| index < total)
            .ok_or_else(|| format!("{name}: an answer to no invocation: {answer:?}"))?;
        if std::mem::replace(&mut seen[index], true) {
            return Err(format!("{name}: invocation {index} answered twice"));
        }
        check_answer(load, &name, index, answer)?;
        if index < warmup {
            continue;
        }
        let (Some(served), Some(latency)) = (answer.served_at, answer.latency()) else {
            return Err(format!("{name}: invocation {index} was never served"));
        };
        latencies_ns.push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
        first_served = Some(first_served.map_or(served, |first| first.min(served)));
        last_answered =
            Some(last_answered.map_or(answer.answered_at, |last| last.max(answer.answered_at)));
    }
    let window = match (first_served, last_answered) {
        (Some(first), Some(last)) => last - first,
        _ => Duration::ZERO,
    };
    Ok(Run {
        cold_start,
        latencies_ns,
        window,
        peak_rss_kib,
        connections,
        cpu_time,
        served: total,
        logs,
        answers: if load.keep_answers {
            answers
        } else {
            Vec::new()
        },
    })
}

/// Starts the function once, for its cold start only: spawn → first
/// `/next`. The process is stopped at once (its answers are checked in the
/// runs).
pub async fn cold_start_once(
    launch: Launch<'_>,
    event: Vec<u8>,
    cpus: Cpus<'_>,
) -> Result<Duration, String> {
    let api = RuntimeApi::start()
        .await
        .map_err(|err| format!("cannot start the Runtime API: {err}"))?;
    api.push(Event {
        request_id: "inv-0".to_owned(),
        ..Event::new(event, DeadlineHeader::In(Duration::from_secs(60)))
    });
    let (mut function, cold_start) = spawn_until_first_poll(&api, launch, cpus).await?;
    function.kill().await;
    Ok(cold_start)
}

/// Starts the function on its CPUs against `api` and waits for its first
/// `/next`: the process, and its cold start (spawn → first `/next`).
async fn spawn_until_first_poll(
    api: &RuntimeApi,
    launch: Launch<'_>,
    cpus: Cpus<'_>,
) -> Result<(Function, Duration), String> {
    let spawn = || {
        api.spawn_with(launch.program, launch.env, |command| {
            command.args(launch.args);
            if let Some(dir) = launch.dir {
                command.current_dir(dir);
            }
        })
    };
    let mut function = affinity::spawn_on(cpus.function, cpus.harness, spawn)
        .map_err(|err| format!("cannot pin to CPUs {:?}: {err}", cpus.function))?
        .map_err(|err| format!("cannot start {}: {err}", launch.name()))?;
    // Waits in short steps, so that a process that dies at init (a Python
    // import error, a model that does not load) is reported at once.
    let give_up = Instant::now() + Duration::from_secs(30);
    let first_poll = loop {
        if let Some(at) = api.first_poll(Duration::from_millis(20)).await {
            break at;
        }
        if !function.is_running() || Instant::now() > give_up {
            let what = if function.is_running() {
                "did not poll /next within 30 s"
            } else {
                "exited before its first /next"
            };
            return Err(format!(
                "{} {what}: {}",
                launch.name(),
                logged_tail(&function)
            ));
        }
    };
    let cold_start = first_poll - function.spawning_at;
    Ok((function, cold_start))
}

/// Checks the answer to invocation `index` by value.
fn check_answer(load: &Load<'_>, name: &str, index: usize, answer: &Answer) -> Result<(), String> {
    (load.check)(index, outcome(answer)).map_err(|wrong| format!("{name}: wrong answer: {wrong}"))
}

/// The answer's body, or the error type and message posted.
pub(crate) fn outcome(answer: &Answer) -> Outcome<'_> {
    match &answer.outcome {
        Ok(body) => Ok(&body[..]),
        Err((error_type, message)) => Err((error_type.as_str(), message.as_str())),
    }
}

/// The end of what `function` logged, stdout and stderr: Python's runtime
/// client logs to stdout.
fn logged_tail(function: &Function) -> String {
    tail(&format!("{}{}", function.stdout(), function.stderr()))
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// Measures every variant of `scenario` in `mode`: `args.runs` processes
/// each, the variants alternating run by run (and the first of each round
/// rotating) so that drift of the machine falls on all of them alike.
pub async fn scenario(
    bin_dir: &Path,
    scenario: Scenario,
    mode: Mode,
    cpus: Cpus<'_>,
    args: &Args,
) -> Result<Vec<Row>, String> {
    let (invocations, warmup) = match scenario {
        Scenario::SqsIo => (args.io_invocations, args.io_warmup),
        Scenario::Echo | Scenario::Sqs => (args.invocations, args.warmup),
    };
    let per_run = invocations.div_ceil(args.runs);
    let variants = args.variants(scenario);
    let mut runs: BTreeMap<Variant, Vec<Run>> = BTreeMap::new();
    for round in 0..args.runs {
        for k in 0..variants.len() {
            let variant = variants[(round + k) % variants.len()];
            let binary = bin_dir.join(scenario.binary(variant));
            let run = run_once(&binary, scenario, warmup, per_run, cpus).await?;
            runs.entry(variant).or_default().push(run);
        }
        eprint!(".");
    }
    // More cold starts: processes stopped at their first poll, the variants
    // alternating.
    let mut cold_starts: BTreeMap<Variant, Vec<Duration>> = BTreeMap::new();
    for round in 0..args.cold_starts {
        for k in 0..variants.len() {
            let variant = variants[(round + k) % variants.len()];
            let binary = bin_dir.join(scenario.binary(variant));
            let cold_start =
                cold_start_once(Launch::binary(&binary), scenario.event(0), cpus).await?;
            cold_starts.entry(variant).or_default().push(cold_start);
        }
        if round % 10 == 9 {
            eprint!(":");
        }
    }
    eprintln!();
    let mut rows = Vec::new();
    for &variant in &variants {
        let binary = bin_dir.join(scenario.binary(variant));
        let binary_bytes = std::fs::metadata(&binary)
            .map_err(|err| format!("{}: {err}", binary.display()))?
            .len();
        let figures = summarize(
            &runs[&variant],
            cold_starts.get(&variant).map_or(&[], Vec::as_slice),
            binary_bytes,
        );
        eprintln!(
            "  {scenario} {mode} {variant}: {:.0} inv/s, p50 {:.1} µs, p99 {:.1} µs, CPU {:.1} µs/inv, cold start {:.2} ms, RSS {:.0} KiB, connections {}–{}",
            figures.throughput,
            figures.p50_us,
            figures.p99_us,
            figures.cpu_us,
            figures.cold_start_ms,
            figures.peak_rss_kib,
            figures.min_connections,
            figures.max_connections
        );
        rows.push(Row {
            scenario,
            mode,
            variant,
            figures,
        });
    }
    Ok(rows)
}

/// Pools the runs of one variant, and the cold starts of its one-invocation
/// processes, into its figures.
#[allow(clippy::cast_precision_loss)]
pub fn summarize(runs: &[Run], more_cold_starts: &[Duration], binary_bytes: u64) -> Figures {
    let mut latencies: Vec<u64> = runs
        .iter()
        .flat_map(|run| run.latencies_ns.iter().copied())
        .collect();
    latencies.sort_unstable();
    let window: Duration = runs.iter().map(|run| run.window).sum();
    let micros = |p: f64| percentile(&latencies, p).unwrap_or(0) as f64 / 1000.0;
    let cold_starts: Vec<f64> = runs
        .iter()
        .map(|run| run.cold_start)
        .chain(more_cold_starts.iter().copied())
        .map(|cold_start| cold_start.as_secs_f64() * 1000.0)
        .collect();
    let rss: Vec<f64> = runs.iter().map(|run| run.peak_rss_kib as f64).collect();
    let cpu: Duration = runs.iter().map(|run| run.cpu_time).sum();
    let served: usize = runs.iter().map(|run| run.served).sum();
    Figures {
        invocations: latencies.len(),
        throughput: if window.is_zero() {
            0.0
        } else {
            latencies.len() as f64 / window.as_secs_f64()
        },
        p50_us: micros(50.0),
        p99_us: micros(99.0),
        cpu_us: if served == 0 {
            0.0
        } else {
            cpu.as_secs_f64() * 1e6 / served as f64
        },
        cold_start_ms: median(&cold_starts).unwrap_or(0.0),
        binary_bytes,
        peak_rss_kib: median(&rss).unwrap_or(0.0),
        max_connections: runs.iter().map(|run| run.connections).max().unwrap_or(0),
        min_connections: runs.iter().map(|run| run.connections).min().unwrap_or(0),
        runs: runs.len(),
        cold_starts: cold_starts.len(),
    }
}

/// Runs `binary` under valgrind's callgrind for `invocations` invocations
/// of `scenario`, checks every answer, and returns the instructions the
/// process executed (`Ir`), from `exec` to its exit on `SIGTERM`.
pub async fn callgrind_once(
    binary: &Path,
    scenario: Scenario,
    invocations: usize,
    out_dir: &Path,
) -> Result<u64, String> {
    let name = binary
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let out_file = out_dir.join(format!("{name}.{invocations}.callgrind"));
    let _ = std::fs::remove_file(&out_file);
    let api = RuntimeApi::start()
        .await
        .map_err(|err| format!("cannot start the Runtime API: {err}"))?;
    api.push_all((0..invocations).map(|index| Event {
        request_id: format!("inv-{index}"),
        ..Event::new(
            scenario.event(index),
            DeadlineHeader::In(Duration::from_secs(600)),
        )
    }));
    let mut function = api
        .spawn_with(Path::new("valgrind"), &[], |command| {
            command
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out_file.display()))
                .arg(binary);
        })
        .map_err(|err| format!("cannot start valgrind: {err}"))?;
    let give_up = Instant::now() + Duration::from_secs(300);
    while api.answer_count() < invocations {
        if !function.is_running() {
            return Err(format!(
                "{name} under callgrind exited: {}",
                tail(&function.stderr())
            ));
        }
        if Instant::now() > give_up {
            return Err(format!("{name} under callgrind: no answers in time"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for answer in api.take_answers() {
        let index = answer
            .request_id
            .as_deref()
            .and_then(|id| id.strip_prefix("inv-"))
            .and_then(|index| index.parse::<usize>().ok())
            .ok_or_else(|| format!("{name}: an answer to no invocation"))?;
        scenario
            .check(index, outcome(&answer))
            .map_err(|wrong| format!("{name}: wrong answer: {wrong}"))?;
    }
    // SIGTERM, not SIGKILL: valgrind writes its counts when the process
    // dies of a signal it can see.
    let pid = function.pid().ok_or("valgrind exited early")?;
    // SAFETY: signals a child process we started and have not reaped.
    unsafe {
        libc::kill(
            i32::try_from(pid).map_err(|e| e.to_string())?,
            libc::SIGTERM,
        );
    }
    function
        .wait(Duration::from_secs(60))
        .await
        .ok_or_else(|| format!("{name} under callgrind did not exit on SIGTERM"))?;
    let text = std::fs::read_to_string(&out_file)
        .map_err(|err| format!("{}: {err}", out_file.display()))?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix("summary:")
                .or_else(|| line.strip_prefix("totals:"))
        })
        .and_then(|counts| counts.split_whitespace().next())
        .and_then(|ir| ir.parse().ok())
        .ok_or_else(|| format!("{}: no instruction total", out_file.display()))
}

/// Counts the instructions of `variants` of `scenario`: to the first
/// answer, and per warm invocation over `invocations` more.
pub async fn callgrind(
    bin_dir: &Path,
    scenario: Scenario,
    variants: &[Variant],
    invocations: usize,
    out_dir: &Path,
) -> Result<Vec<Instructions>, String> {
    let mut counts = Vec::new();
    for &variant in variants {
        let binary = bin_dir.join(scenario.binary(variant));
        let one = callgrind_once(&binary, scenario, 1, out_dir).await?;
        let many = callgrind_once(&binary, scenario, invocations + 1, out_dir).await?;
        #[allow(clippy::cast_precision_loss)]
        let per_invocation = many.saturating_sub(one) as f64 / invocations as f64;
        eprintln!(
            "  {scenario} {variant}: {one} instructions to the first answer, {per_invocation:.0} per invocation"
        );
        counts.push(Instructions {
            scenario,
            variant,
            first_answer: one,
            per_invocation,
        });
    }
    Ok(counts)
}
