//! Compile time: the incremental rebuild of the echo function after an edit
//! of its handler body, `#[lambda]` (`echo-a`) against hand-written
//! (`echo-b2`).
//!
//! The edit changes the string literal of the handler's error message. Each
//! sample edits the file, times `cargo build` of that one binary, restores
//! the file (also when anything fails, and at the next start if the driver
//! was killed in between) and times the rebuild after the restore too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lambda_fn_bench::report::CompileTime;
use lambda_fn_bench::stats::median;

/// The literal every echo handler body contains.
const LITERAL: &str = "\"the event is not a JSON object\"";
/// What an edit appends inside the literal, before the sample number.
const MARK: &str = " (bench edit ";

/// The handler files the edits go to: `(binary, file)`.
fn targets(root: &Path) -> [(&'static str, PathBuf); 2] {
    let echo = root.join("tests/bench/src/echo");
    [
        ("echo-a", echo.join("a.rs")),
        ("echo-b2", echo.join("hand.rs")),
    ]
}

/// An edited file, restored on drop.
struct Edit {
    path: PathBuf,
    original: String,
}

impl Edit {
    fn apply(path: &Path, sample: usize) -> Result<Self, String> {
        let original =
            std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
        if !original.contains(LITERAL) {
            return Err(format!("{} has no {LITERAL} to edit", path.display()));
        }
        let edited_literal = format!("{}{MARK}{sample})\"", &LITERAL[..LITERAL.len() - 1]);
        let edited = original.replacen(LITERAL, &edited_literal, 1);
        std::fs::write(path, edited).map_err(|err| format!("{}: {err}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            original,
        })
    }
}

impl Drop for Edit {
    fn drop(&mut self) {
        if let Err(err) = std::fs::write(&self.path, &self.original) {
            eprintln!(
                "bench: could not restore {}: {err}; remove the \"{MARK}N)\" from its literal by hand",
                self.path.display()
            );
        }
    }
}

/// Removes an edit left behind by a driver that was killed mid-sample.
pub fn restore_leftovers(root: &Path) -> Result<(), String> {
    for (_, path) in targets(root) {
        let text =
            std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
        if let Some(restored) = without_edit(&text) {
            std::fs::write(&path, restored).map_err(|err| format!("{}: {err}", path.display()))?;
            eprintln!(
                "bench: restored {}, left edited by an interrupted run",
                path.display()
            );
        }
    }
    Ok(())
}

/// `text` with every `" (bench edit N)"` removed, or `None` if it has none.
fn without_edit(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = false;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str(&rest[..at]);
            rest = &after[digits + 1..];
            found = true;
        } else {
            out.push_str(&rest[..at + MARK.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    found.then_some(out)
}

fn cargo(root: &Path, profile: &str, binaries: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(root)
        .args(["build", "-p", "lambda-fn-bench", "--no-default-features"]);
    if profile == "release" {
        command.arg("--release");
    }
    for binary in binaries {
        command.args(["--bin", binary]);
    }
    command
}

/// Times one `cargo build` of `binary`. `None` when cargo had to wait for
/// another build's lock (the time is then not the rebuild's).
fn timed_build(root: &Path, profile: &str, binary: &str) -> Result<Option<f64>, String> {
    let started = Instant::now();
    let output = cargo(root, profile, &[binary])
        .output()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo build --bin {binary} failed:\n{stderr}"));
    }
    if stderr.contains("Blocking waiting for file lock") {
        eprintln!("  (cargo waited for another build's lock; sample dropped)");
        return Ok(None);
    }
    if !stderr.contains("Compiling lambda-fn-bench") {
        return Err(format!(
            "cargo build --bin {binary} rebuilt nothing after the edit:\n{stderr}"
        ));
    }
    Ok(Some(seconds))
}

/// Times `samples` edit-and-rebuild pairs per binary in `profile`,
/// alternating the binaries.
pub fn measure(root: &Path, profile: &str, samples: usize) -> Result<CompileTime, String> {
    let binaries = targets(root);
    eprintln!("compile time ({profile} profile): bringing both binaries up to date");
    let status = cargo(root, profile, &["echo-a", "echo-b2"])
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if !status.success() {
        return Err(format!("cargo build ({profile}) failed"));
    }
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut attempts = 0;
    let mut sample = 0;
    while times.iter().any(|t| t.len() < 2 * samples) {
        attempts += 1;
        if attempts > 4 * samples + 4 {
            return Err(format!(
                "compile time ({profile}): too many samples dropped for waiting on other builds"
            ));
        }
        sample += 1;
        for k in 0..2 {
            let which = (sample + k) % 2;
            if times[which].len() >= 2 * samples {
                continue;
            }
            let (binary, path) = &binaries[which];
            let edit = Edit::apply(path, sample)?;
            let edited = timed_build(root, profile, binary)?;
            drop(edit);
            let restored = timed_build(root, profile, binary)?;
            times[which].extend(edited.into_iter().chain(restored));
            eprintln!(
                "  {binary}: {}",
                times[which]
                    .iter()
                    .map(|t| format!("{t:.2}s"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    let [a, b2] = times;
    Ok(CompileTime {
        profile: profile.to_owned(),
        a_secs: median(&a).unwrap_or(0.0),
        b2_secs: median(&b2).unwrap_or(0.0),
        samples: a.len().min(b2.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_edits_are_found_and_removed() {
        let edited = "return Err(\"the event is not a JSON object (bench edit 12)\".into());";
        assert_eq!(
            without_edit(edited).as_deref(),
            Some("return Err(\"the event is not a JSON object\".into());")
        );
        assert_eq!(without_edit("\"the event is not a JSON object\""), None);
        assert_eq!(without_edit(" (bench edit x)"), None);
    }
}
