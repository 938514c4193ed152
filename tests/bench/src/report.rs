//! The report: one markdown table of every variant's figures with the ratios
//! a/b1, a/b2 and a/c, the compile times, and the targets, each
//! marked met or missed.

use std::fmt::{self, Write as _};

use crate::scenario::{Scenario, Variant};

/// Where the function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Free to run on every CPU of the machine, as is the harness.
    Spread,
    /// Pinned to CPU 0 (`taskset -c 0`), the harness on another CPU: what
    /// Lambda gives a function below 1,769 MB.
    Pinned,
}

impl Mode {
    /// Both modes, in the order they run.
    pub const ALL: [Mode; 2] = [Mode::Spread, Mode::Pinned];

    /// `spread` or `pinned`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Spread => "spread",
            Mode::Pinned => "pinned",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The figures of one variant of one scenario in one mode.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Invocations measured (warm-up excluded), over every run.
    pub invocations: usize,
    /// Invocations per second: the measured invocations over the time they
    /// took, summed over every run.
    pub throughput: f64,
    /// Median time from serving `/next` to receiving the answer, µs.
    pub p50_us: f64,
    /// 99th percentile of the same, µs.
    pub p99_us: f64,
    /// On-CPU time of the function process (all its threads, its start
    /// included) per invocation it served, µs.
    pub cpu_us: f64,
    /// Median cold start (spawn → first `/next`) over every process
    /// started, ms.
    pub cold_start_ms: f64,
    /// Size of the stripped release binary, bytes.
    pub binary_bytes: u64,
    /// Median over the runs of the process's peak RSS (`VmHWM`), KiB.
    pub peak_rss_kib: f64,
    /// The most Runtime API TCP connections one process opened.
    pub max_connections: usize,
    /// The fewest.
    pub min_connections: usize,
    /// Runs (processes) whose invocations were measured.
    pub runs: usize,
    /// Cold starts measured: one per run, plus one per process started
    /// only for its cold start.
    pub cold_starts: usize,
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The scenario.
    pub scenario: Scenario,
    /// The mode.
    pub mode: Mode,
    /// The variant.
    pub variant: Variant,
    /// What was measured.
    pub figures: Figures,
}

/// Incremental rebuild times of one profile after an edit of the handler
/// body: the median over the samples, seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileTime {
    /// `dev` or `release`.
    pub profile: String,
    /// `echo-a` (`#[lambda]`).
    pub a_secs: f64,
    /// `echo-b2` (hand-written).
    pub b2_secs: f64,
    /// Rebuilds timed per binary.
    pub samples: usize,
}

/// Instructions a variant executes, counted by valgrind's callgrind: the
/// same on every run, whatever else the machine is doing.
#[derive(Clone, Debug, PartialEq)]
pub struct Instructions {
    /// The scenario.
    pub scenario: Scenario,
    /// The variant.
    pub variant: Variant,
    /// From `exec` to the first answer, the process's shutdown included
    /// (`Ir` of a process that served one invocation).
    pub first_answer: u64,
    /// Per warm invocation: the `Ir` of a process that served `n + 1`
    /// invocations, minus that of one that served 1, over `n`.
    pub per_invocation: f64,
}

/// Everything one run of the benchmark measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    /// Every variant's figures.
    pub rows: Vec<Row>,
    /// Compile times, per profile.
    pub compile: Vec<CompileTime>,
    /// Instruction counts, when asked for (`--callgrind`).
    pub instructions: Vec<Instructions>,
}

impl Results {
    /// The figures of one variant, if it was measured.
    pub fn get(&self, scenario: Scenario, mode: Mode, variant: Variant) -> Option<&Figures> {
        self.rows
            .iter()
            .find(|row| row.scenario == scenario && row.mode == mode && row.variant == variant)
            .map(|row| &row.figures)
    }
}

/// A target of the issue.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What is compared, e.g. `echo pinned: throughput a/b1`.
    pub what: String,
    /// The measured value (a ratio, or a count of connections).
    pub measured: f64,
    /// The bound it must meet.
    pub bound: Bound,
}

/// The bound of a target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The ratio must be at least this.
    AtLeast(f64),
    /// The ratio must be at most this.
    AtMost(f64),
    /// Exactly this many (connections).
    Exactly(f64),
    /// An absolute figure that must be at most this many of the unit (e.g.
    /// `AtMostOf(32.0, "MiB")`).
    AtMostOf(f64, &'static str),
}

impl Check {
    /// Whether the target is met.
    pub fn met(&self) -> bool {
        match self.bound {
            Bound::AtLeast(bound) => self.measured >= bound,
            Bound::AtMost(bound) | Bound::AtMostOf(bound, _) => self.measured <= bound,
            #[allow(clippy::float_cmp)]
            Bound::Exactly(bound) => self.measured == bound,
        }
    }
}

/// Which figure a ratio is of.
#[derive(Clone, Copy)]
enum Figure {
    Throughput,
    ColdStart,
    Size,
    Rss,
}

impl Figure {
    fn of(self, figures: &Figures) -> f64 {
        match self {
            Figure::Throughput => figures.throughput,
            Figure::ColdStart => figures.cold_start_ms,
            #[allow(clippy::cast_precision_loss)]
            Figure::Size => figures.binary_bytes as f64,
            Figure::Rss => figures.peak_rss_kib,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Figure::Throughput => "throughput",
            Figure::ColdStart => "cold start",
            Figure::Size => "binary size",
            Figure::Rss => "peak RSS",
        }
    }
}

/// The targets, checked against `results`. A target whose figures
/// were not measured (a scenario left out) is left out.
pub fn checks(results: &Results) -> Vec<Check> {
    use Bound::{AtLeast, AtMost, Exactly};
    use Figure::{ColdStart, Rss, Size, Throughput};
    use Mode::{Pinned, Spread};
    use Scenario::{Echo, Sqs, SqsIo};
    use Variant::{A, B1, B2, C};

    let mut checks = Vec::new();
    let mut ratio = |scenario: Scenario, mode: Mode, over: Variant, figure: Figure, bound| {
        let (Some(a), Some(b)) = (
            results.get(scenario, mode, A),
            results.get(scenario, mode, over),
        ) else {
            return;
        };
        let mode_name = match figure {
            Figure::Size => String::new(),
            _ => format!(" {mode}"),
        };
        checks.push(Check {
            what: format!("{scenario}{mode_name}: {} a/{over}", figure.name()),
            measured: figure.of(a) / figure.of(b),
            bound,
        });
    };
    // Against the best hand-written code: the framework costs nothing.
    for mode in Mode::ALL {
        for scenario in [Echo, Sqs] {
            ratio(scenario, mode, B2, Throughput, AtLeast(0.98));
        }
    }
    for mode in Mode::ALL {
        for scenario in Scenario::ALL {
            ratio(scenario, mode, B2, ColdStart, AtMost(1.05));
        }
    }
    for scenario in Scenario::ALL {
        ratio(scenario, Pinned, B2, Size, AtMost(1.05));
    }
    for mode in Mode::ALL {
        for scenario in Scenario::ALL {
            ratio(scenario, mode, B2, Rss, AtMost(1.05));
        }
    }
    // Against lambda_runtime's README shape, on one CPU.
    ratio(Echo, Pinned, B1, Throughput, AtLeast(1.8));
    ratio(Sqs, Pinned, B1, Throughput, AtLeast(1.4));
    for scenario in Scenario::ALL {
        ratio(scenario, Pinned, B1, ColdStart, AtMost(0.6));
    }
    // Against the floor.
    ratio(Echo, Pinned, C, Throughput, AtLeast(0.6));
    // concurrency = 10 against the sequential loop.
    for mode in [Pinned, Spread] {
        for over in [B2, B1] {
            ratio(SqsIo, mode, over, Throughput, AtLeast(5.0));
        }
    }
    // One Runtime API connection per process, in every run of `a`.
    let a_rows: Vec<&Row> = results.rows.iter().filter(|row| row.variant == A).collect();
    if !a_rows.is_empty() {
        let most = a_rows
            .iter()
            .map(|row| row.figures.max_connections)
            .max()
            .unwrap_or(0);
        let fewest = a_rows
            .iter()
            .map(|row| row.figures.min_connections)
            .min()
            .unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        checks.push(Check {
            what: format!("a: Runtime API connections per process (every run; fewest {fewest})"),
            measured: most as f64,
            bound: Exactly(1.0),
        });
    }
    for compile in &results.compile {
        checks.push(Check {
            what: format!(
                "compile ({} profile): incremental rebuild a/b2",
                compile.profile
            ),
            measured: compile.a_secs / compile.b2_secs,
            bound: AtMost(1.15),
        });
    }
    checks
}

/// `12345.6` → `12,346`.
fn thousands(value: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let digits = (value.round().max(0.0) as u64).to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn ratio_cell(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.2}×", a / b)
    } else {
        "—".to_owned()
    }
}

/// The markdown table: each scenario and mode, a row per variant, then the
/// rows a/b1, a/b2 and a/c with the ratio of every figure.
pub fn table(results: &Results) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | CPUs | variant | inv/s | p50 µs | p99 µs | CPU µs/inv | cold start ms | binary KiB | peak RSS KiB | conns/process |\n",
    );
    out.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for scenario in Scenario::ALL {
        for mode in Mode::ALL {
            let rows: Vec<&Row> = results
                .rows
                .iter()
                .filter(|row| row.scenario == scenario && row.mode == mode)
                .collect();
            for row in &rows {
                let f = &row.figures;
                let connections = if f.min_connections == f.max_connections {
                    f.max_connections.to_string()
                } else {
                    format!("{}–{}", f.min_connections, f.max_connections)
                };
                #[allow(clippy::cast_precision_loss)]
                let size_kib = f.binary_bytes as f64 / 1024.0;
                let _ = writeln!(
                    out,
                    "| {scenario} | {mode} | {} {} | {} | {:.1} | {:.1} | {:.1} | {:.2} | {} | {} | {connections} |",
                    row.variant,
                    row.variant.describe(),
                    thousands(f.throughput),
                    f.p50_us,
                    f.p99_us,
                    f.cpu_us,
                    f.cold_start_ms,
                    thousands(size_kib),
                    thousands(f.peak_rss_kib),
                );
            }
            let Some(a) = results.get(scenario, mode, Variant::A) else {
                continue;
            };
            for over in [Variant::B1, Variant::B2, Variant::C] {
                let Some(b) = results.get(scenario, mode, over) else {
                    continue;
                };
                #[allow(clippy::cast_precision_loss)]
                let _ = writeln!(
                    out,
                    "| {scenario} | {mode} | **a/{over}** | {} | {} | {} | {} | {} | {} | {} | |",
                    ratio_cell(a.throughput, b.throughput),
                    ratio_cell(a.p50_us, b.p50_us),
                    ratio_cell(a.p99_us, b.p99_us),
                    ratio_cell(a.cpu_us, b.cpu_us),
                    ratio_cell(a.cold_start_ms, b.cold_start_ms),
                    ratio_cell(a.binary_bytes as f64, b.binary_bytes as f64),
                    ratio_cell(a.peak_rss_kib, b.peak_rss_kib),
                );
            }
        }
    }
    out
}

/// The compile-time table.
pub fn compile_table(results: &Results) -> String {
    let mut out = String::new();
    out.push_str("| profile | a `echo-a` s | b2 `echo-b2` s | a/b2 | samples |\n");
    out.push_str("|---|--:|--:|--:|--:|\n");
    for compile in &results.compile {
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.2} | {} | {} |",
            compile.profile,
            compile.a_secs,
            compile.b2_secs,
            ratio_cell(compile.a_secs, compile.b2_secs),
            compile.samples
        );
    }
    out
}

/// The instruction-count table, with the ratios of `a` to each other
/// variant of its scenario.
pub fn instructions_table(results: &Results) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | variant | instructions / invocation | a/variant | instructions to first answer | a/variant |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|\n");
    for count in &results.instructions {
        let a = results
            .instructions
            .iter()
            .find(|other| other.scenario == count.scenario && other.variant == Variant::A);
        let (per, first) = match a {
            #[allow(clippy::cast_precision_loss)]
            Some(a) if count.variant != Variant::A => (
                ratio_cell(a.per_invocation, count.per_invocation),
                ratio_cell(a.first_answer as f64, count.first_answer as f64),
            ),
            _ => (String::new(), String::new()),
        };
        #[allow(clippy::cast_precision_loss)]
        let _ = writeln!(
            out,
            "| {} | {} {} | {} | {per} | {} | {first} |",
            count.scenario,
            count.variant,
            count.variant.describe(),
            thousands(count.per_invocation),
            thousands(count.first_answer as f64),
        );
    }
    out
}

/// The targets table: each target, what was measured, met or missed.
pub fn checks_table(checks: &[Check]) -> String {
    let mut out = String::new();
    out.push_str("| target | measured | bound | |\n|---|--:|--:|---|\n");
    for check in checks {
        let (bound, measured) = match check.bound {
            Bound::AtLeast(b) => (format!("≥ {b:.2}×"), format!("{:.2}×", check.measured)),
            Bound::AtMost(b) => (format!("≤ {b:.2}×"), format!("{:.2}×", check.measured)),
            Bound::Exactly(b) => (format!("= {b}"), format!("{}", check.measured)),
            Bound::AtMostOf(b, unit) => (
                format!("≤ {b} {unit}"),
                format!("{:.1} {unit}", check.measured),
            ),
        };
        let verdict = if check.met() { "met" } else { "**missed**" };
        let _ = writeln!(out, "| {} | {measured} | {bound} | {verdict} |", check.what);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(throughput: f64, cold_start_ms: f64, connections: usize) -> Figures {
        Figures {
            invocations: 1000,
            throughput,
            p50_us: 30.0,
            p99_us: 80.0,
            cpu_us: 50.0,
            cold_start_ms,
            binary_bytes: 2_000_000,
            peak_rss_kib: 3000.0,
            max_connections: connections,
            min_connections: 1,
            runs: 10,
            cold_starts: 50,
        }
    }

    fn results() -> Results {
        let row = |variant, figures| Row {
            scenario: Scenario::Echo,
            mode: Mode::Pinned,
            variant,
            figures,
        };
        Results {
            rows: vec![
                row(Variant::A, figures(14_000.0, 1.5, 1)),
                row(Variant::B1, figures(7_000.0, 3.0, 40)),
                row(Variant::B2, figures(14_100.0, 1.5, 1)),
                row(Variant::C, figures(20_000.0, 0.5, 1)),
            ],
            compile: vec![CompileTime {
                profile: "dev".into(),
                a_secs: 2.4,
                b2_secs: 2.0,
                samples: 3,
            }],
            instructions: Vec::new(),
        }
    }

    #[test]
    fn table_has_a_row_per_variant_and_per_ratio() {
        let table = table(&results());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2 + 4 + 3, "{table}");
        assert_eq!(
            lines[2],
            "| echo | pinned | a #[lambda] | 14,000 | 30.0 | 80.0 | 50.0 | 1.50 | 1,953 | 3,000 | 1 |"
        );
        assert!(lines[3].ends_with("| 1–40 |"), "{}", lines[3]);
        assert_eq!(
            lines[6],
            "| echo | pinned | **a/b1** | 2.00× | 1.00× | 1.00× | 1.00× | 0.50× | 1.00× | 1.00× | |"
        );
        assert!(lines[8].starts_with("| echo | pinned | **a/c** | 0.70× |"));
    }

    #[test]
    fn targets_are_marked() {
        let checks = checks(&results());
        let find = |what: &str| {
            checks
                .iter()
                .find(|c| c.what == what)
                .unwrap_or_else(|| panic!("no check {what}: {checks:?}"))
        };
        assert!(find("echo pinned: throughput a/b1").met());
        assert!(find("echo pinned: throughput a/b2").met()); // 0.993
        assert!(find("echo pinned: cold start a/b1").met()); // 0.5
        assert!(find("echo pinned: throughput a/c").met()); // 0.7
        assert!(find("echo: binary size a/b2").met());
        // 2.4 s / 2.0 s = 1.2 > 1.15.
        assert!(!find("compile (dev profile): incremental rebuild a/b2").met());
    }

    #[test]
    fn number_formatting() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(ratio_cell(1.0, 0.0), "—");
        let table = checks_table(&[Check {
            what: "x".into(),
            measured: 0.5,
            bound: Bound::AtLeast(0.6),
        }]);
        assert!(
            table.ends_with("| x | 0.50× | ≥ 0.60× | **missed** |\n"),
            "{table}"
        );
    }
}
