//! Helpers shared by the workspace tests: building the example binaries the
//! end-to-end tests run, serving them on the loopback Runtime API, and
//! reading what they answer and log. Each helper is written here once; the
//! test files under `tests/tests/` only say what they check.

pub mod batch;
pub mod http;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use lambda_fn::testing::{Answer, DeadlineHeader, Function, RuntimeApi};

/// How long a test waits for an answer, an exit or a poll before it fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// A deadline `secs` seconds after the event is handed out.
pub fn seconds(secs: u64) -> DeadlineHeader {
    DeadlineHeader::In(Duration::from_secs(secs))
}

/// The deadline most events are sent with: ample for any handler that does
/// not sleep on purpose.
pub fn three_seconds() -> DeadlineHeader {
    seconds(3)
}

/// The workspace root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
}

/// The path of an example binary of `examples/` (package
/// `lambda-fn-examples`), built in release mode (once per test process)
/// exactly as a user deploys it.
///
/// Cargo locks each profile's directory while it builds; the tests run in
/// the `debug` profile, so building `release` here does not wait on the
/// outer `cargo test`. If the tests themselves run with `--release`, the
/// examples go to a separate target directory instead.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    release_binary("lambda-fn-examples", &BUILT, name)
}

/// The path of a binary of the digits examples (package `lambda-fn-digits`
/// in `examples/digits/`: `digits-http`, `digits-sqs`), built in release
/// mode once per test process, in the same target directory as
/// [`example_binary`]'s.
pub fn digits_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    release_binary("lambda-fn-digits", &BUILT, name)
}

/// The release binary `name` of `package`. Every binary of `package` is
/// built the first time one is asked for; `built` then remembers where they
/// are. Fails the test if the build fails or `name` is not among them.
fn release_binary(package: &str, built: &'static OnceLock<PathBuf>, name: &str) -> PathBuf {
    let dir = built.get_or_init(|| {
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
            .args(["build", "--release", "--quiet", "-p", package, "--bins"])
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {package} failed: {status}");
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

/// A loopback Runtime API serving the example `name`, spawned without extra
/// environment.
pub async fn serve(name: &str) -> (RuntimeApi, Function) {
    let api = RuntimeApi::start().await.unwrap();
    let function = api.spawn(&example_binary(name), &[]).unwrap();
    (api, function)
}

/// Kills `function`, waits for it to end and returns everything it logged.
pub async fn stop(function: &mut Function) -> String {
    function.kill().await;
    function.wait(Duration::from_secs(10)).await;
    function.stderr()
}

/// The example binary `name` run in local mode: no Runtime API and no
/// `LAMBDA_FN_EVENT`, so it serves the event it is given on the command line
/// or stdin.
pub fn local(name: &str) -> Command {
    let mut command = Command::new(example_binary(name));
    command
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("LAMBDA_FN_EVENT");
    command
}

/// Asserts that a local-mode run exited 0, showing its stderr if not.
pub fn assert_exit_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that `answer` is an `InvalidEvent` whose message starts with
/// `prefix` (the path of the first field that did not decode).
pub fn assert_invalid_event(answer: &Answer, prefix: &str) {
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert!(
        answer.error_message().unwrap().starts_with(prefix),
        "{:?}",
        answer.error_message()
    );
}

/// The words that follow `marker` on each line of `stderr` that has it, up
/// to `end`: `logged(stderr, "accepted order ", " ")` reads the order ids
/// of the lines `accepted order <id> ...`.
pub fn logged<'a>(stderr: &'a str, marker: &'a str, end: &'a str) -> impl Iterator<Item = &'a str> {
    stderr
        .lines()
        .filter_map(move |line| line.split(marker).nth(1))
        .filter_map(move |rest| rest.split(end).next())
}

/// The order ids `sqs-orders` logged as accepted (`accepted order <id> ...`).
pub fn accepted_orders(stderr: &str) -> BTreeSet<u64> {
    logged(stderr, "accepted order ", " ")
        .filter_map(|id| id.parse().ok())
        .collect()
}
