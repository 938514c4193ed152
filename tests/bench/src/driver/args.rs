//! The driver's command line.

use lambda_fn_bench::report::Mode;
use lambda_fn_bench::scenario::{Scenario, Variant};

/// What to measure, and how much.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    /// Measured invocations per variant, per scenario and mode, over all
    /// runs (`echo` and `sqs`).
    pub invocations: usize,
    /// The same for `sqs-io`, whose invocations take 20–200 ms each.
    pub io_invocations: usize,
    /// Processes started per variant, per scenario and mode: the cold-start
    /// samples. The invocations are spread over them.
    pub runs: usize,
    /// Processes started per variant, per scenario and mode, only for their
    /// cold start (each is stopped at its first poll), on top of `runs`.
    pub cold_starts: usize,
    /// Invocations served by each process before measuring starts.
    pub warmup: usize,
    /// The same for `sqs-io`.
    pub io_warmup: usize,
    /// The runtime scenarios to run.
    pub scenarios: Vec<Scenario>,
    /// Run the `digits` scenario (ML inference against Python).
    pub digits: bool,
    /// Its measured predictions per function and workload.
    pub digits_predictions: usize,
    /// Its processes per function and workload whose invocations are
    /// measured.
    pub digits_runs: usize,
    /// Its processes per function and workload only for the cold start.
    pub digits_cold_starts: usize,
    /// Run the `stream` scenario (streamed against buffered responses).
    pub stream: bool,
    /// Its processes per function and response size.
    pub stream_runs: usize,
    /// Its measured invocations per process, at 1 KB, 1 MB and 50 MB.
    pub stream_invocations: [usize; 3],
    /// The modes to run.
    pub modes: Vec<Mode>,
    /// The variants to run (of those each scenario has).
    pub variants: Vec<Variant>,
    /// Timed rebuilds per binary and profile; 0 skips compile times.
    pub compile_samples: usize,
    /// The profiles compile times are measured in.
    pub compile_profiles: Vec<String>,
    /// Build the function binaries first.
    pub build: bool,
    /// Warm invocations to count instructions over under callgrind; 0
    /// counts none. Skipped, with a note, where valgrind is not installed.
    pub callgrind: usize,
}

impl Args {
    /// The variants of `scenario` to run.
    pub fn variants(&self, scenario: Scenario) -> Vec<Variant> {
        scenario
            .variants()
            .iter()
            .copied()
            .filter(|variant| self.variants.contains(variant))
            .collect()
    }
}

impl Default for Args {
    fn default() -> Self {
        Self {
            invocations: 20_000,
            io_invocations: 200,
            runs: 10,
            cold_starts: 90,
            warmup: 200,
            io_warmup: 2,
            scenarios: Scenario::ALL.to_vec(),
            digits: true,
            digits_predictions: 10_000,
            digits_runs: 5,
            digits_cold_starts: 20,
            stream: true,
            stream_runs: 5,
            stream_invocations: [400, 100, 20],
            modes: Mode::ALL.to_vec(),
            variants: Variant::ALL.to_vec(),
            compile_samples: 3,
            compile_profiles: vec!["dev".to_owned(), "release".to_owned()],
            build: true,
            callgrind: 1000,
        }
    }
}

/// The usage text.
pub const USAGE: &str = "\
usage: cargo run --release -p lambda-fn-bench --bin bench -- [options]

Builds the function binaries (cargo build --release -p lambda-fn-bench
--no-default-features --bins), runs every scenario and variant against the
loopback Runtime API spread over the CPUs and pinned to CPU 0, times
incremental rebuilds, and prints the tables (markdown) on stdout.

options (environment variable in brackets):
  --quick                 a smoke check: 600 invocations, 20 for sqs-io,
                          3 runs, 10 cold starts, 1 compile sample, dev
                          profile only, callgrind over 100 invocations
  --invocations N         measured invocations per variant and mode, echo
                          and sqs [BENCH_INVOCATIONS, default 20000]
  --io-invocations N      the same for sqs-io [BENCH_IO_INVOCATIONS, 200]
  --runs N                processes (cold starts) per variant and mode
                          [BENCH_RUNS, 10]
  --cold-starts N         more processes per variant and mode, started only
                          for their cold start [BENCH_COLD_STARTS, 90]
  --warmup N              unmeasured invocations per process [200]
  --scenarios LIST        echo,sqs,sqs-io,digits,stream
  --digits-predictions N  digits: measured predictions per function and
                          workload [BENCH_DIGITS_PREDICTIONS, 10000]
  --digits-runs N         digits: processes per function and workload [5]
  --digits-cold-starts N  digits: more processes, for the cold start [20]
  --stream-runs N         stream: processes per function and response size
                          (each serves 400 invocations of 1 KB, 100 of 1 MB
                          or 20 of 50 MB; --quick: 100, 20, 3) [5]
  --modes LIST            spread,pinned
  --variants LIST         a,b1,b2,c (to profile a few; ratios need a)
  --compile-samples N     timed rebuilds per binary and profile; 0 skips
                          compile times [BENCH_COMPILE_SAMPLES, 3]
  --compile-profiles LIST dev,release
  --no-build              use the function binaries already built
  --callgrind N           count instructions under valgrind's callgrind (if
                          installed): to the first answer, and per invocation
                          over N warm invocations (sqs-io: N/100); outputs
                          go to target/bench-callgrind/ [BENCH_CALLGRIND,
                          1000; 0 skips]
";

/// The name of the ML inference scenario in `--scenarios`.
const DIGITS: &str = "digits";

/// The name of the response streaming scenario in `--scenarios`.
const STREAM: &str = "stream";

/// Parses the command line, on top of the environment.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Args>, String> {
    let mut parsed = Args::default();
    let number = |name: &str, value: &str| -> Result<usize, String> {
        value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{name} takes a number, not {value:?}"))
    };
    for (name, field) in [
        ("BENCH_INVOCATIONS", &mut parsed.invocations),
        ("BENCH_IO_INVOCATIONS", &mut parsed.io_invocations),
        ("BENCH_RUNS", &mut parsed.runs),
        ("BENCH_COMPILE_SAMPLES", &mut parsed.compile_samples),
        ("BENCH_CALLGRIND", &mut parsed.callgrind),
        ("BENCH_COLD_STARTS", &mut parsed.cold_starts),
        ("BENCH_DIGITS_PREDICTIONS", &mut parsed.digits_predictions),
    ] {
        if let Some(value) = env(name) {
            *field = number(name, &value)?;
        }
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quick" => {
                parsed.invocations = 600;
                parsed.io_invocations = 20;
                parsed.runs = 3;
                parsed.cold_starts = 7;
                parsed.warmup = 20;
                parsed.compile_samples = 1;
                parsed.compile_profiles = vec!["dev".to_owned()];
                parsed.callgrind = 100;
                parsed.digits_predictions = 1000;
                parsed.digits_runs = 2;
                parsed.digits_cold_starts = 3;
                parsed.stream_runs = 1;
                parsed.stream_invocations = [100, 20, 3];
            }
            "--invocations" => parsed.invocations = number(&arg, &value(&arg)?)?,
            "--io-invocations" => parsed.io_invocations = number(&arg, &value(&arg)?)?,
            "--runs" => parsed.runs = number(&arg, &value(&arg)?)?,
            "--cold-starts" => parsed.cold_starts = number(&arg, &value(&arg)?)?,
            "--warmup" => parsed.warmup = number(&arg, &value(&arg)?)?,
            "--compile-samples" => parsed.compile_samples = number(&arg, &value(&arg)?)?,
            "--no-build" => parsed.build = false,
            "--callgrind" => parsed.callgrind = number(&arg, &value(&arg)?)?,
            "--scenarios" => {
                let names = value(&arg)?;
                let mut runtime: Vec<&str> = names.split(',').map(str::trim).collect();
                parsed.digits = runtime.contains(&DIGITS);
                parsed.stream = runtime.contains(&STREAM);
                runtime.retain(|name| *name != DIGITS && *name != STREAM);
                parsed.scenarios = if runtime.is_empty() {
                    Vec::new()
                } else {
                    list(&runtime.join(","), &Scenario::ALL, |s| s.name())
                        .map_err(|err| format!("{err}, {DIGITS}, {STREAM}"))?
                };
            }
            "--digits-predictions" => parsed.digits_predictions = number(&arg, &value(&arg)?)?,
            "--digits-runs" => parsed.digits_runs = number(&arg, &value(&arg)?)?,
            "--digits-cold-starts" => parsed.digits_cold_starts = number(&arg, &value(&arg)?)?,
            "--stream-runs" => parsed.stream_runs = number(&arg, &value(&arg)?)?,
            "--modes" => parsed.modes = list(&value(&arg)?, &Mode::ALL, |m| m.name())?,
            "--variants" => {
                parsed.variants = list(&value(&arg)?, &Variant::ALL, |v| v.name())?;
            }
            "--compile-profiles" => {
                parsed.compile_profiles = list(&value(&arg)?, &["dev", "release"], |p| p)?
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if parsed.runs == 0 || parsed.invocations == 0 || parsed.io_invocations == 0 {
        return Err("--runs, --invocations and --io-invocations must be above 0".to_owned());
    }
    if parsed.digits && (parsed.digits_runs == 0 || parsed.digits_predictions == 0) {
        return Err("--digits-runs and --digits-predictions must be above 0".to_owned());
    }
    if parsed.stream && parsed.stream_runs == 0 {
        return Err("--stream-runs must be above 0".to_owned());
    }
    Ok(Some(parsed))
}

fn list<T: Copy>(
    value: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|item| {
            all.iter()
                .copied()
                .find(|candidate| name(*candidate) == item.trim())
                .ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|c| name(*c)).collect();
                    format!("unknown {item:?}; known: {}", known.join(", "))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|a| (*a).to_owned()), |_| None)
    }

    #[test]
    fn defaults_quick_and_lists() {
        assert_eq!(parse_args(&[]).unwrap(), Some(Args::default()));
        let quick = parse_args(&["--quick", "--runs", "4"]).unwrap().unwrap();
        assert_eq!((quick.invocations, quick.runs), (600, 4));
        let some = parse_args(&["--scenarios", "sqs-io,echo", "--modes", "pinned"])
            .unwrap()
            .unwrap();
        assert_eq!(some.scenarios, [Scenario::SqsIo, Scenario::Echo]);
        assert_eq!(some.modes, [Mode::Pinned]);
        assert!(!some.digits);
        let digits = parse_args(&["--scenarios", "digits"]).unwrap().unwrap();
        assert!(digits.digits && digits.scenarios.is_empty());
        let both = parse_args(&["--scenarios", "echo,digits"])
            .unwrap()
            .unwrap();
        assert!(both.digits && both.scenarios == [Scenario::Echo]);
        let stream = parse_args(&["--scenarios", "stream"]).unwrap().unwrap();
        assert!(stream.stream && !stream.digits && stream.scenarios.is_empty());
        let unknown = parse_args(&["--scenarios", "http"]).unwrap_err();
        assert!(unknown.contains("sqs-io, digits, stream"), "{unknown}");
        assert!(parse_args(&["--runs"]).is_err());
        assert_eq!(parse_args(&["--help"]).unwrap(), None);
    }

    #[test]
    fn environment_then_flags() {
        let env = |name: &str| (name == "BENCH_INVOCATIONS").then(|| "50_000".to_owned());
        let args = parse(Vec::new(), env).unwrap().unwrap();
        assert_eq!(args.invocations, 50_000);
        let args = parse(vec!["--invocations".to_owned(), "10".to_owned()], env)
            .unwrap()
            .unwrap();
        assert_eq!(args.invocations, 10);
    }
}
