//! End to end: the digits examples (`examples/digits/`, package
//! `lambda-fn-digits`), built in release mode and served by the loopback
//! Runtime API as Lambda serves them.
//!
//! - `digits-http` classifies every image of `model/reference.json` as
//!   onnxruntime did when the model was trained (digit, probabilities within
//!   1e-5, confidence, model label), through each HTTP front door, in one
//!   warm process; bad requests are `400` naming the problem, other routes
//!   `404`, and the process serves on after them.
//! - `digits-sqs` runs a batch through the model and answers a partial batch
//!   failure listing exactly the messages that are not images; it logs one
//!   `INFO` `prediction` line per image (read from the JSON log format) and
//!   never the pixels.
//! - The sample events of `examples/digits/events/` get the answers the
//!   binaries' docs promise.
//! - `MODEL_PATH` names the model file: its label carries the file's stem,
//!   and a file that cannot be loaded fails init with a message naming it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use lambda_fn::testing::{Answer, Event, Function, RuntimeApi};
use lambda_fn_tests::{
    WAIT, batch::failed_ids, digits_binary, http::Door, stop, three_seconds, workspace_root,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// How far the probabilities tract computes may be from onnxruntime's.
const TOLERANCE: f64 = 1e-5;

/// `examples/digits/`.
fn digits_dir() -> PathBuf {
    workspace_root().join("examples/digits")
}

/// `examples/digits/model/reference.json`: test images with what
/// onnxruntime made of them.
#[derive(Debug, Deserialize)]
struct Reference {
    model_sha256: String,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, Deserialize)]
struct Entry {
    test_index: usize,
    pixels: Vec<u8>,
    label: u8,
    predicted: u8,
    probabilities: Vec<f64>,
}

fn reference() -> Reference {
    let path = digits_dir().join("model/reference.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let reference: Reference = serde_json::from_str(&text).expect("reference.json");
    assert_eq!(reference.entries.len(), 40, "reference.json has 40 images");
    reference
}

/// The SHA-256 of `model/digits.onnx`, from `model/digits.onnx.sha256`
/// (`sha256sum` format: `<64 hex digits>  digits.onnx`).
fn model_sha256() -> String {
    let path = digits_dir().join("model/digits.onnx.sha256");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let (digest, file) = text
        .trim_end()
        .split_once("  ")
        .unwrap_or_else(|| panic!("not in sha256sum format: {text:?}"));
    assert_eq!(file, "digits.onnx", "{text:?}");
    assert!(
        digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{text:?}"
    );
    digest.to_ascii_lowercase()
}

/// The label the embedded model answers with: `digits@` and the first 12
/// hex digits of its SHA-256.
fn embedded_model_label() -> String {
    format!("digits@{}", &model_sha256()[..12])
}

/// A UUID-shaped id, as Lambda's request ids and SQS's message ids are:
/// distinct for each `(test, n)`.
fn uuid(test: u16, n: usize) -> String {
    format!("6f1c{test:04x}-93a2-4d5e-b817-{n:012x}")
}

/// Starts the digits binary `name` with `env` on top of Lambda's.
async fn spawn(name: &str, env: &[(&str, &str)]) -> (RuntimeApi, Function) {
    let api = RuntimeApi::start().await.unwrap();
    let function = api.spawn(&digits_binary(name), env).unwrap();
    (api, function)
}

/// Serves `event` and waits for its answer; fails with the function's
/// stderr if none comes.
async fn call(api: &RuntimeApi, function: &Function, event: Event) -> Answer {
    let id = event.request_id.clone();
    api.push(event);
    api.answer(&id, WAIT).await.unwrap_or_else(|| {
        panic!(
            "no answer to {id} within {WAIT:?}; stderr:\n{}",
            function.stderr()
        )
    })
}

// ---------------------------------------------------------------------------
// digits-http

/// What the caller of the API sees of one response.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// The body, parsed as JSON.
    body: Value,
}

impl Reply {
    /// Reads `answer`, which must be an HTTP response with a JSON body.
    fn read(answer: &Answer) -> Self {
        assert_eq!(
            answer.error_type(),
            None,
            "the invocation failed instead of answering HTTP: {:?}",
            answer.error_message()
        );
        let raw = answer.json();
        let status = raw["statusCode"]
            .as_u64()
            .and_then(|status| u16::try_from(status).ok())
            .unwrap_or_else(|| panic!("no statusCode in {raw}"));
        let body = raw["body"]
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| panic!("the body is not JSON: {raw}"));
        Self { status, body }
    }
}

/// `POST /predict` with `body` through `door`, with request id `id`.
fn predict_event(door: Door, id: &str, body: &str) -> Event {
    Event::new(door.event("POST", "/predict", Some(body)), three_seconds()).with_request_id(id)
}

/// The body of `POST /predict` for `pixels`.
fn predict_body(pixels: &[u8]) -> String {
    json!({ "pixels": pixels }).to_string()
}

/// The probabilities of a `200` answer, as numbers.
fn probabilities(body: &Value) -> Vec<f64> {
    body["probabilities"]
        .as_array()
        .unwrap_or_else(|| panic!("no probabilities in {body}"))
        .iter()
        .map(|p| p.as_f64().unwrap_or_else(|| panic!("not a number: {p}")))
        .collect()
}

/// Checks a `200` answer to `entry`'s image against what onnxruntime gave,
/// labelled `model`.
fn assert_prediction(reply: &Reply, entry: &Entry, model: &str) {
    let context = format!("test image {}: {}", entry.test_index, reply.body);
    assert_eq!(reply.status, 200, "{context}");
    assert_eq!(reply.body["digit"], entry.predicted, "{context}");
    let got = probabilities(&reply.body);
    assert_eq!(got.len(), 10, "{context}");
    for (digit, (got, expected)) in got.iter().zip(&entry.probabilities).enumerate() {
        assert!(
            (got - expected).abs() <= TOLERANCE,
            "probability of {digit}: {got}, onnxruntime gave {expected}; {context}"
        );
    }
    let total: f64 = got.iter().sum();
    assert!(
        (total - 1.0).abs() < 1e-4,
        "they add up to {total}; {context}"
    );
    let most = got.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(reply.body["confidence"].as_f64(), Some(most), "{context}");
    assert_eq!(reply.body["model"], model, "{context}");
}

#[tokio::test]
async fn every_reference_image_is_classified_as_onnxruntime_did() {
    let reference = reference();
    assert_eq!(
        reference.model_sha256,
        model_sha256(),
        "reference.json's model"
    );
    let model = embedded_model_label();
    let (api, mut function) = spawn("digits-http", &[]).await;
    let doors = [Door::FunctionUrl, Door::HttpApi, Door::RestApi, Door::Alb];
    let mut ids = Vec::new();
    let mut right = 0;
    for (n, entry) in reference.entries.iter().enumerate() {
        let door = doors[n % doors.len()];
        let id = uuid(1, n);
        let event = predict_event(door, &id, &predict_body(&entry.pixels));
        let reply = Reply::read(&call(&api, &function, event).await);
        assert_prediction(&reply, entry, &model);
        if reply.body["digit"] == entry.label {
            right += 1;
        }
        ids.push(id);
    }
    // The model is as right as it was for onnxruntime: 35 of these 40
    // images are the digit they were labelled.
    let expected_right = reference
        .entries
        .iter()
        .filter(|entry| entry.predicted == entry.label)
        .count();
    assert_eq!(right, expected_right);
    assert!(right >= 35, "{right} of 40 right");

    // One process served them all, each invocation answered once, every
    // one with its own request id and trace id.
    let served = api.served();
    let served_ids: Vec<&str> = served.iter().map(|s| s.request_id.as_str()).collect();
    assert_eq!(served_ids, ids);
    let traces: HashSet<_> = served.iter().map(|s| s.trace_id.clone().unwrap()).collect();
    assert_eq!(traces.len(), ids.len(), "a trace id was served twice");
    assert_eq!(api.unexpected_posts(), Vec::<String>::new());
    assert_eq!(api.mismatched_posts().len(), 0);
    assert_eq!(api.connections(), 1, "one process, one connection");
    assert!(function.is_running(), "{}", function.stderr());
    // The model was loaded once, in init: the warm state served all 40.
    let stderr = stop(&mut function).await;
    let inits = stderr
        .lines()
        .filter(|line| line.contains("init done in "))
        .count();
    assert_eq!(inits, 1, "{stderr}");
}

/// `pixels` as a JSON array, with `value` (JSON text) instead of the pixel
/// `at`.
fn pixels_with(pixels: &[u8], at: usize, value: &str) -> String {
    let values: Vec<String> = pixels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == at {
                value.to_owned()
            } else {
                p.to_string()
            }
        })
        .collect();
    format!("[{}]", values.join(", "))
}

#[tokio::test]
async fn bad_requests_are_400_naming_the_problem_and_the_process_serves_on() {
    let reference = reference();
    let entry = &reference.entries[3];
    let pixels = &entry.pixels;
    let (api, mut function) = spawn("digits-http", &[]).await;
    let door = Door::FunctionUrl;

    let short = format!(
        "{{\"pixels\": {}}}",
        serde_json::to_string(&pixels[..63]).unwrap()
    );
    let cases: Vec<(&str, String, Value)> = vec![
        (
            "63 values",
            short,
            json!({ "error": "expected 64 pixel values, got 63", "path": "pixels" }),
        ),
        (
            "65 values",
            format!("{{\"pixels\": {}}}", pixels_with(pixels, 63, "3, 4")),
            json!({ "error": "expected 64 pixel values, got 65", "path": "pixels" }),
        ),
        (
            "17",
            format!("{{\"pixels\": {}}}", pixels_with(pixels, 12, "17")),
            json!({ "error": "pixel 12 is 17, outside 0..=16", "path": "pixels[12]" }),
        ),
        (
            "-1",
            format!("{{\"pixels\": {}}}", pixels_with(pixels, 0, "-1")),
            json!({ "error": "pixel 0 is -1, outside 0..=16", "path": "pixels[0]" }),
        ),
        (
            "a string",
            format!("{{\"pixels\": {}}}", pixels_with(pixels, 5, "\"x\"")),
            json!({ "error": "pixel 5 is not a number but a string", "path": "pixels[5]" }),
        ),
        (
            "not JSON",
            "pixels: 0, 0, 5".to_owned(),
            json!({ "error": "expected value", "path": null }),
        ),
        (
            "no pixels",
            json!({ "image": pixels }).to_string(),
            json!({ "error": "missing field `pixels`", "path": null }),
        ),
    ];
    for (n, (case, body, mut expected)) in cases.into_iter().enumerate() {
        let id = uuid(2, n);
        let reply = Reply::read(&call(&api, &function, predict_event(door, &id, &body)).await);
        expected["request_id"] = id.into();
        assert_eq!((reply.status, &reply.body), (400, &expected), "{case}");
    }

    for (n, (method, path)) in [("GET", "/predict"), ("POST", "/other")]
        .into_iter()
        .enumerate()
    {
        let id = uuid(3, n);
        let body = (method == "POST").then(|| predict_body(pixels));
        let event = Event::new(door.event(method, path, body.as_deref()), three_seconds())
            .with_request_id(&id);
        let reply = Reply::read(&call(&api, &function, event).await);
        assert_eq!(
            (reply.status, &reply.body),
            (
                404,
                &json!({ "error": format!("no route for {method} {path}"), "request_id": id })
            )
        );
    }

    // Still the same process, still serving.
    let id = uuid(4, 0);
    let event = predict_event(door, &id, &predict_body(pixels));
    let reply = Reply::read(&call(&api, &function, event).await);
    assert_prediction(&reply, entry, &embedded_model_label());
    assert!(function.is_running(), "{}", function.stderr());
    assert_eq!(api.unexpected_posts(), Vec::<String>::new());
    function.kill().await;
}

// ---------------------------------------------------------------------------
// digits-sqs

/// An SQS batch of `(messageId, body)` messages from a standard queue.
fn sqs_batch(messages: &[(String, String)]) -> String {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id,
                "receiptHandle": "AQEB",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1764230400000",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:digits",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({ "Records": records }).to_string()
}

/// The body of a `digits-sqs` message.
fn message_body(id: &str, pixels: &[u8]) -> String {
    json!({ "id": id, "pixels": pixels }).to_string()
}

/// Every line of `stderr`, each of which must be a JSON object (the JSON
/// log format).
fn json_lines(stderr: &str) -> Vec<Map<String, Value>> {
    stderr
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            _ => panic!("not a JSON object: {line:?}\nstderr:\n{stderr}"),
        })
        .collect()
}

/// One `prediction` line.
#[derive(Debug, PartialEq)]
struct Logged {
    id: String,
    digit: u64,
    confidence: f64,
}

/// The `prediction` lines logged in the invocation `request_id`, by message
/// id; fails if a message has more than one, or a line is not `INFO` or
/// lacks a field.
fn predictions(lines: &[Map<String, Value>], request_id: &str) -> BTreeMap<String, Logged> {
    let mut logged = BTreeMap::new();
    for line in lines.iter().filter(|line| line["message"] == "prediction") {
        assert_eq!(line["level"], "INFO", "{line:?}");
        assert_eq!(line.get("requestId"), Some(&json!(request_id)), "{line:?}");
        let text = |key: &str| {
            line.get(key)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no {key} in {line:?}"))
                .to_owned()
        };
        let prediction = Logged {
            id: text("id"),
            digit: line.get("digit").and_then(Value::as_u64).expect("digit"),
            confidence: line
                .get("confidence")
                .and_then(Value::as_f64)
                .expect("confidence"),
        };
        let message_id = text("message_id");
        if let Some(earlier) = logged.insert(message_id.clone(), prediction) {
            panic!("two predictions for {message_id}: {earlier:?}, {line:?}");
        }
    }
    logged
}

/// Checks the prediction logged for a message of image `entry`, sent as
/// `id`.
fn assert_logged(logged: Option<&Logged>, id: &str, entry: &Entry) {
    let logged = logged.unwrap_or_else(|| panic!("no prediction logged for {id}"));
    assert_eq!(logged.id, id);
    assert_eq!(logged.digit, u64::from(entry.predicted), "{id}");
    let most = entry.probabilities.iter().copied().fold(0.0, f64::max);
    assert!(
        (logged.confidence - most).abs() <= TOLERANCE,
        "{id}: confidence {}, onnxruntime gave {most}",
        logged.confidence
    );
}

/// How many consecutive values of an image count as showing it.
const RUN: usize = 16;

/// The numbers written in `text`, in order, whatever separates them: a
/// pixel list logged as JSON (`[0,13,`), as Rust's `Debug` of `f32`s
/// (`[0.0, 13.0, `) or one per line all read the same. Each number is its
/// value if it is a whole pixel value 0..=16, `None` otherwise.
fn numbers(text: &str) -> Vec<Option<u8>> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|token| !token.is_empty())
        .map(|token| {
            token
                .parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && (0.0..=16.0).contains(v))
                // A whole number 0..=16: the cast is exact.
                .map(|v| v as u8)
        })
        .collect()
}

/// Whether `text` shows [`RUN`] consecutive values of any image of
/// `images`.
fn shows_pixels(text: &str, images: &[&[u8]]) -> bool {
    let written = numbers(text);
    let runs: HashSet<&[Option<u8>]> = written.windows(RUN).collect();
    images.iter().any(|image| {
        image.windows(RUN).any(|run| {
            let run: Vec<Option<u8>> = run.iter().copied().map(Some).collect();
            runs.contains(run.as_slice())
        })
    })
}

#[tokio::test]
async fn a_batch_answers_exactly_its_invalid_messages_and_logs_each_prediction() {
    let reference = reference();
    let (api, mut function) = spawn("digits-sqs", &[("AWS_LAMBDA_LOG_FORMAT", "JSON")]).await;
    // Ten images, and three bodies that are not one, among them.
    let mut messages = Vec::new();
    let mut valid = Vec::new();
    let mut images: Vec<Vec<u8>> = Vec::new();
    for (n, entry) in reference.entries.iter().step_by(4).take(10).enumerate() {
        let message_id = uuid(5, n);
        let id = format!("scan-{:04}", entry.test_index);
        messages.push((message_id.clone(), message_body(&id, &entry.pixels)));
        valid.push((message_id, id, entry));
        images.push(entry.pixels.clone());
    }
    let short = reference.entries[1].pixels[..63].to_vec();
    let mut seventeen = reference.entries[2].pixels.clone();
    seventeen[20] = 17;
    let text = reference.entries[3].pixels.clone();
    let invalid = [
        (uuid(6, 0), message_body("scan-short", &short)),
        (uuid(6, 1), message_body("scan-17", &seventeen)),
        (uuid(6, 2), format!("scan-text {text:?}")),
    ];
    images.extend([short, seventeen, text]);
    for (at, message) in [(0, &invalid[0]), (5, &invalid[1]), (12, &invalid[2])] {
        messages.insert(at, message.clone());
    }
    assert_eq!(messages.len(), 13);

    let request_id = uuid(7, 0);
    let event = Event::new(sqs_batch(&messages), three_seconds()).with_request_id(&request_id);
    let answer = call(&api, &function, event).await;
    let mut failed = failed_ids(&answer.json());
    failed.sort();
    let mut expected: Vec<String> = invalid.iter().map(|(id, _)| id.clone()).collect();
    expected.sort();
    assert_eq!(failed, expected);

    let stderr = stop(&mut function).await;
    let lines = json_lines(&stderr);
    let logged = predictions(&lines, &request_id);
    assert_eq!(
        logged.keys().collect::<BTreeSet<_>>(),
        valid.iter().map(|(message_id, ..)| message_id).collect(),
        "one prediction per image, none for the bodies that are not one:\n{stderr}"
    );
    for (message_id, id, entry) in &valid {
        assert_logged(logged.get(message_id), id, entry);
    }
    // Each invalid message is logged as failed, by its message id.
    let failures: BTreeSet<&str> = lines
        .iter()
        .filter(|line| {
            line["level"] == "ERROR"
                && line["message"]
                    .as_str()
                    .is_some_and(|message| message.starts_with("record failed"))
        })
        .filter_map(|line| line.get("record").and_then(Value::as_str))
        .collect();
    assert_eq!(
        failures,
        expected.iter().map(String::as_str).collect(),
        "{stderr}"
    );

    // No pixels in the logs. The check can fail: it finds the images in the
    // bodies sent, and in a `Debug` print of them.
    let images: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    for (_, body) in &messages {
        assert!(shows_pixels(body, &images), "{body}");
    }
    let debug: Vec<f32> = images[0].iter().map(|&p| f32::from(p)).collect();
    assert!(shows_pixels(&format!("{debug:?}"), &images));
    assert!(!shows_pixels(&stderr, &images), "pixels logged:\n{stderr}");
}

#[tokio::test]
async fn a_batch_of_100_images_has_no_failures_and_100_predictions() {
    let reference = reference();
    let (api, mut function) = spawn("digits-sqs", &[("AWS_LAMBDA_LOG_FORMAT", "JSON")]).await;
    let messages: Vec<(String, String)> = (0..100)
        .map(|n| {
            let entry = &reference.entries[n % reference.entries.len()];
            (
                uuid(8, n),
                message_body(&format!("batch-{n:03}"), &entry.pixels),
            )
        })
        .collect();
    let request_id = uuid(9, 0);
    let event = Event::new(sqs_batch(&messages), three_seconds()).with_request_id(&request_id);
    let answer = call(&api, &function, event).await;
    assert_eq!(answer.json(), json!({ "batchItemFailures": [] }));

    let stderr = stop(&mut function).await;
    let logged = predictions(&json_lines(&stderr), &request_id);
    assert_eq!(logged.len(), 100, "{stderr}");
    for (n, (message_id, _)) in messages.iter().enumerate() {
        let entry = &reference.entries[n % reference.entries.len()];
        assert_logged(logged.get(message_id), &format!("batch-{n:03}"), entry);
    }
    let images: Vec<&[u8]> = reference
        .entries
        .iter()
        .map(|entry| entry.pixels.as_slice())
        .collect();
    assert!(!shows_pixels(&stderr, &images), "pixels logged:\n{stderr}");
}

// ---------------------------------------------------------------------------
// The sample events

/// A sample event of `examples/digits/events/`, as JSON.
fn digits_event(name: &str) -> Value {
    let path = digits_dir().join("events").join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).expect("the sample event is JSON")
}

/// The reference entry of the image `pixels`.
fn entry_of<'a>(reference: &'a Reference, pixels: &Value) -> &'a Entry {
    let pixels: Vec<u8> = serde_json::from_value(pixels.clone()).expect("pixels");
    reference
        .entries
        .iter()
        .find(|entry| entry.pixels == pixels)
        .unwrap_or_else(|| panic!("no reference image {pixels:?}"))
}

#[tokio::test]
async fn the_sample_events_get_the_documented_answers() {
    let reference = reference();

    // predict.json: an HTTP API request for a 1.
    let event = digits_event("predict.json");
    let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    let entry = entry_of(&reference, &body["pixels"]);
    let (api, mut function) = spawn("digits-http", &[]).await;
    let answer = call(
        &api,
        &function,
        Event::new(event.to_string(), three_seconds()),
    )
    .await;
    let reply = Reply::read(&answer);
    assert_eq!(reply.body["digit"], 1, "{:?}", reply.body);
    assert_prediction(&reply, entry, &embedded_model_label());
    stop(&mut function).await;

    // sqs-digits.json: three images and one short of a pixel.
    let event = digits_event("sqs-digits.json");
    let (api, mut function) = spawn("digits-sqs", &[("AWS_LAMBDA_LOG_FORMAT", "JSON")]).await;
    let request_id = uuid(10, 0);
    let answer = call(
        &api,
        &function,
        Event::new(event.to_string(), three_seconds()).with_request_id(&request_id),
    )
    .await;
    assert_eq!(
        answer.json(),
        json!({ "batchItemFailures": [{ "itemIdentifier": "digit-bad" }] })
    );
    let stderr = stop(&mut function).await;
    let logged = predictions(&json_lines(&stderr), &request_id);
    let records = event["Records"].as_array().unwrap();
    assert_eq!(logged.len(), records.len() - 1, "{stderr}");
    for record in records
        .iter()
        .filter(|record| record["messageId"] != "digit-bad")
    {
        let body: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
        let message_id = record["messageId"].as_str().unwrap();
        assert_logged(
            logged.get(message_id),
            body["id"].as_str().unwrap(),
            entry_of(&reference, &body["pixels"]),
        );
    }
}

// ---------------------------------------------------------------------------
// MODEL_PATH

#[tokio::test]
async fn model_path_names_the_model_file_and_a_bad_one_fails_init() {
    let reference = reference();
    let entry = &reference.entries[7];
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("e2e-digits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("mymodel.onnx");
    std::fs::copy(digits_dir().join("model/digits.onnx"), &copy).unwrap();

    // A copy of the model: the same answers, labelled with the file's stem.
    let path = copy.to_str().expect("a UTF-8 path");
    let (api, mut function) = spawn("digits-http", &[("MODEL_PATH", path)]).await;
    let event = predict_event(
        Door::FunctionUrl,
        &uuid(11, 0),
        &predict_body(&entry.pixels),
    );
    let reply = Reply::read(&call(&api, &function, event).await);
    let label = format!("mymodel@{}", &model_sha256()[..12]);
    assert_prediction(&reply, entry, &label);
    stop(&mut function).await;

    // A file that is not there, and one that is not a model: init fails,
    // and Lambda is told why, with the path (after it, the I/O error or
    // what tract made of the bytes).
    let missing = dir.join("missing.onnx");
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"not a model").unwrap();
    for (path, why) in [
        (
            &missing,
            format!("cannot read model file {}: ", missing.display()),
        ),
        (
            &junk,
            format!("model file {}: cannot parse it as ONNX: ", junk.display()),
        ),
    ] {
        let path = path.to_str().expect("a UTF-8 path");
        let (api, mut function) = spawn("digits-http", &[("MODEL_PATH", path)]).await;
        let posted = api.init_error(WAIT).await.unwrap_or_else(|| {
            panic!(
                "{path}: no init error posted; stderr:\n{}",
                function.stderr()
            )
        });
        assert_eq!(posted.error_type(), Some("InitError"), "{path}");
        let message = posted.error_message().unwrap();
        // The type of the error init returned, then its message.
        assert!(
            message.starts_with(&format!("ModelError: {why}")),
            "{path}: {message}"
        );
        let status = function.wait(WAIT).await.expect("the process exits");
        assert!(!status.success(), "{path}: exit status {status}");
        assert_eq!(api.polls(), 0, "{path}: /next polled although init failed");
        let stderr = function.stderr();
        assert!(
            stderr.contains("InitError: ") && stderr.contains(&why),
            "{path}:\n{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
