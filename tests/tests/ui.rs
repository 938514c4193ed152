//! trybuild UI tests: every supported form of `#[lambda]` compiles and runs
//! (`ui/pass*`), and every misuse fails with one error at the user's own
//! token (`ui/fail`).
//!
//! Regenerate the expected `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p lambda-fn-tests --test ui`, then read
//! every one: a message that points inside generated code, or a second,
//! cascading error, is a bug in the macro.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

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
    "ui/pass-custom_resource",
    "ui/pass-http",
];

/// The custom resource pass cases: lambda-fn PUTs each response to the
/// event's `ResponseURL`, which [`Bucket`] replaces with its own.
const CUSTOM_RESOURCE_CASES: &str = "ui/pass-custom_resource";

/// A loopback stand-in for the presigned S3 URL of the custom resource
/// pass cases: it answers every PUT `200 OK` and keeps the documents, so
/// that the test can check that every case's response was `SUCCESS` (a
/// handler's error is sent as `FAILED` and the run still exits 0).
struct Bucket {
    url: String,
    documents: Arc<Mutex<Vec<Value>>>,
}

impl Bucket {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/cr-response-key?X-Amz-Signature=ui-signature",
            listener.local_addr().unwrap()
        );
        let documents = Arc::new(Mutex::new(Vec::new()));
        let kept = documents.clone();
        // Left running: the test's process ends with it.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Some(document) = Self::answer(stream) {
                    kept.lock().unwrap().push(document);
                }
            }
        });
        Self { url, documents }
    }

    /// Reads one PUT and answers it.
    fn answer(stream: TcpStream) -> Option<Value> {
        let mut reader = BufReader::new(stream.try_clone().ok()?);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).ok()?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .ok()?;
        serde_json::from_slice(&body).ok()
    }

    /// `event` with its `ResponseURL` pointing here.
    fn event(&self, event: &str) -> String {
        let mut event: Value = serde_json::from_str(event).unwrap();
        event["ResponseURL"] = self.url.clone().into();
        event.to_string()
    }
}

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
    let bucket = Bucket::new();
    for dir in TRIGGER_CASES {
        let mut event = std::fs::read_to_string(format!("{dir}/event.json"))
            .unwrap_or_else(|err| panic!("{dir}/event.json: {err}"));
        if *dir == CUSTOM_RESOURCE_CASES {
            event = bucket.event(&event);
        }
        set_event(&event);
        trybuild::TestCases::new().pass(format!("{dir}/*.rs"));
    }
    // Each custom resource case answered `SUCCESS`, once.
    let cases = std::fs::read_dir(CUSTOM_RESOURCE_CASES)
        .unwrap()
        .filter(|entry| {
            let path = entry.as_ref().unwrap().path();
            path.extension().is_some_and(|ext| ext == "rs")
        })
        .count();
    let documents = bucket.documents.lock().unwrap();
    assert_eq!(documents.len(), cases, "{documents:#?}");
    for document in documents.iter() {
        assert_eq!(document["Status"], "SUCCESS", "{document:#}");
    }
}
