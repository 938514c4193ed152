//! The `digits` scenario: the digits model served by the Rust examples and
//! by a Python function on awslambdaric with onnxruntime, side by side in
//! one run through the loopback Runtime API.
//!
//! The Python side is installed by the driver itself, from the pinned
//! requirements in `tests/bench/python/`, under `target/bench-python/`:
//!
//! - `runtime/`: a virtualenv with what Lambda's Python runtime provides
//!   (`awslambdaric`), started as `python -m awslambdaric <handler>`;
//! - `task/`: the deployment package, laid out as in `/var/task`: the
//!   handler, the model and `pip install --target` of what the handler
//!   imports (onnxruntime, numpy). Its size is the deployed size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lambda_fn_bench::digits::{Function, Reference, Workload, check_predictions};
use lambda_fn_bench::report::Figures;
use serde_json::Value;

use crate::measure::{self, Cpus, Launch, Load, Outcome, Run};

/// The measured figures of one function on one workload.
pub type Rows = Vec<(Workload, Function, Figures)>;

/// How much to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Measured predictions per function and workload, over all runs: as
    /// many invocations for `http`; for SQS, batches of 9 or 99 valid
    /// messages, rounded up to whole batches per run.
    pub invocations: usize,
    /// Processes per function and workload whose invocations are measured.
    pub runs: usize,
    /// More processes per function and workload, only for the cold start.
    pub cold_starts: usize,
    /// Unmeasured predictions per process (at least one invocation).
    pub warmup: usize,
}

/// The Python function, installed.
#[derive(Clone, Debug)]
pub struct Python {
    /// `Python 3.11.7`: what `python --version` says.
    pub version: String,
    /// The runtime's interpreter (the virtualenv's `python`).
    pub interpreter: PathBuf,
    /// The deployment package: the task root, the working directory.
    pub task_root: PathBuf,
    /// The deployment package's size, bytes (every file, unzipped).
    pub package_bytes: u64,
}

/// Installs the Python function under `target/bench-python/` unless the
/// same requirements are installed there already.
///
/// # Errors
///
/// If `python3` (with `venv`) is missing or pip cannot install.
pub fn install_python(root: &Path, target: &Path) -> Result<Python, String> {
    let sources = root.join("tests/bench/python");
    let read = |name: &str| {
        std::fs::read_to_string(sources.join(name))
            .map_err(|err| format!("{}: {err}", sources.join(name).display()))
    };
    let requirements = read("requirements.txt")?;
    let runtime_requirements = read("runtime-requirements.txt")?;
    let python = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let version = run(Command::new(&python).arg("--version")).map_err(|err| {
        format!(
            "the digits scenario needs Python 3 with venv (BENCH_PYTHON names it; --scenarios echo,sqs,sqs-io runs without it): {err}"
        )
    })?;
    let dir = target.join("bench-python");
    let runtime = dir.join("runtime");
    let task_root = dir.join("task");
    let interpreter = runtime.join("bin/python");
    let stamp = dir.join("installed.txt");
    let wanted = format!("{python}: {version}\n{runtime_requirements}\n{requirements}");
    let installed = std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && interpreter.exists()
        && task_root.join("onnxruntime").is_dir();
    if !installed {
        eprintln!(
            "installing the Python function ({version}) into {}",
            dir.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        run(Command::new(&python).arg("-m").arg("venv").arg(&runtime))?;
        // Every requirement is pinned, transitive ones included, and comes
        // as a wheel: nothing is resolved anew or built from source.
        let pip = |command: &mut Command| {
            command
                .arg("-m")
                .arg("pip")
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(["--no-deps", "--only-binary=:all:"]);
        };
        let mut install = Command::new(&interpreter);
        pip(&mut install);
        run(install
            .arg("-r")
            .arg(sources.join("runtime-requirements.txt")))?;
        let mut install = Command::new(&interpreter);
        pip(&mut install);
        run(install
            .arg("--target")
            .arg(&task_root)
            .arg("-r")
            .arg(sources.join("requirements.txt")))?;
        std::fs::write(&stamp, wanted).map_err(|err| format!("{}: {err}", stamp.display()))?;
    }
    // The handler and the model are copied on every run: what is measured
    // is what is committed.
    for (from, to) in [
        (sources.join("digits_function.py"), "digits_function.py"),
        (
            root.join("examples/digits/model/digits.onnx"),
            "digits.onnx",
        ),
    ] {
        let to = task_root.join(to);
        std::fs::copy(&from, &to)
            .map_err(|err| format!("copying {} to {}: {err}", from.display(), to.display()))?;
    }
    Ok(Python {
        version,
        interpreter,
        package_bytes: tree_bytes(&task_root)?,
        task_root,
    })
}

/// Runs `command`, returning its stdout (and stderr, where `--version`
/// writes on old Pythons), or why it failed.
fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .map_err(|err| format!("cannot run {shown}: {err}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(text.trim().to_owned())
}

/// The size of every file under `dir`, bytes: the bytecode `pip install`
/// compiled (`__pycache__`) included, as it is deployed with the package and
/// the cold start uses it.
fn tree_bytes(dir: &Path) -> Result<u64, String> {
    let mut total = 0;
    let entries = std::fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| format!("{}: {err}", dir.display()))?;
        let kind = entry.file_type().map_err(|err| err.to_string())?;
        if kind.is_dir() {
            total += tree_bytes(&entry.path())?;
        } else if kind.is_file() {
            total += entry.metadata().map_err(|err| err.to_string())?.len();
        }
    }
    Ok(total)
}

/// What the scenario needs: the binaries, the Python function, the events.
pub struct Setup<'a> {
    /// Where the release binaries are.
    pub bin_dir: &'a Path,
    /// The Python function.
    pub python: &'a Python,
    /// The reference images.
    pub reference: &'a Reference,
    /// A function URL sample event, rewritten into every HTTP event.
    pub http_request: &'a Value,
}

impl Setup<'_> {
    /// How `function` is started: its binary (`binary`), or the Python
    /// runtime on the deployment package.
    fn launch<'a>(&'a self, function: Function, binary: &'a Path) -> Launch<'a> {
        match function.python_command() {
            Some(args) => Launch {
                program: &self.python.interpreter,
                args,
                dir: Some(&self.python.task_root),
                env: &[],
            },
            None => Launch::binary(binary),
        }
    }

    fn binary(&self, function: Function) -> PathBuf {
        function.binary().map_or_else(
            || self.python.interpreter.clone(),
            |name| self.bin_dir.join(name),
        )
    }

    /// The deployed size of `function`: its stripped binary, or the Python
    /// deployment package.
    fn deployed_bytes(&self, function: Function) -> Result<u64, String> {
        if function.binary().is_none() {
            return Ok(self.python.package_bytes);
        }
        let binary = self.binary(function);
        Ok(std::fs::metadata(&binary)
            .map_err(|err| format!("{}: {err}", binary.display()))?
            .len())
    }
}

/// Measures every function of every workload, pinned (the function on one
/// CPU, as Lambda gives below 1,769 MB), the functions alternating process
/// by process.
///
/// # Errors
///
/// A function that cannot start, answers wrongly, or logs a wrong or
/// missing prediction.
pub async fn measure(setup: &Setup<'_>, counts: Counts, cpus: Cpus<'_>) -> Result<Rows, String> {
    let mut rows = Vec::new();
    for workload in Workload::ALL {
        eprint!("digits {workload} ");
        let measured = (counts.invocations / workload.predictions().max(1)).max(counts.runs);
        let per_run = measured.div_ceil(counts.runs);
        let warmup = (counts.warmup / workload.predictions()).max(1);
        let event = |index| workload.event(index, setup.reference, setup.http_request);
        let check =
            |index: usize, outcome: Outcome<'_>| workload.check(index, outcome, setup.reference);
        let load = Load {
            event: &event,
            check: &check,
            per_invocation: Duration::from_millis(50)
                * u32::try_from(workload.predictions()).unwrap_or(u32::MAX),
            keep_logs: matches!(workload, Workload::Sqs(_)),
            keep_answers: false,
        };
        let expected = workload.expected_predictions(warmup + per_run, setup.reference);
        let functions = workload.functions();
        let mut runs: BTreeMap<Function, Vec<Run>> = BTreeMap::new();
        for round in 0..counts.runs {
            for k in 0..functions.len() {
                let function = functions[(round + k) % functions.len()];
                let binary = setup.binary(function);
                let launch = setup.launch(function, &binary);
                let mut run = measure::run_process(launch, &load, warmup, per_run, cpus).await?;
                check_predictions(&run.logs, &expected)
                    .map_err(|wrong| format!("{}: {wrong}", function.describe()))?;
                run.logs = String::new();
                runs.entry(function).or_default().push(run);
            }
            eprint!(".");
        }
        let mut cold_starts: BTreeMap<Function, Vec<Duration>> = BTreeMap::new();
        for round in 0..counts.cold_starts {
            for k in 0..functions.len() {
                let function = functions[(round + k) % functions.len()];
                let binary = setup.binary(function);
                let launch = setup.launch(function, &binary);
                let cold_start = measure::cold_start_once(launch, event(0), cpus).await?;
                cold_starts.entry(function).or_default().push(cold_start);
            }
            if round % 10 == 9 {
                eprint!(":");
            }
        }
        eprintln!();
        for &function in functions {
            let figures = measure::summarize(
                &runs[&function],
                cold_starts.get(&function).map_or(&[], Vec::as_slice),
                setup.deployed_bytes(function)?,
            );
            eprintln!(
                "  digits {workload} {}: {:.0} inv/s, p50 {:.1} µs, p99 {:.1} µs, cold start {:.2} ms, RSS {:.0} KiB, deployed {} B",
                function.describe(),
                figures.throughput,
                figures.p50_us,
                figures.p99_us,
                figures.cold_start_ms,
                figures.peak_rss_kib,
                figures.binary_bytes
            );
            rows.push((workload, function, figures));
        }
    }
    Ok(rows)
}
