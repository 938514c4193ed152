//! End to end with [cargo-lambda](https://www.cargo-lambda.info/), the tool
//! Rust Lambda functions are usually run locally, built and deployed with,
//! and with the AWS SAM template `examples/template.yaml`.
//!
//! - `cargo lambda watch` serves the `hello` example under cargo-lambda's
//!   Runtime API emulator, and `cargo lambda invoke` gets what a user sees:
//!   the greeting, the warm state kept from one invocation to the next, and
//!   `InvalidEvent` for an event that does not decode. It serves
//!   `digits-sqs` (package `lambda-fn-digits`) the same way: its sample
//!   batch is answered with the one message that is not an image.
//! - `cargo lambda build --release --output-format zip` packages `hello` for
//!   arm64 (Graviton) and x86_64: each zip holds one executable `bootstrap`,
//!   an ELF for that machine. The x86_64 builds run here: `hello` answers
//!   its sample event, and `guarded`, built with cargo-lambda's release
//!   settings, still reports a panic as `Panic` and keeps serving.
//! - `examples/template.yaml` deploys `sqs-orders`, `http-api`,
//!   `scheduled-report`, `stream-report`, `kafka-orders`, `mq-messages`,
//!   `firehose-transform`, `logs-alerts`, `s3-batch-tag`,
//!   `token-authorizer`, `agent-actions` and `cognito-signup` the way their
//!   triggers need.
//!
//! cargo-lambda is taken from `PATH` when it is installed. Otherwise the
//! first run installs it from PyPI (`pip install cargo-lambda`, which brings
//! `ziglang`, its cross-linker) into a virtualenv at
//! `target/cargo-lambda-venv`, and later runs reuse it. That needs `python3`
//! with its `venv` module.

use std::ffi::OsString;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use lambda_fn::testing::{Event, RuntimeApi};
use lambda_fn_tests::{sample_event, three_seconds, workspace_root};
use serde_json::{Value, json};

/// The cargo-lambda release the virtualenv gets: pinned, so that a new
/// release cannot change what these tests see without a commit saying so.
const CARGO_LAMBDA_VERSION: &str = "1.9.2";

/// `e_machine` of an x86-64 ELF file.
const EM_X86_64: u16 = 62;
/// `e_machine` of an AArch64 ELF file.
const EM_AARCH64: u16 = 183;

/// The longest a cargo-lambda build may take: a cold release build of the
/// examples' dependencies for one target, on two cores.
const BUILD_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// The longest the first `cargo lambda invoke` may take: `cargo lambda
/// watch` starts the function (`cargo run`, on a fresh build) on the first
/// invocation, perhaps after waiting for another build's lock.
const FIRST_INVOKE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The longest any later invocation may take.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);
/// What `cargo lambda watch` logs when the function process exits.
const FUNCTION_EXITED: &str = "command exited";

// ---------------------------------------------------------------------------
// cargo lambda watch + invoke

#[test]
fn watch_serves_hello_with_warm_state_and_invalid_events() {
    let _heavy = one_heavy_test_at_a_time();
    let watched = Watched::start("lambda-fn-examples", "hello");

    let events = sample_event("hello.json");
    let events = events.to_str().expect("a UTF-8 path");
    let (first, log) = watched.invoke(&["--data-file", events], FIRST_INVOKE_TIMEOUT, "invoke-1");
    assert_eq!(
        first.json_with(&log),
        json!({ "message": "Hello, Ferris!", "invocation": 1 }),
        "{first}\n{log}"
    );

    // The same execution environment serves the next invocation: the warm
    // state built by `init` is still there.
    let (second, log) = watched.invoke(&["--data-file", events], INVOKE_TIMEOUT, "invoke-2");
    assert_eq!(
        second.json_with(&log),
        json!({ "message": "Hello, Ferris!", "invocation": 2 }),
        "{second}\n{log}"
    );

    // An event that does not decode is an `InvalidEvent` error, and the
    // function keeps serving.
    let (invalid, log) = watched.invoke(
        &["--data-ascii", r#"{"nope":1}"#],
        INVOKE_TIMEOUT,
        "invoke-invalid",
    );
    assert!(
        !invalid.status.success(),
        "an invalid event must fail the invocation\n{invalid}"
    );
    let output = format!("{}{}", invalid.stdout, invalid.stderr);
    assert!(
        output.contains("InvalidEvent") && output.contains("missing field `name`"),
        "expected an InvalidEvent error naming the missing field\n{invalid}\n{log}"
    );
    let (third, log) = watched.invoke(
        &["--data-ascii", r#"{"name":"Corro"}"#],
        INVOKE_TIMEOUT,
        "invoke-3",
    );
    assert_eq!(
        third.json_with(&log),
        json!({ "message": "Hello, Corro!", "invocation": 3 }),
        "{third}\n{log}"
    );

    // The emulator and the function it started end with the test.
    drop(watched);
}

#[test]
fn watch_serves_digits_sqs_its_sample_batch() {
    let _heavy = one_heavy_test_at_a_time();
    let watched = Watched::start("lambda-fn-digits", "digits-sqs");

    // Three images and one body a pixel short (`digit-bad`): only that one
    // is reported, so SQS redelivers only it.
    let event = workspace_root().join("examples/digits/events/sqs-digits.json");
    let event = event.to_str().expect("a UTF-8 path");
    let expected = json!({ "batchItemFailures": [{ "itemIdentifier": "digit-bad" }] });
    let (first, log) = watched.invoke(
        &["--data-file", event],
        FIRST_INVOKE_TIMEOUT,
        "digits-sqs-invoke-1",
    );
    assert_eq!(first.json_with(&log), expected, "{first}\n{log}");
    // The function's log reaches watch's output: a prediction for each
    // image, by message id.
    let predictions: Vec<String> = [
        ("digit-0", "img-0"),
        ("digit-1", "img-1"),
        ("digit-2", "img-2"),
    ]
    .iter()
    .map(|(message_id, id)| format!("prediction message_id={message_id} id={id} digit="))
    .collect();
    let log = watched.log_once(
        |log| predictions.iter().all(|line| log.contains(line)),
        Duration::from_secs(10),
    );
    for line in &predictions {
        assert!(log.contains(line), "no {line:?} in\n{log}");
    }
    assert!(!log.contains("message_id=digit-bad"), "{log}");

    // The model loaded once serves the next batch too.
    let (second, log) = watched.invoke(
        &["--data-file", event],
        INVOKE_TIMEOUT,
        "digits-sqs-invoke-2",
    );
    assert_eq!(second.json_with(&log), expected, "{second}\n{log}");
    let warm = "cold_start=false}: prediction message_id=digit-0 ";
    let log = watched.log_once(|log| log.contains(warm), Duration::from_secs(10));
    assert!(log.contains(warm), "no {warm:?} in\n{log}");
    assert_eq!(log.matches("init done in ").count(), 1, "{log}");

    drop(watched);
}

/// `cargo lambda watch` serving the binary `bin` of a workspace package,
/// and `cargo lambda invoke` calling it. Dropping it stops the emulator and
/// the function it started.
struct Watched {
    cargo_lambda: &'static CargoLambda,
    bin: &'static str,
    port: u16,
    watch: Group,
}

impl Watched {
    /// Builds `bin` of `package`, then starts `cargo lambda watch` for it on
    /// a free port and waits until it listens.
    fn start(package: &str, bin: &'static str) -> Self {
        let cargo_lambda = CargoLambda::get();
        // `watch` runs `cargo run --release -p <package> --bin <bin>`: build
        // it first, so that a failing build and a failing emulator are told
        // apart, and the invocations are timed without the build.
        let build = Group::spawn(
            cargo()
                .current_dir(workspace_root())
                .env("CARGO_TARGET_DIR", build_target_dir())
                .args(["build", "--release", "-p", package, "--bin", bin]),
            &format!("build-{bin}"),
        )
        .finish(BUILD_TIMEOUT);
        assert!(build.status.success(), "{build}");

        let port = free_port();
        let mut watch = Group::spawn(
            cargo_lambda
                .command("watch")
                .args(["--release", "-p", package, "--bin", bin])
                .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
                .arg(port.to_string())
                // Other people edit this checkout: a reload would restart the
                // function, and with it the warm state the tests count.
                .arg("--ignore-changes"),
            &format!("watch-{bin}"),
        );
        watch.wait_for_port(port, Duration::from_secs(60));
        Watched {
            cargo_lambda,
            bin,
            port,
            watch,
        }
    }

    /// `cargo lambda invoke <bin>` with the `data` arguments (`--data-file
    /// <path>`, `--data-ascii <json>`), its output logged as `name`; fails
    /// the test if it has not finished after `timeout`. Returns how it
    /// finished and watch's log so far.
    fn invoke(&self, data: &[&str], timeout: Duration, name: &str) -> (Finished, String) {
        let mut command = self.cargo_lambda.command("invoke");
        command
            .arg(self.bin)
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(self.port.to_string())
            .args(data)
            .args(["--output-format", "json"]);
        // An invocation the function will never answer, because it has
        // exited, fails at once rather than at the timeout.
        let function_exited = || {
            let log = self.watch.log();
            log.contains(FUNCTION_EXITED)
                .then(|| format!("the function exited under cargo lambda watch\n{log}"))
        };
        let run = Group::spawn(&mut command, name).finish_or(timeout, function_exited);
        (
            run,
            format!("--- cargo lambda watch ---\n{}", self.watch.log()),
        )
    }

    /// watch's log, as soon as `complete` holds for it, or as it is after
    /// `timeout`: the function's stderr reaches it through a pipe, perhaps
    /// after the answer has.
    fn log_once(&self, complete: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let log = format!("--- cargo lambda watch ---\n{}", self.watch.log());
            if complete(&log) || Instant::now() >= deadline {
                return log;
            }
            sleep(Duration::from_millis(50));
        }
    }
}

// ---------------------------------------------------------------------------
// cargo lambda build

#[test]
fn build_zips_a_bootstrap_for_each_architecture() {
    let _heavy = one_heavy_test_at_a_time();
    let cargo_lambda = CargoLambda::get();
    let started = Instant::now();

    // x86_64 into a directory of its own, so that target/lambda/ holds only
    // arm64 functions, the architecture examples/template.yaml deploys.
    let x86_dir = log_dir().join("lambda-x86_64");
    let arm_zip = build_target_dir().join("lambda/hello/bootstrap.zip");
    // No zip of an earlier run may pass for this run's.
    for zip in [
        x86_dir.join("hello/bootstrap.zip"),
        x86_dir.join("guarded/bootstrap.zip"),
        arm_zip.clone(),
    ] {
        let _ = fs::remove_file(zip);
    }
    let build = Group::spawn(
        cargo_lambda
            .command("build")
            .args(["--release", "--x86-64", "--output-format", "zip"])
            .args([
                "-p",
                "lambda-fn-examples",
                "--bin",
                "hello",
                "--bin",
                "guarded",
            ])
            .arg("--lambda-dir")
            .arg(&x86_dir),
        "build-x86_64",
    )
    .finish(BUILD_TIMEOUT);
    assert!(build.status.success(), "{build}");
    let x86_build = started.elapsed();

    let hello = unzip_bootstrap(&x86_dir.join("hello/bootstrap.zip"), "hello-x86_64");
    assert_eq!(elf_machine(&hello), EM_X86_64, "{}", hello.display());
    // The packaged binary runs: local mode, on the sample event.
    let local = Group::spawn(
        Command::new(&hello)
            .arg("--event")
            .arg(sample_event("hello.json"))
            .env_remove("AWS_LAMBDA_RUNTIME_API"),
        "hello-x86_64-local",
    )
    .finish(Duration::from_secs(30));
    assert_eq!(
        local.json(),
        json!({ "message": "Hello, Ferris!", "invocation": 1 }),
        "{local}"
    );

    // cargo-lambda's release settings must keep panics catchable: a
    // panicking handler is answered `Panic` and the process serves on.
    let guarded = unzip_bootstrap(&x86_dir.join("guarded/bootstrap.zip"), "guarded-x86_64");
    assert_eq!(elf_machine(&guarded), EM_X86_64, "{}", guarded.display());
    panic_is_reported_and_the_function_serves_on(&guarded);

    let arm_started = Instant::now();
    let build = Group::spawn(
        cargo_lambda
            .command("build")
            .args(["--release", "--arm64", "--output-format", "zip"])
            .args(["-p", "lambda-fn-examples", "--bin", "hello"]),
        "build-arm64",
    )
    .finish(BUILD_TIMEOUT);
    assert!(build.status.success(), "{build}");
    let arm_build = arm_started.elapsed();
    let hello = unzip_bootstrap(&arm_zip, "hello-arm64");
    assert_eq!(elf_machine(&hello), EM_AARCH64, "{}", arm_zip.display());

    eprintln!(
        "cargo lambda build: x86_64 (hello, guarded) {:.0?}, arm64 (hello) {:.0?}",
        x86_build, arm_build
    );
}

/// Serves `guarded` from the loopback Runtime API: a panic, then a normal
/// invocation in the same process.
fn panic_is_reported_and_the_function_serves_on(bootstrap: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let api = RuntimeApi::start().await.expect("the loopback Runtime API");
        let mut function = api.spawn(bootstrap, &[]).expect("bootstrap starts");
        let deadline = || three_seconds();

        let event = Event::new(json!({ "action": "panic" }).to_string(), deadline());
        let id = event.request_id.clone();
        api.push(event);
        let Some(answer) = api.answer(&id, Duration::from_secs(30)).await else {
            let exit = function.wait(Duration::from_secs(5)).await;
            panic!(
                "no answer to a panicking invocation: the function exited with {exit:?}. \
                 `cargo lambda build --release` builds with panic = \"abort\" unless \
                 [profile.release] sets `panic` itself\n--- stderr ---\n{}",
                function.stderr()
            );
        };
        assert_eq!(answer.error_type(), Some("Panic"), "{answer:?}");
        assert_eq!(answer.error_message(), Some("boom"), "{answer:?}");

        let event = Event::new(json!({ "action": "ok" }).to_string(), deadline());
        let id = event.request_id.clone();
        api.push(event);
        let answer = api.answer(&id, Duration::from_secs(30)).await;
        let answer = answer.unwrap_or_else(|| {
            panic!(
                "no answer after the panic\n--- stderr ---\n{}",
                function.stderr()
            )
        });
        assert_eq!(answer.json(), json!({ "ok": true, "init_runs": 1 }));
        assert!(function.is_running(), "{}", function.stderr());
        function.kill().await;
    });
}

/// Checks that `zip` holds exactly one file, an executable `bootstrap`, and
/// extracts it under the log directory as `name`.
fn unzip_bootstrap(zip: &Path, name: &str) -> PathBuf {
    assert!(zip.is_file(), "{} was not built", zip.display());
    let out = log_dir().join(name);
    let _ = fs::remove_file(&out);
    // Python's zipfile, since python3 is already needed for cargo-lambda:
    // it lists the entries with their Unix modes and extracts `bootstrap`.
    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    entries = [{"name": i.filename, "mode": i.external_attr >> 16} for i in z.infolist()]
    if any(e["name"] == "bootstrap" for e in entries):
        with open(sys.argv[2], "wb") as f:
            f.write(z.read("bootstrap"))
print(json.dumps(entries))
"#;
    let listing = Group::spawn(
        Command::new("python3")
            .args(["-c", script])
            .arg(zip)
            .arg(&out),
        &format!("unzip-{name}"),
    )
    .finish(Duration::from_secs(60));
    let entries = listing.json();
    let entries = entries.as_array().expect("a list of entries");
    assert_eq!(entries.len(), 1, "{}: {entries:?}", zip.display());
    assert_eq!(entries[0]["name"], "bootstrap", "{}", zip.display());
    let mode = u32::try_from(entries[0]["mode"].as_u64().expect("a mode")).expect("a u32");
    // A regular file (S_IFREG), executable by everyone: Lambda runs it as
    // its own user.
    assert_eq!(mode & 0o170_000, 0o100_000, "mode {mode:o}");
    assert_eq!(mode & 0o111, 0o111, "bootstrap is not executable: {mode:o}");
    fs::set_permissions(&out, fs::Permissions::from_mode(mode & 0o777)).expect("chmod");
    out
}

/// The `e_machine` of the 64-bit little-endian ELF executable at `path`.
fn elf_machine(path: &Path) -> u16 {
    let bytes = fs::read(path).expect("the extracted bootstrap");
    assert!(
        bytes.len() > 64 && bytes.starts_with(b"\x7fELF"),
        "{} is not an ELF file",
        path.display()
    );
    assert_eq!(bytes[4], 2, "{} is not a 64-bit ELF file", path.display());
    assert_eq!(bytes[5], 1, "{} is not little-endian", path.display());
    // e_type: an executable (ET_EXEC) or a position-independent one (ET_DYN).
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert!(
        matches!(e_type, 2 | 3),
        "{} is not an executable (e_type {e_type})",
        path.display()
    );
    u16::from_le_bytes([bytes[18], bytes[19]])
}

// ---------------------------------------------------------------------------
// examples/template.yaml

/// The functions the template deploys: logical id, example binary.
const TEMPLATE_FUNCTIONS: [(&str, &str); 13] = [
    ("SqsOrdersFunction", "sqs-orders"),
    ("HttpApiFunction", "http-api"),
    ("ScheduledReportFunction", "scheduled-report"),
    ("StreamReportFunction", "stream-report"),
    ("KafkaOrdersFunction", "kafka-orders"),
    ("MqMessagesFunction", "mq-messages"),
    ("FirehoseTransformFunction", "firehose-transform"),
    ("LogsAlertsFunction", "logs-alerts"),
    ("S3BatchTagFunction", "s3-batch-tag"),
    ("TokenAuthorizerFunction", "token-authorizer"),
    ("AgentActionsFunction", "agent-actions"),
    ("CognitoSignupFunction", "cognito-signup"),
    ("CustomResourceFunction", "custom-resource"),
];

#[test]
fn sam_template_deploys_the_examples_on_their_triggers() {
    use serde_norway::Value as Yaml;

    let path = workspace_root().join("examples/template.yaml");
    let text = fs::read_to_string(&path).expect("examples/template.yaml");
    let template: Yaml = serde_norway::from_str(&text).expect("examples/template.yaml is YAML");
    assert_eq!(template["Transform"], "AWS::Serverless-2016-10-31");
    let resources = template["Resources"]
        .as_mapping()
        .expect("a Resources mapping");
    let resource = |name: &str| -> &Yaml {
        let found = &template["Resources"][name];
        assert!(!found.is_null(), "no resource {name}");
        found
    };
    let type_of = |name: &str| {
        resource(name)["Type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    let parameters = template["Parameters"].as_mapping();
    let is_parameter = |name: &str| parameters.is_some_and(|p| p.contains_key(name));

    // Every !Ref, !GetAtt and !Sub names a resource or a parameter of the
    // template, or a pseudo parameter.
    let mut references = Vec::new();
    collect_references(&template, &mut references);
    assert!(!references.is_empty());
    for name in &references {
        assert!(
            name.starts_with("AWS::")
                || resources.contains_key(name.as_str())
                || is_parameter(name),
            "a reference to {name}, which is neither a resource nor a parameter of the template"
        );
    }
    // Every Condition a resource or an output is under is defined.
    let conditions = template["Conditions"].as_mapping();
    let sections = [&template["Resources"], &template["Outputs"]];
    for (name, entry) in sections
        .iter()
        .filter_map(|section| section.as_mapping())
        .flatten()
    {
        if let Some(condition) = entry["Condition"].as_str() {
            assert!(
                conditions.is_some_and(|c| c.contains_key(condition)),
                "{name:?} is under {condition}, which is not a condition of the template"
            );
        }
    }
    // The names `value` refers to, anywhere inside it.
    let references_in = |value: &Yaml| -> Vec<String> {
        let mut found = Vec::new();
        collect_references(value, &mut found);
        found
    };
    // The resources of a type.
    let of_type = |wanted: &str| -> Vec<(&str, &Yaml)> {
        resources
            .iter()
            .filter(|(_, resource)| resource["Type"] == wanted)
            .map(|(name, resource)| (name.as_str().unwrap_or_default(), resource))
            .collect()
    };
    let has = |list: &Yaml, wanted: &str| {
        list.as_sequence()
            .is_some_and(|items| items.iter().any(|item| item == wanted))
    };

    // Each function: the example's `bootstrap`, built by
    // `cargo lambda build --release --arm64` into target/lambda/<name>/.
    let manifest = fs::read_to_string(workspace_root().join("examples/Cargo.toml"))
        .expect("examples/Cargo.toml");
    let globals = &template["Globals"]["Function"];
    for (id, binary) in TEMPLATE_FUNCTIONS {
        let function = &resource(id)["Properties"];
        let property = |key: &str| -> &Yaml {
            match &function[key] {
                Yaml::Null => &globals[key],
                value => value,
            }
        };
        assert_eq!(type_of(id), "AWS::Serverless::Function", "{id}");
        assert_eq!(property("Runtime"), "provided.al2023", "{id}");
        assert_eq!(property("Handler"), "bootstrap", "{id}");
        assert_eq!(
            property("Architectures").as_sequence().map(Vec::as_slice),
            Some(&[Yaml::from("arm64")][..]),
            "{id}"
        );
        let timeout = property("Timeout").as_u64().expect("a Timeout");
        assert!((1..=900).contains(&timeout), "{id}: Timeout {timeout}");
        let memory = property("MemorySize").as_u64().expect("a MemorySize");
        assert!(
            (128..=10_240).contains(&memory),
            "{id}: MemorySize {memory}"
        );
        assert!(
            manifest.contains(&format!("name = \"{binary}\"")),
            "{binary} is not a binary of lambda-fn-examples"
        );
        let code_uri = property("CodeUri").as_str().expect("a CodeUri");
        assert_eq!(
            normalize(&workspace_root().join("examples").join(code_uri)),
            workspace_root().join("target/lambda").join(binary),
            "{id}: CodeUri {code_uri}"
        );
    }

    let events = |id: &str| -> Vec<&Yaml> {
        resource(id)["Properties"]["Events"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{id} has no Events"))
            .values()
            .collect()
    };
    let target_of = |value: &Yaml, tag: &str| -> String {
        match value {
            Yaml::Tagged(tagged) if tagged.tag == tag => {
                let target = tagged.value.as_str().expect("a name");
                target.split('.').next().unwrap_or_default().to_owned()
            }
            other => panic!("expected !{tag}, found {other:?}"),
        }
    };

    // sqs-orders: an SQS event source mapping that reads
    // `batchItemFailures`, on a queue with a dead-letter queue.
    let sqs: Vec<_> = events("SqsOrdersFunction")
        .into_iter()
        .filter(|event| event["Type"] == "SQS")
        .collect();
    assert_eq!(sqs.len(), 1, "one SQS event");
    let sqs = &sqs[0]["Properties"];
    let response_types = sqs["FunctionResponseTypes"].as_sequence();
    assert!(
        response_types.is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures")),
        "without ReportBatchItemFailures Lambda ignores batchItemFailures"
    );
    let queue = target_of(&sqs["Queue"], "GetAtt");
    assert_eq!(type_of(&queue), "AWS::SQS::Queue");
    let queue = &resource(&queue)["Properties"];
    let dlq = target_of(&queue["RedrivePolicy"]["deadLetterTargetArn"], "GetAtt");
    assert_eq!(type_of(&dlq), "AWS::SQS::Queue");
    assert!(queue["RedrivePolicy"]["maxReceiveCount"].as_u64() >= Some(1));
    // AWS's advice: a visibility timeout of at least six function timeouts.
    let function_timeout = resource("SqsOrdersFunction")["Properties"]["Timeout"]
        .as_u64()
        .or_else(|| globals["Timeout"].as_u64())
        .expect("a Timeout");
    let visibility = queue["VisibilityTimeout"].as_u64().unwrap_or(30);
    assert!(
        visibility >= 6 * function_timeout,
        "VisibilityTimeout {visibility} < 6 x Timeout {function_timeout}"
    );

    // http-api: its two routes on an HTTP API, with payload format 2.0,
    // the shape of examples/events/http-api.json (and, on a REST API, the
    // read behind token-authorizer: below).
    let mut routes = Vec::new();
    let mut rest_routes = Vec::new();
    for event in events("HttpApiFunction") {
        if event["Type"] == "Api" {
            rest_routes.push(&event["Properties"]);
            continue;
        }
        assert_eq!(event["Type"], "HttpApi");
        let properties = &event["Properties"];
        let api = target_of(&properties["ApiId"], "Ref");
        assert_eq!(type_of(&api), "AWS::Serverless::HttpApi");
        assert_eq!(properties["PayloadFormatVersion"], "2.0");
        routes.push(format!(
            "{} {}",
            properties["Method"].as_str().unwrap_or_default(),
            properties["Path"].as_str().unwrap_or_default()
        ));
    }
    routes.sort();
    assert_eq!(routes, ["GET /orders/{id}", "POST /orders"]);
    let sample: Value = serde_json::from_slice(
        &fs::read(sample_event("http-api.json")).expect("examples/events/http-api.json"),
    )
    .expect("JSON");
    assert_eq!(sample["version"], "2.0");

    // scheduled-report: an EventBridge rule, which sends the "Scheduled
    // Event" envelope `#[lambda(schedule)]` accepts.
    let schedules: Vec<_> = events("ScheduledReportFunction")
        .into_iter()
        .filter(|event| event["Type"] == "Schedule")
        .collect();
    assert_eq!(schedules.len(), 1, "one Schedule event");
    let expression = schedules[0]["Properties"]["Schedule"]
        .as_str()
        .expect("a schedule expression");
    assert!(
        expression.starts_with("rate(") || expression.starts_with("cron("),
        "{expression}"
    );

    // stream-report: a function URL in RESPONSE_STREAM mode, the only one
    // that reads the streamed answers of `#[lambda(http, stream)]`.
    let url = &resource("StreamReportFunction")["Properties"]["FunctionUrlConfig"];
    assert_eq!(url["InvokeMode"], "RESPONSE_STREAM");
    assert!(
        url["AuthType"] == "AWS_IAM" || url["AuthType"] == "NONE",
        "{:?}",
        url["AuthType"]
    );

    // kafka-orders: an event source mapping on the MSK cluster given as a
    // parameter (created only when it is given), on the topic `orders`, in
    // provisioned mode, reading `batchItemFailures`.
    let kafka: Vec<_> = of_type("AWS::Lambda::EventSourceMapping")
        .into_iter()
        .filter(|(_, mapping)| {
            references_in(&mapping["Properties"]["FunctionName"]) == ["KafkaOrdersFunction"]
        })
        .collect();
    assert_eq!(
        kafka.len(),
        1,
        "one event source mapping for KafkaOrdersFunction"
    );
    let (kafka_name, kafka) = kafka[0];
    let cluster = target_of(&kafka["Properties"]["EventSourceArn"], "Ref");
    assert!(
        is_parameter(&cluster),
        "{kafka_name}: EventSourceArn !Ref {cluster}"
    );
    assert!(
        kafka["Condition"].as_str().is_some(),
        "{kafka_name} is created whether a cluster is given or not"
    );
    let kafka = &kafka["Properties"];
    assert!(has(&kafka["Topics"], "orders"), "{:?}", kafka["Topics"]);
    assert!(
        has(&kafka["FunctionResponseTypes"], "ReportBatchItemFailures"),
        "without ReportBatchItemFailures Lambda ignores batchItemFailures"
    );
    let pollers = &kafka["ProvisionedPollerConfig"];
    assert!(
        pollers.as_mapping().is_some(),
        "Kafka mappings read batchItemFailures only in provisioned mode"
    );
    let minimum = pollers["MinimumPollers"].as_u64().unwrap_or(1);
    let maximum = pollers["MaximumPollers"].as_u64().unwrap_or(200);
    assert!(1 <= minimum && minimum <= maximum, "{pollers:?}");
    let kafka_policies = &resource("KafkaOrdersFunction")["Properties"]["Policies"];
    assert!(
        format!("{kafka_policies:?}").contains("AWSLambdaMSKExecutionRole"),
        "KafkaOrdersFunction needs AWSLambdaMSKExecutionRole to read the cluster"
    );

    // mq-messages: an MQ event on the broker given as a parameter, its
    // queue `tasks`, signing in with the secret given as a parameter.
    let mq: Vec<_> = events("MqMessagesFunction")
        .into_iter()
        .filter(|event| event["Type"] == "MQ")
        .collect();
    assert_eq!(mq.len(), 1, "one MQ event");
    let mq = &mq[0]["Properties"];
    let broker = target_of(&mq["Broker"], "Ref");
    assert!(is_parameter(&broker), "Broker !Ref {broker}");
    assert_eq!(
        mq["Queues"].as_sequence().map(Vec::as_slice),
        Some(&[Yaml::from("tasks")][..])
    );
    let auth: Vec<_> = mq["SourceAccessConfigurations"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|access| access["Type"] == "BASIC_AUTH")
        .collect();
    assert_eq!(auth.len(), 1, "one BASIC_AUTH secret");
    let secret = target_of(&auth[0]["URI"], "Ref");
    assert!(is_parameter(&secret), "BASIC_AUTH !Ref {secret}");
    // A SAM event has no Condition of its own: the function has it.
    assert!(
        resource("MqMessagesFunction")["Condition"]
            .as_str()
            .is_some(),
        "MqMessagesFunction is deployed whether a broker is given or not"
    );

    // firehose-transform: the Lambda processor of a delivery stream into
    // S3, with small processor buffers (Lambda's 6 MB response limit), and
    // dynamic partitioning by the `level` key the function answers.
    let streams = of_type("AWS::KinesisFirehose::DeliveryStream");
    assert_eq!(streams.len(), 1, "one delivery stream");
    let stream = &streams[0].1["Properties"];
    assert_eq!(stream["DeliveryStreamType"], "DirectPut");
    let s3 = &stream["ExtendedS3DestinationConfiguration"];
    let bucket = target_of(&s3["BucketARN"], "GetAtt");
    assert_eq!(type_of(&bucket), "AWS::S3::Bucket");
    let processors: Vec<_> = s3["ProcessingConfiguration"]["Processors"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|processor| processor["Type"] == "Lambda")
        .collect();
    assert_eq!(processors.len(), 1, "one Lambda processor");
    assert_ne!(s3["ProcessingConfiguration"]["Enabled"], false);
    let parameter = |name: &str| -> &Yaml {
        processors[0]["Parameters"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|p| p["ParameterName"] == name)
            .map_or(&Yaml::Null, |p| &p["ParameterValue"])
    };
    assert_eq!(
        target_of(parameter("LambdaArn"), "GetAtt"),
        "FirehoseTransformFunction"
    );
    let buffer: u64 = parameter("BufferSizeInMBs")
        .as_str()
        .unwrap_or("1")
        .parse()
        .expect("BufferSizeInMBs is a number");
    assert!(
        (1..=3).contains(&buffer),
        "BufferSizeInMBs {buffer}: the answer must fit in Lambda's 6 MB response"
    );
    let prefix = s3["Prefix"].as_str().expect("a Prefix");
    assert!(
        prefix.contains("!{partitionKeyFromLambda:level}"),
        "{prefix}"
    );
    assert_eq!(s3["DynamicPartitioningConfiguration"]["Enabled"], true);
    // With dynamic partitioning: an error prefix by error output type, and
    // a delivery buffer of 64 MB at least.
    let errors = s3["ErrorOutputPrefix"]
        .as_str()
        .expect("an ErrorOutputPrefix");
    assert!(errors.contains("!{firehose:error-output-type}"), "{errors}");
    assert!(s3["BufferingHints"]["SizeInMBs"].as_u64() >= Some(64));
    // Firehose's role may invoke the function and write to the bucket.
    let role = target_of(&s3["RoleARN"], "GetAtt");
    assert_eq!(type_of(&role), "AWS::IAM::Role");
    let role = &resource(&role)["Properties"];
    assert!(
        format!("{:?}", role["AssumeRolePolicyDocument"]).contains("firehose.amazonaws.com"),
        "the delivery role is not for Firehose"
    );
    let statements = policy_statements(role);
    assert!(
        statements
            .iter()
            .any(|statement| allows(statement, "lambda:InvokeFunction")
                && references_in(&statement["Resource"]) == ["FirehoseTransformFunction"]),
        "Firehose may not invoke FirehoseTransformFunction"
    );
    assert!(
        statements
            .iter()
            .any(|statement| allows(statement, "s3:PutObject")
                && references_in(&statement["Resource"]).contains(&bucket)),
        "Firehose may not write to {bucket}"
    );

    // logs-alerts: a subscription filter on the log group of the template,
    // delivering the ERROR lines.
    let logs: Vec<_> = events("LogsAlertsFunction")
        .into_iter()
        .filter(|event| event["Type"] == "CloudWatchLogs")
        .collect();
    assert_eq!(logs.len(), 1, "one CloudWatchLogs event");
    let logs = &logs[0]["Properties"];
    let group = target_of(&logs["LogGroupName"], "Ref");
    assert_eq!(type_of(&group), "AWS::Logs::LogGroup");
    let pattern = logs["FilterPattern"].as_str().expect("a FilterPattern");
    assert!(pattern.contains("ERROR"), "FilterPattern {pattern:?}");

    // s3-batch-tag: no trigger; a role S3 Batch Operations assumes to
    // invoke it, and outputs giving both ARNs.
    assert!(
        resource("S3BatchTagFunction")["Properties"]["Events"].is_null(),
        "S3 Batch Operations jobs invoke s3-batch-tag, not an event"
    );
    let batch_roles: Vec<_> = of_type("AWS::IAM::Role")
        .into_iter()
        .filter(|(_, role)| {
            format!("{:?}", role["Properties"]["AssumeRolePolicyDocument"])
                .contains("batchoperations.s3.amazonaws.com")
        })
        .collect();
    assert_eq!(batch_roles.len(), 1, "one role for S3 Batch Operations");
    let (batch_role, role) = batch_roles[0];
    assert!(
        policy_statements(&role["Properties"])
            .iter()
            .any(|statement| allows(statement, "lambda:InvokeFunction")
                && references_in(&statement["Resource"]) == ["S3BatchTagFunction"]),
        "S3 Batch Operations may not invoke S3BatchTagFunction"
    );

    // token-authorizer: the default authorizer of a REST API, a TOKEN
    // authorizer reading the Authorization header, in front of http-api's
    // GET /orders/{id}.
    let lambda_authorizers = |api: &Yaml| -> Vec<(String, Yaml)> {
        api["Properties"]["Auth"]["Authorizers"]
            .as_mapping()
            .into_iter()
            .flatten()
            .filter(|(_, authorizer)| {
                references_in(&authorizer["FunctionArn"]) == ["TokenAuthorizerFunction"]
            })
            .map(|(name, authorizer)| {
                (
                    name.as_str().unwrap_or_default().to_owned(),
                    authorizer.clone(),
                )
            })
            .collect()
    };
    let rest_apis: Vec<_> = of_type("AWS::Serverless::Api")
        .into_iter()
        .filter(|(_, api)| !lambda_authorizers(api).is_empty())
        .collect();
    assert_eq!(
        rest_apis.len(),
        1,
        "one REST API authorized by TokenAuthorizerFunction"
    );
    let (rest_api, api) = rest_apis[0];
    let authorizers = lambda_authorizers(api);
    assert_eq!(
        authorizers.len(),
        1,
        "{rest_api}: one TokenAuthorizerFunction authorizer"
    );
    let (authorizer_name, authorizer) = &authorizers[0];
    assert_eq!(
        api["Properties"]["Auth"]["DefaultAuthorizer"],
        authorizer_name.as_str(),
        "{rest_api}: {authorizer_name} is not the default authorizer"
    );
    assert!(
        authorizer["FunctionPayloadType"].is_null() || authorizer["FunctionPayloadType"] == "TOKEN",
        "{rest_api}: {authorizer_name} is not a TOKEN authorizer"
    );
    assert_eq!(authorizer["Identity"]["Header"], "Authorization");
    // The example's Allow covers only the method ARN it was asked about, so
    // a cached policy would deny the same token on another path.
    let ttl = authorizer["Identity"]["ReauthorizeEvery"].as_u64();
    assert_eq!(
        ttl,
        Some(0),
        "{rest_api}: {authorizer_name} caches an Allow that covers one method ARN"
    );
    assert_eq!(rest_routes.len(), 1, "one Api event of HttpApiFunction");
    let rest_route = rest_routes[0];
    assert_eq!(target_of(&rest_route["RestApiId"], "Ref"), rest_api);
    assert_eq!(rest_route["Method"], "GET");
    let rest_path = rest_route["Path"].as_str().expect("a Path");
    assert!(
        rest_path.ends_with("/orders/{id}"),
        "{rest_path}: http-api routes on the path's end, /orders/{{id}}"
    );
    let rest_sample: Value = serde_json::from_slice(
        &fs::read(sample_event("http-api-rest.json")).expect("examples/events/http-api-rest.json"),
    )
    .expect("JSON");
    assert!(
        rest_sample["httpMethod"].is_string(),
        "a REST API (v1) event"
    );
    // On OrdersHttpApi, an HTTP API authorizer of payload 2.0 with simple
    // responses, if any: neither the default nor on a route, so the http-api
    // routes stay open.
    let http_api = &resource("OrdersHttpApi");
    for (name, authorizer) in lambda_authorizers(http_api) {
        assert_eq!(
            authorizer["AuthorizerPayloadFormatVersion"], "2.0",
            "{name}"
        );
        assert_eq!(authorizer["EnableSimpleResponses"], true, "{name}");
        assert!(
            has(&authorizer["Identity"]["Headers"], "Authorization"),
            "{name}"
        );
        assert_ne!(
            http_api["Properties"]["Auth"]["DefaultAuthorizer"],
            name.as_str(),
            "{name} would guard the open routes of OrdersHttpApi"
        );
    }
    for event in events("HttpApiFunction") {
        if event["Type"] == "HttpApi" {
            assert!(
                event["Properties"]["Auth"].is_null(),
                "the routes of OrdersHttpApi are open"
            );
        }
    }
    assert!(
        resource("TokenAuthorizerFunction")["Properties"]["Events"].is_null(),
        "API Gateway invokes token-authorizer for the APIs naming it, not an event"
    );

    // custom-resource: the provider of a custom resource of the stack
    // itself, which CloudFormation invokes (no event), waiting less than
    // its default hour for the response.
    assert!(
        resource("CustomResourceFunction")["Properties"]["Events"].is_null(),
        "CloudFormation invokes custom-resource, not an event"
    );
    let function_timeout = resource("CustomResourceFunction")["Properties"]["Timeout"]
        .as_u64()
        .unwrap_or(3);
    let providers: Vec<_> = resources
        .iter()
        .filter(|(_, entry)| {
            references_in(&entry["Properties"]["ServiceToken"]) == ["CustomResourceFunction"]
        })
        .collect();
    assert_eq!(
        providers.len(),
        1,
        "one custom resource served by custom-resource"
    );
    let (registry_name, registry) = providers[0];
    let registry_type = registry["Type"].as_str().unwrap_or_default();
    assert!(
        registry_type.starts_with("Custom::")
            || registry_type == "AWS::CloudFormation::CustomResource",
        "{registry_name:?} is a {registry_type}, not a custom resource"
    );
    assert_eq!(
        target_of(&registry["Properties"]["ServiceToken"], "GetAtt"),
        "CustomResourceFunction",
        "{registry_name:?}: ServiceToken"
    );
    let name = registry["Properties"]["Name"].as_str().unwrap_or_default();
    assert!(
        !name.is_empty() && name != "fail",
        "{registry_name:?}: Name {name:?} is not a name the example creates"
    );
    let service_timeout = registry["Properties"]["ServiceTimeout"]
        .as_u64()
        .expect("a ServiceTimeout, so that a stack does not wait an hour");
    assert!(
        service_timeout > function_timeout && service_timeout < 3600,
        "{registry_name:?}: ServiceTimeout {service_timeout} s, for a function timeout of {function_timeout} s"
    );

    // agent-actions: a permission for Bedrock agents of the account to
    // invoke it, and, only when a model is given, an agent whose action
    // group declares get_order_status(orderId) and calls it.
    let permissions: Vec<_> = of_type("AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, permission)| {
            references_in(&permission["Properties"]["FunctionName"]) == ["AgentActionsFunction"]
        })
        .collect();
    assert_eq!(
        permissions.len(),
        1,
        "one permission on AgentActionsFunction"
    );
    let (permission_name, permission) = permissions[0];
    let permission = &permission["Properties"];
    assert_eq!(
        permission["Principal"], "bedrock.amazonaws.com",
        "{permission_name}"
    );
    assert_eq!(
        permission["Action"], "lambda:InvokeFunction",
        "{permission_name}"
    );
    assert_eq!(
        target_of(&permission["SourceAccount"], "Ref"),
        "AWS::AccountId",
        "{permission_name}: SourceAccount"
    );
    let source = match &permission["SourceArn"] {
        Yaml::Tagged(tagged) if tagged.tag == "Sub" => tagged.value.as_str().unwrap_or_default(),
        other => other.as_str().unwrap_or_default(),
    };
    assert!(
        source.contains(":bedrock:") && source.contains("${AWS::AccountId}:agent/"),
        "{permission_name}: SourceArn {source:?} is not the agents of this account"
    );
    assert!(
        resource("AgentActionsFunction")["Properties"]["Events"].is_null(),
        "Bedrock agents invoke agent-actions, not an event"
    );
    for (agent_name, agent) in of_type("AWS::Bedrock::Agent") {
        assert!(
            agent["Condition"].as_str().is_some(),
            "{agent_name} is created whether a model is given or not"
        );
        let properties = &agent["Properties"];
        let model = target_of(&properties["FoundationModel"], "Ref");
        assert!(
            is_parameter(&model),
            "{agent_name}: FoundationModel !Ref {model}"
        );
        let groups: Vec<_> = properties["ActionGroups"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|group| {
                references_in(&group["ActionGroupExecutor"]["Lambda"]) == ["AgentActionsFunction"]
            })
            .collect();
        assert_eq!(
            groups.len(),
            1,
            "{agent_name}: one action group calling AgentActionsFunction"
        );
        let functions = &groups[0]["FunctionSchema"]["Functions"];
        let function = functions
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|function| function["Name"] == "get_order_status")
            .unwrap_or_else(|| {
                panic!("{agent_name}: the action group declares no get_order_status")
            });
        let order_id = &function["Parameters"]["orderId"];
        assert_eq!(order_id["Type"], "string", "{agent_name}: orderId");
        assert_eq!(order_id["Required"], true, "{agent_name}: orderId");
        // Its role: assumed by Bedrock, allowed to invoke the model.
        let role = target_of(&properties["AgentResourceRoleArn"], "GetAtt");
        assert_eq!(type_of(&role), "AWS::IAM::Role");
        let role = &resource(&role)["Properties"];
        assert!(
            format!("{:?}", role["AssumeRolePolicyDocument"]).contains("bedrock.amazonaws.com"),
            "{agent_name}: the role is not for Bedrock"
        );
        assert!(
            policy_statements(role).iter().any(|statement| allows(
                statement,
                "bedrock:InvokeModel"
            ) && references_in(
                &statement["Resource"]
            )
            .contains(&model)),
            "{agent_name}: the role may not invoke the model {model}"
        );
    }

    // cognito-signup: the PreSignUp trigger of a user pool of the template,
    // set by SAM's Cognito event (which also adds the permission), on a pool
    // whose users sign up with the email the trigger reads; an app client
    // to sign up with.
    let cognito: Vec<_> = events("CognitoSignupFunction")
        .into_iter()
        .filter(|event| event["Type"] == "Cognito")
        .collect();
    assert_eq!(cognito.len(), 1, "one Cognito event");
    let cognito = &cognito[0]["Properties"];
    // SAM's Cognito event takes the pool's !Ref, nothing else.
    let pool = target_of(&cognito["UserPool"], "Ref");
    assert_eq!(type_of(&pool), "AWS::Cognito::UserPool");
    let trigger = &cognito["Trigger"];
    assert!(
        trigger == "PreSignUp"
            || trigger.as_sequence().map(Vec::as_slice) == Some(&[Yaml::from("PreSignUp")][..]),
        "the Cognito event's Trigger is {trigger:?}, not PreSignUp"
    );
    let pool_properties = &resource(&pool)["Properties"];
    // SAM refuses a trigger the pool sets itself too ("defined multiple
    // times"), and the function would be invoked without a permission.
    assert!(
        pool_properties["LambdaConfig"]["PreSignUp"].is_null(),
        "{pool} sets LambdaConfig.PreSignUp itself: the Cognito event sets it"
    );
    assert!(
        has(&pool_properties["UsernameAttributes"], "email"),
        "{pool}: users do not sign up with their email, which cognito-signup reads"
    );
    assert!(
        has(&pool_properties["AutoVerifiedAttributes"], "email"),
        "{pool}: AutoVerifiedAttributes"
    );
    let clients: Vec<_> = of_type("AWS::Cognito::UserPoolClient")
        .into_iter()
        .filter(|(_, client)| references_in(&client["Properties"]["UserPoolId"]) == [pool.as_str()])
        .collect();
    assert_eq!(clients.len(), 1, "one app client of {pool}");
    let (pool_client, client) = clients[0];
    assert_ne!(
        client["Properties"]["GenerateSecret"], true,
        "{pool_client}: a client secret would make `aws cognito-idp sign-up` need a secret hash"
    );

    let outputs: Vec<String> = template["Outputs"]
        .as_mapping()
        .expect("Outputs")
        .values()
        .flat_map(|output| references_in(&output["Value"]))
        .collect();
    for name in [batch_role, "S3BatchTagFunction", pool.as_str(), pool_client] {
        assert!(
            outputs.iter().any(|output| output == name),
            "no output gives {name}"
        );
    }
}

/// The statements of an `AWS::IAM::Role`'s inline policies.
fn policy_statements(role: &serde_norway::Value) -> Vec<&serde_norway::Value> {
    role["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| {
            policy["PolicyDocument"]["Statement"]
                .as_sequence()
                .into_iter()
                .flatten()
        })
        .collect()
}

/// Whether an `Allow` statement names `action` (as a string or in a list).
fn allows(statement: &serde_norway::Value, action: &str) -> bool {
    statement["Effect"] == "Allow"
        && (statement["Action"] == action
            || statement["Action"]
                .as_sequence()
                .is_some_and(|actions| actions.iter().any(|a| a == action)))
}

/// The resource names every `!Ref`, `!GetAtt` and `!Sub` in `value` refers to.
fn collect_references(value: &serde_norway::Value, found: &mut Vec<String>) {
    use serde_norway::Value as Yaml;
    match value {
        Yaml::Tagged(tagged) => {
            let inner = &tagged.value;
            if tagged.tag == "Ref" || tagged.tag == "GetAtt" {
                let name = inner.as_str().expect("!Ref and !GetAtt take a name");
                found.push(name.split('.').next().unwrap_or_default().to_owned());
            } else if tagged.tag == "Sub" {
                let text = inner.as_str().expect("!Sub takes a string");
                for piece in text.split("${").skip(1) {
                    let name = piece.split('}').next().unwrap_or_default();
                    found.push(name.split('.').next().unwrap_or_default().to_owned());
                }
            }
            collect_references(inner, found);
        }
        Yaml::Mapping(mapping) => {
            for value in mapping.values() {
                collect_references(value, found);
            }
        }
        Yaml::Sequence(values) => {
            for value in values {
                collect_references(value, found);
            }
        }
        _ => {}
    }
}

/// `path` with its `..` and `.` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Installing and running cargo-lambda

/// How to run `cargo lambda`.
struct CargoLambda {
    /// `PATH` for every cargo-lambda command: the virtualenv's `bin` first
    /// (cargo-lambda, and `python3` with the `ziglang` module), when it is
    /// used.
    path: OsString,
}

impl CargoLambda {
    /// cargo-lambda from `PATH`, or else from the virtualenv, which is
    /// created on first use.
    fn get() -> &'static CargoLambda {
        static CARGO_LAMBDA: OnceLock<CargoLambda> = OnceLock::new();
        CARGO_LAMBDA.get_or_init(|| {
            let path = std::env::var_os("PATH").unwrap_or_default();
            if let Some(version) = cargo_lambda_version(&path) {
                eprintln!("using {version} from PATH");
                return CargoLambda { path };
            }
            let bin = virtualenv();
            let mut dirs = vec![bin];
            dirs.extend(std::env::split_paths(&path));
            CargoLambda {
                path: std::env::join_paths(dirs).expect("PATH entries"),
            }
        })
    }

    /// `cargo lambda <subcommand>`, run from the workspace root.
    fn command(&self, subcommand: &str) -> Command {
        let mut command = cargo();
        command
            .current_dir(workspace_root())
            .env("PATH", &self.path)
            // Where the outer `cargo test` does not hold the build lock.
            .env("CARGO_TARGET_DIR", build_target_dir())
            .args(["lambda", subcommand]);
        command
    }
}

/// `cargo lambda --version` with this `PATH`, if it runs.
fn cargo_lambda_version(path: &OsString) -> Option<String> {
    let output = cargo()
        .args(["lambda", "--version"])
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The `bin` directory of `target/cargo-lambda-venv`, with cargo-lambda
/// [`CARGO_LAMBDA_VERSION`] installed in it.
///
/// The virtualenv is built under a temporary name and renamed into place,
/// so that a test run elsewhere in this checkout never sees half of one.
fn virtualenv() -> PathBuf {
    let venv = target_dir().join("cargo-lambda-venv");
    let installed = |venv: &Path| {
        let binary = venv.join("bin/cargo-lambda");
        Command::new(&binary)
            .args(["lambda", "--version"])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|out| {
                out.status.success()
                    && String::from_utf8_lossy(&out.stdout).contains(CARGO_LAMBDA_VERSION)
            })
    };
    if installed(&venv) {
        return venv.join("bin");
    }
    let building = target_dir().join(format!("cargo-lambda-venv.{}", std::process::id()));
    let _ = fs::remove_dir_all(&building);
    let started = Instant::now();
    let created = Group::spawn(
        Command::new("python3").args(["-m", "venv"]).arg(&building),
        "venv",
    )
    .finish(Duration::from_secs(5 * 60));
    assert!(
        created.status.success(),
        "cannot create a virtualenv for cargo-lambda with `python3 -m venv`. \
         Install Python's venv module (on Debian and Ubuntu: `apt-get install python3-venv`), \
         or install cargo-lambda yourself (`pip install cargo-lambda`).\n{created}"
    );
    let pip = Group::spawn(
        Command::new(building.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .arg(format!("cargo-lambda=={CARGO_LAMBDA_VERSION}")),
        "pip-install",
    )
    .finish(Duration::from_secs(15 * 60));
    assert!(
        pip.status.success(),
        "`pip install cargo-lambda=={CARGO_LAMBDA_VERSION}` failed (is PyPI reachable?)\n{pip}"
    );
    assert!(
        installed(&building),
        "cargo-lambda does not run after pip install"
    );
    // Replace an outdated virtualenv; if another run has just put one in
    // place, keep that one.
    if !installed(&venv) {
        let _ = fs::remove_dir_all(&venv);
        if fs::rename(&building, &venv).is_ok() {
            eprintln!(
                "installed cargo-lambda {CARGO_LAMBDA_VERSION} in {} ({:.0?})",
                venv.display(),
                started.elapsed()
            );
        }
    }
    let _ = fs::remove_dir_all(&building);
    assert!(installed(&venv), "no cargo-lambda in {}", venv.display());
    venv.join("bin")
}

/// The `cargo` running these tests.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Where cargo-lambda builds: the target directory, or, when these tests
/// themselves run with `--release` (and the outer `cargo test` holds the
/// release build lock), `target/e2e`, as for the other end-to-end tests.
fn build_target_dir() -> PathBuf {
    let running_release = std::env::current_exe()
        .map(|exe| exe.components().any(|c| c.as_os_str() == "release"))
        .unwrap_or(false);
    if running_release {
        target_dir().join("e2e")
    } else {
        target_dir()
    }
}

/// Logs and extracted files: `target/cargo-lambda-e2e`.
fn log_dir() -> PathBuf {
    let dir = target_dir().join("cargo-lambda-e2e");
    fs::create_dir_all(&dir).expect("the log directory");
    dir
}

/// The two cargo-lambda tests each build release binaries: on two cores
/// they are faster one after the other, and `watch` answers its first
/// invocation without a second build competing for the CPU.
fn one_heavy_test_at_a_time() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loopback port nobody listens on.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

// ---------------------------------------------------------------------------
// Child processes

/// A command started in a process group of its own, so that it can be
/// stopped with everything it started (`cargo lambda watch` runs `cargo
/// run`, which runs the function). Its stdout and stderr go to files in the
/// log directory. Dropped before it has been waited for, the whole group is
/// killed: a failing assertion leaves nothing running.
struct Group {
    name: String,
    child: Child,
    reaped: bool,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// A command that has finished.
struct Finished {
    name: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Group {
    fn spawn(command: &mut Command, name: &str) -> Self {
        let dir = log_dir();
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let child = command
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("a log file"))
            .stderr(File::create(&stderr).expect("a log file"))
            .process_group(0)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {name} ({command:?}): {err}"));
        Group {
            name: name.to_owned(),
            child,
            reaped: false,
            stdout,
            stderr,
        }
    }

    /// Waits up to `timeout` for the command to exit; kills its group and
    /// fails the test if it does not.
    fn finish(self, timeout: Duration) -> Finished {
        self.finish_or(timeout, || None)
    }

    /// Like [`finish`](Self::finish), and gives up early, failing the test
    /// with the reason, as soon as `give_up` returns one.
    fn finish_or(mut self, timeout: Duration, give_up: impl Fn() -> Option<String>) -> Finished {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            let why = give_up();
            if why.is_some() || Instant::now() >= deadline {
                self.kill();
                panic!(
                    "{} did not finish: {}\n{}",
                    self.name,
                    why.unwrap_or_else(|| format!("still running after {timeout:?}")),
                    self.log()
                );
            }
            sleep(Duration::from_millis(50));
        };
        Finished {
            name: self.name.clone(),
            status,
            stdout: fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: fs::read_to_string(&self.stderr).unwrap_or_default(),
        }
    }

    /// The exit status, once the command has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().expect("waiting for a child")?;
        self.reaped = true;
        Some(status)
    }

    /// Waits until something listens on `port`; fails the test if the
    /// command exits first, or after `timeout`.
    fn wait_for_port(&mut self, port: u16, timeout: Duration) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + timeout;
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Some(status) = self.exited() {
                panic!("{} exited with {status}\n{}", self.name, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{} does not listen on {address} after {timeout:?}\n{}",
                self.name,
                self.log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// What the command has written so far.
    fn log(&self) -> String {
        let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            read(&self.stdout),
            read(&self.stderr)
        )
    }

    /// Kills the process group, then reaps the command.
    fn kill(&mut self) {
        if self.reaped {
            return;
        }
        // The group id is the child's pid, which stays reserved until the
        // child is reaped below.
        let group = self.child.id();
        let killed = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -KILL -{group}"))
            .status();
        if !killed.is_ok_and(|status| status.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.reaped = true;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Finished {
    /// Stdout as JSON; fails the test, with the whole output, if the
    /// command failed or printed something else.
    fn json(&self) -> Value {
        self.json_with("")
    }

    /// Like [`json`](Self::json), with `context` (another process's log)
    /// added to a failure's message.
    fn json_with(&self, context: &str) -> Value {
        assert!(self.status.success(), "{self}\n{context}");
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err})\n{self}\n{context}"))
    }
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exited with {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.name, self.status, self.stdout, self.stderr
        )
    }
}
