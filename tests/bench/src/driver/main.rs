//! `bench`: measures `#[lambda]` functions against the same functions
//! hand-written on lambda_runtime and against a bare Runtime API loop, and
//! prints the tables of `BENCHMARKS.md`.
//!
//! ```sh
//! cargo run --release -p lambda-fn-bench --bin bench            # the full run
//! cargo run --release -p lambda-fn-bench --bin bench -- --quick # a smoke check
//! ```
//!
//! Progress goes to stderr, the report (markdown) to stdout.

mod affinity;
mod args;
mod compile;
mod digits;
mod measure;
mod stream;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use lambda_fn_bench::digits::Reference;
use lambda_fn_bench::report::{self, Mode, Results};
use lambda_fn_bench::scenario::Scenario;

use crate::args::Args;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("bench: {why}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(all_met) => {
            if all_met {
                ExitCode::SUCCESS
            } else {
                // The report is complete; the exit code says a target was missed.
                ExitCode::from(3)
            }
        }
        Err(why) => {
            eprintln!("bench: {why}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this crate is `tests/bench`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/bench lives two levels below the workspace root")
        .to_owned()
}

fn run(args: &Args) -> Result<bool, String> {
    let root = workspace_root();
    compile::restore_leftovers(&root)?;
    let allowed = affinity::allowed_cpus().map_err(|err| format!("sched_getaffinity: {err}"))?;
    let bin_dir = std::env::current_exe()
        .map_err(|err| err.to_string())?
        .parent()
        .ok_or("the driver has no directory")?
        .to_owned();
    if args.build {
        build(&root, args)?;
    }
    for scenario in &args.scenarios {
        for variant in args.variants(*scenario) {
            let binary = bin_dir.join(scenario.binary(variant));
            if !binary.exists() {
                return Err(format!(
                    "{} is missing: build it with cargo build --release -p lambda-fn-bench --no-default-features --bins",
                    binary.display()
                ));
            }
        }
    }
    let target = bin_dir.parent().unwrap_or(&bin_dir).to_owned();
    let python = if args.digits {
        for name in ["digits-http", "digits-sqs", "digits-sqs-per-record"] {
            if !bin_dir.join(name).exists() {
                return Err(format!(
                    "{name} is missing: build it with cargo build --release -p lambda-fn-digits --bins"
                ));
            }
        }
        Some(digits::install_python(&root, &target)?)
    } else {
        None
    };
    if args.stream {
        for function in stream::Function::ALL {
            if !bin_dir.join(function.binary()).exists() {
                return Err(format!(
                    "{} is missing: build it with cargo build --release -p lambda-fn-bench-stream --bins",
                    function.binary()
                ));
            }
        }
    }
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).map_err(|err| format!("{path}: {err}"))
    };
    let http_request: serde_json::Value = serde_json::from_str(&read(
        "core/tests/fixtures/http/lambda_function_url_request.json",
    )?)
    .map_err(|err| format!("the function URL sample event: {err}"))?;
    let load_before = loadavg();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start tokio: {err}"))?;
    let mut results = Results::default();
    for &mode in &args.modes {
        let (function_cpus, harness_cpus) = measure::cpus(mode, &allowed);
        affinity::pin_current_thread(&harness_cpus)
            .map_err(|err| format!("cannot move the harness to CPUs {harness_cpus:?}: {err}"))?;
        for &scenario in &args.scenarios {
            eprint!(
                "{scenario}, {mode} (function on CPUs {function_cpus:?}, harness on {harness_cpus:?}) "
            );
            let cpus = measure::Cpus {
                function: &function_cpus,
                harness: &harness_cpus,
            };
            let rows = runtime.block_on(measure::scenario(&bin_dir, scenario, mode, cpus, args))?;
            results.rows.extend(rows);
        }
    }
    let mut digits_rows = Vec::new();
    if let Some(python) = &python {
        let (function_cpus, harness_cpus) = measure::cpus(Mode::Pinned, &allowed);
        affinity::pin_current_thread(&harness_cpus)
            .map_err(|err| format!("cannot move the harness to CPUs {harness_cpus:?}: {err}"))?;
        let reference = Reference::parse(&read("examples/digits/model/reference.json")?)?;
        let setup = digits::Setup {
            bin_dir: &bin_dir,
            python,
            reference: &reference,
            http_request: &http_request,
        };
        let counts = digits::Counts {
            invocations: args.digits_predictions,
            runs: args.digits_runs,
            cold_starts: args.digits_cold_starts,
            warmup: args.warmup,
        };
        let cpus = measure::Cpus {
            function: &function_cpus,
            harness: &harness_cpus,
        };
        digits_rows = runtime.block_on(digits::measure(&setup, counts, cpus))?;
    }
    let mut streams = (Vec::new(), Vec::new());
    let mut stream_stolen = None;
    if args.stream {
        let (function_cpus, harness_cpus) = measure::cpus(Mode::Pinned, &allowed);
        affinity::pin_current_thread(&harness_cpus)
            .map_err(|err| format!("cannot move the harness to CPUs {harness_cpus:?}: {err}"))?;
        eprint!("stream, pinned ");
        let counts = stream::Counts {
            runs: args.stream_runs,
            invocations: args.stream_invocations,
            warmup: 3,
        };
        let cpus = measure::Cpus {
            function: &function_cpus,
            harness: &harness_cpus,
        };
        let before = stream::stolen();
        streams = runtime.block_on(stream::measure(&bin_dir, &http_request, counts, cpus))?;
        stream_stolen = before
            .zip(stream::stolen())
            .map(|(before, after)| after - before);
    }
    affinity::pin_current_thread(&allowed).map_err(|err| format!("sched_setaffinity: {err}"))?;
    let load_after = loadavg();
    let valgrind = args.callgrind > 0
        && Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
    if args.callgrind > 0 && !valgrind {
        eprintln!("valgrind is not installed: instruction counts skipped");
    }
    if valgrind {
        let out_dir = bin_dir.parent().unwrap_or(&bin_dir).join("bench-callgrind");
        std::fs::create_dir_all(&out_dir).map_err(|err| format!("{}: {err}", out_dir.display()))?;
        for &scenario in &args.scenarios {
            let invocations = match scenario {
                Scenario::SqsIo => (args.callgrind / 100).max(2),
                Scenario::Echo | Scenario::Sqs => args.callgrind,
            };
            eprintln!("{scenario}: counting instructions under callgrind");
            let counts = runtime.block_on(measure::callgrind(
                &bin_dir,
                scenario,
                &args.variants(scenario),
                invocations,
                &out_dir,
            ))?;
            results.instructions.extend(counts);
        }
    }
    if args.compile_samples > 0 && args.scenarios.contains(&Scenario::Echo) {
        for profile in &args.compile_profiles {
            results
                .compile
                .push(compile::measure(&root, profile, args.compile_samples)?);
        }
    }

    let mut checks = report::checks(&results);
    checks.extend(lambda_fn_bench::digits::checks(&digits_rows));
    checks.extend(stream::checks(&streams.0, &streams.1));
    println!("### Machine\n");
    for line in machine(&allowed) {
        println!("- {line}");
    }
    println!(
        "- load average before / after the runtime measurements: {load_before} / {load_after}"
    );
    if !results.rows.is_empty() {
        println!(
            "- invocations measured per variant, scenario and mode: {} (sqs-io: {}), over {} processes each, after {} (sqs-io: {}) unmeasured invocations per process",
            args.invocations, args.io_invocations, args.runs, args.warmup, args.io_warmup
        );
        println!(
            "- cold starts per variant, scenario and mode: {} (one per process: the {} above and {} started only for it)",
            args.runs + args.cold_starts,
            args.runs,
            args.cold_starts
        );
        println!(
            "\n### Runtime\n\n`spread`: function and harness free on CPUs {allowed:?}; `pinned`: function on CPU {}, harness on CPU {}.\n",
            measure::cpus(Mode::Pinned, &allowed).0[0],
            measure::cpus(Mode::Pinned, &allowed).1[0]
        );
        print!("{}", report::table(&results));
    }
    if !results.instructions.is_empty() {
        println!(
            "\n### Instructions (valgrind --tool=callgrind; {} warm invocations, sqs-io {})\n",
            args.callgrind,
            (args.callgrind / 100).max(2)
        );
        print!("{}", report::instructions_table(&results));
    }
    if !results.compile.is_empty() {
        println!("\n### Compile time (incremental rebuild after editing the handler body)\n");
        print!("{}", report::compile_table(&results));
    }
    if !digits_rows.is_empty() {
        println!(
            "\n### ML inference (digits; function on CPU {}, harness on CPU {})\n",
            measure::cpus(Mode::Pinned, &allowed).0[0],
            measure::cpus(Mode::Pinned, &allowed).1[0]
        );
        println!(
            "- predictions measured per function and workload: {} or a little more (http: one per invocation; sqs-10: batches of 9 valid + 1 invalid message, sqs-100: 99 + 1, rounded up to whole batches per process), over {} processes each, after about {} unmeasured predictions per process",
            args.digits_predictions, args.digits_runs, args.warmup
        );
        println!(
            "- cold starts per function and workload: {} (spawn → first `/next`, the model loaded)",
            args.digits_runs + args.digits_cold_starts
        );
        if let Some(python) = &python {
            println!(
                "- {}; deployment package (`target/bench-python/task`: handler, model, onnxruntime, numpy, their dependencies and compiled bytecode): {:.1} MB",
                python.version,
                python.package_bytes as f64 / 1e6
            );
        }
        println!();
        print!("{}", lambda_fn_bench::digits::table(&digits_rows));
    }
    if !streams.0.is_empty() {
        println!(
            "\n### Response streaming (function on CPU {}, harness on CPU {})\n",
            measure::cpus(Mode::Pinned, &allowed).0[0],
            measure::cpus(Mode::Pinned, &allowed).1[0]
        );
        println!(
            "- invocations measured per function and size: {} × {} (1 KB), {} × {} (1 MB), {} × {} (50 MB) processes × invocations, after 3 unmeasured invocations per process",
            args.stream_runs,
            args.stream_invocations[0],
            args.stream_runs,
            args.stream_invocations[1],
            args.stream_runs,
            args.stream_invocations[2]
        );
        println!(
            "- first byte after the write: its arrival at the Runtime API − the handler's stamp (`CLOCK_MONOTONIC` when the first chunk is produced; for a buffered response, the whole answer − when its body is built); throughput: payload / (answer complete − event served)"
        );
        if let Some(stolen) = stream_stolen {
            println!(
                "- CPU time the hypervisor took from the machine's CPUs during these measurements (`steal` in `/proc/stat`): {} ms",
                stolen.as_millis()
            );
        }
        println!();
        print!("{}", stream::table(&streams.0, &streams.1));
    }
    println!("\n### Targets\n");
    print!("{}", report::checks_table(&checks));
    let missed = checks.iter().filter(|check| !check.met()).count();
    println!(
        "\n{} of {} targets met.",
        checks.len() - missed,
        checks.len()
    );
    Ok(missed == 0)
}

/// Builds the function binaries the way a user builds a function: release,
/// and without the driver's features. The digits examples and the stream
/// functions are built on their own, so that their features (`http`) do not
/// reach the runtime scenarios' binaries.
fn build(root: &Path, args: &Args) -> Result<(), String> {
    let bench: &[&str] = &["-p", "lambda-fn-bench", "--no-default-features", "--bins"];
    let mut builds = vec![bench];
    if args.digits {
        builds.push(&["-p", "lambda-fn-digits", "--bins"]);
    }
    if args.stream {
        builds.push(&["-p", "lambda-fn-bench-stream", "--bins"]);
    }
    for packages in builds {
        eprintln!("building: cargo build --release {}", packages.join(" "));
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(root)
            .args(["build", "--release"])
            .args(packages)
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if !status.success() {
            return Err(format!(
                "building the function binaries failed: cargo build --release {}",
                packages.join(" ")
            ));
        }
    }
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".to_owned())
}

/// What the machine is: CPUs, model, memory, kernel, compiler.
fn machine(allowed: &[usize]) -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("?", |(_, model)| model.trim())
        .to_owned();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .map(|kib| kib.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned());
    let command = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    vec![
        format!(
            "CPUs: {} (nproc; usable: {allowed:?})",
            command("nproc", &[])
        ),
        format!("CPU model: {model}"),
        format!("memory: {memory}"),
        format!("kernel: {}", command("uname", &["-sr"])),
        format!("compiler: {}", command("rustc", &["-V"])),
    ]
}
