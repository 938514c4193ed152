//! trybuild UI tests: every supported form of `#[lambda]` compiles and runs
//! (`ui/pass*`), and every misuse fails with one error at the user's own
//! token (`ui/fail`).
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p lambda-fn-tests --test ui`, then read
//! every one: a message that points inside generated code, or a second,
//! cascading error, is a bug in the macro.

/// The event the whole-event pass cases are run with. trybuild runs each
/// pass case's binary without a Runtime API, so the generated `main` serves
/// one event in local mode, read from `LAMBDA_FN_EVENT`; each pass case's
/// event type decodes from this JSON and its handler answers `Ok`, so the
/// run exits 0.
const EVENT: &str = r#"{"name":"Ferris","id":7}"#;

/// The trigger pass cases: each directory holds the `event.json` its cases
/// are run with, a sample event of its trigger whose records all succeed.
const TRIGGER_CASES: &[&str] = &[
    "ui/pass-sqs",
    "ui/pass-sns",
    "ui/pass-s3",
    "ui/pass-kinesis",
    "ui/pass-dynamodb",
    "ui/pass-eventbridge",
    "ui/pass-schedule",
    "ui/pass-kafka",
    "ui/pass-mq",
    "ui/pass-firehose",
    "ui/pass-cloudwatch_logs",
    "ui/pass-s3_batch",
    "ui/pass-authorizer",
    "ui/pass-cognito",
    "ui/pass-bedrock_agent",
    "ui/pass-http",
];

fn set_event(event: &str) {
    // SAFETY: this is the only test in this binary, and trybuild spawns its
    // builds and runs from this thread after the variable is set.
    unsafe { std::env::set_var("LAMBDA_FN_EVENT", event) };
}

#[test]
fn ui() {
    set_event(EVENT);
    {
        // trybuild runs the cases when `TestCases` is dropped.
        let cases = trybuild::TestCases::new();
        cases.pass("ui/pass/*.rs");
        cases.compile_fail("ui/fail/*.rs");
    }
    for dir in TRIGGER_CASES {
        let event = std::fs::read_to_string(format!("{dir}/event.json"))
            .unwrap_or_else(|err| panic!("{dir}/event.json: {err}"));
        set_event(&event);
        trybuild::TestCases::new().pass(format!("{dir}/*.rs"));
    }
}
