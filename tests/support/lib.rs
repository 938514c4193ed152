//! Helpers shared by the workspace tests: building the example binaries the
//! end-to-end tests run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
}

/// The path of an example binary, built in release mode (once per test
/// process) exactly as a user deploys it.
///
/// Cargo locks each profile's directory while it builds; the tests run in
/// the `debug` profile, so building `release` here does not wait on the
/// outer `cargo test`. If the tests themselves run with `--release`, the
/// examples go to a separate target directory instead.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"));
        let running_release = std::env::current_exe()
            .map(|exe| exe.components().any(|c| c.as_os_str() == "release"))
            .unwrap_or(false);
        let target = if running_release {
            target.join("e2e")
        } else {
            target
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace_root())
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "lambda-fn-examples",
                "--bins",
            ])
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the examples failed: {status}");
        target.join("release")
    });
    let binary = dir.join(name);
    assert!(binary.exists(), "{} was not built", binary.display());
    binary
}

/// The path of a sample event under `examples/events/`.
pub fn sample_event(name: &str) -> PathBuf {
    workspace_root().join("examples/events").join(name)
}

/// Sends signal `name` (`TERM`, `INT`, ...) to process `pid` with the `kill`
/// utility.
pub fn send_signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// The order ids `sqs-orders` logged as accepted (`accepted order <id> ...`).
pub fn accepted_orders(stderr: &str) -> BTreeSet<u64> {
    stderr
        .lines()
        .filter_map(|line| line.split("accepted order ").nth(1))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect()
}
