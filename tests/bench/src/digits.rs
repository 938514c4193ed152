//! The `digits` scenario: ML inference, the same model served by the
//! `lambda-fn-digits` examples and by a Python function on Lambda's Python
//! runtime interface client with onnxruntime.
//!
//! Every event is built from images of `examples/digits/model/reference.json`
//! (the model's test split, with the digit onnxruntime predicts for each),
//! and every answer is checked against them: an HTTP answer must name the
//! image's digit, an SQS answer must list exactly the batch's invalid
//! message, and the function's log must hold one `prediction` line with the
//! right digit for every valid message (see [`check_predictions`]).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::report::{Bound, Check, Figures};
pub use crate::scenario::message_id;
use crate::scenario::{answer_json, failed_items, sqs_message};

/// One image of the reference file, with the digit the model predicts.
#[derive(Clone, Debug, Deserialize)]
pub struct Image {
    /// 64 values 0..=16, row-major 8×8.
    pub pixels: Vec<Value>,
    /// The digit onnxruntime predicts for it.
    pub predicted: u8,
}

/// The reference images, and the label both sides give the model.
#[derive(Clone, Debug)]
pub struct Reference {
    images: Vec<Image>,
    model: String,
}

impl Reference {
    /// Parses `reference.json` (its `entries`).
    ///
    /// # Errors
    ///
    /// If the text is not a reference file with at least one entry.
    pub fn parse(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct File {
            model_sha256: String,
            entries: Vec<Image>,
        }
        let file: File =
            serde_json::from_str(text).map_err(|err| format!("reference.json: {err}"))?;
        if file.entries.is_empty() {
            return Err("reference.json has no entries".to_owned());
        }
        let digest = file
            .model_sha256
            .get(..12)
            .ok_or("reference.json: short model_sha256")?;
        Ok(Self {
            images: file.entries,
            model: format!("digits@{digest}"),
        })
    }

    /// The `model` every HTTP answer must carry: `digits@` and the first 12
    /// hex digits of the SHA-256 of the model the reference was made with
    /// (so a function built with another model is a wrong answer).
    pub fn model_label(&self) -> &str {
        &self.model
    }

    /// The image of prediction `n` (cycling through the file).
    pub fn image(&self, n: usize) -> &Image {
        &self.images[n % self.images.len()]
    }
}

/// How the events reach the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Workload {
    /// One image per invocation: `POST /predict` through a function URL.
    Http,
    /// SQS batches of this many messages; one of each batch is invalid.
    Sqs(usize),
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 3] = [Workload::Http, Workload::Sqs(10), Workload::Sqs(100)];

    /// The functions measured on this workload.
    pub fn functions(self) -> &'static [Function] {
        match self {
            Workload::Http => &[Function::PythonHttp, Function::DigitsHttp],
            Workload::Sqs(_) => &[
                Function::PythonSqs,
                Function::DigitsSqsPerRecord,
                Function::DigitsSqs,
            ],
        }
    }

    /// Predictions per invocation: the valid messages of a batch.
    pub fn predictions(self) -> usize {
        match self {
            Workload::Http => 1,
            Workload::Sqs(size) => size - 1,
        }
    }

    /// The position of the invalid message (63 pixels) in batch `index`:
    /// it moves from batch to batch.
    pub fn invalid_record(self, index: usize) -> Option<usize> {
        match self {
            Workload::Http => None,
            Workload::Sqs(size) => Some(index % size),
        }
    }

    /// The event of invocation `index`. `http_request` is a function URL
    /// sample event, rewritten to `POST /predict` with the image.
    pub fn event(self, index: usize, reference: &Reference, http_request: &Value) -> Vec<u8> {
        let value = match self {
            Workload::Http => {
                let mut event = http_request.clone();
                event["rawPath"] = "/predict".into();
                event["requestContext"]["http"]["method"] = "POST".into();
                event["requestContext"]["http"]["path"] = "/predict".into();
                event["requestContext"]["requestId"] = format!("{index:08x}-http").into();
                event["headers"]["content-type"] = "application/json".into();
                event["isBase64Encoded"] = false.into();
                event["body"] = json!({ "pixels": reference.image(index).pixels })
                    .to_string()
                    .into();
                event
            }
            Workload::Sqs(size) => {
                let records: Vec<Value> = (0..size)
                    .map(|record| self.sqs_record(index, record, reference))
                    .collect();
                json!({ "Records": records })
            }
        };
        serde_json::to_vec(&value).expect("events serialize")
    }

    fn sqs_record(self, index: usize, record: usize, reference: &Reference) -> Value {
        let Workload::Sqs(size) = self else {
            unreachable!("only SQS workloads have records")
        };
        let mut pixels = reference.image(index * size + record).pixels.clone();
        if self.invalid_record(index) == Some(record) {
            pixels.pop();
        }
        let body = json!({ "id": image_id(index, record), "pixels": pixels }).to_string();
        sqs_message(message_id(index, record), body, "digits")
    }

    /// Checks the answer to invocation `index`: `outcome` is the response
    /// body, or the `(errorType, errorMessage)` the function posted.
    ///
    /// # Errors
    ///
    /// What is wrong with the answer.
    pub fn check(
        self,
        index: usize,
        outcome: Result<&[u8], (&str, &str)>,
        reference: &Reference,
    ) -> Result<(), String> {
        let answer = answer_json(index, outcome)?;
        match self {
            Workload::Http => {
                let expected = reference.image(index).predicted;
                let status = answer["statusCode"].as_u64();
                let body = answer["body"]
                    .as_str()
                    .and_then(|text| serde_json::from_str::<Value>(text).ok())
                    .unwrap_or(Value::Null);
                if status != Some(200)
                    || body["digit"].as_u64() != Some(u64::from(expected))
                    || body["model"].as_str() != Some(reference.model_label())
                {
                    return Err(format!(
                        "invocation {index}: answered {answer}, expected 200 with digit {expected} from {}",
                        reference.model_label()
                    ));
                }
            }
            Workload::Sqs(_) => {
                let expected = self
                    .invalid_record(index)
                    .map(|record| message_id(index, record));
                if failed_items(&answer) != Some(expected.iter().map(String::as_str).collect()) {
                    return Err(format!(
                        "invocation {index}: answered {answer}, expected batchItemFailures [{expected:?}]"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The prediction each valid message of invocations `0..invocations`
    /// must be logged with, by message id.
    pub fn expected_predictions(
        self,
        invocations: usize,
        reference: &Reference,
    ) -> BTreeMap<String, Expected> {
        let Workload::Sqs(size) = self else {
            return BTreeMap::new();
        };
        (0..invocations)
            .flat_map(|index| (0..size).map(move |record| (index, record)))
            .filter(|&(index, record)| self.invalid_record(index) != Some(record))
            .map(|(index, record)| {
                (
                    message_id(index, record),
                    Expected {
                        id: image_id(index, record),
                        digit: reference.image(index * size + record).predicted,
                    },
                )
            })
            .collect()
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workload::Http => f.write_str("http"),
            Workload::Sqs(size) => write!(f, "sqs-{size}"),
        }
    }
}

/// One function that serves the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Function {
    /// `digits_function.http` on awslambdaric, with onnxruntime.
    PythonHttp,
    /// `digits-http`: `#[lambda(http, init = Model::load)]`, tract.
    DigitsHttp,
    /// `digits_function.sqs` on awslambdaric: one onnxruntime run per batch.
    PythonSqs,
    /// `digits-sqs-per-record`: `#[lambda(sqs, init = ...)]`, one model run
    /// per message.
    DigitsSqsPerRecord,
    /// `digits-sqs`: `#[lambda(sqs, batch, init = ...)]`, one model run per
    /// batch.
    DigitsSqs,
}

impl Function {
    /// The Rust binary, or `None` for the Python function.
    pub fn binary(self) -> Option<&'static str> {
        match self {
            Function::PythonHttp | Function::PythonSqs => None,
            Function::DigitsHttp => Some("digits-http"),
            Function::DigitsSqsPerRecord => Some("digits-sqs-per-record"),
            Function::DigitsSqs => Some("digits-sqs"),
        }
    }

    /// The arguments of the Python runtime's interpreter that start the
    /// Python function (`-m awslambdaric <module.handler>`), or `None` for a
    /// Rust binary.
    pub fn python_command(self) -> Option<&'static [&'static str]> {
        match self {
            Function::PythonHttp => Some(&["-m", "awslambdaric", "digits_function.http"]),
            Function::PythonSqs => Some(&["-m", "awslambdaric", "digits_function.sqs"]),
            _ => None,
        }
    }

    /// What the function is, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Function::PythonHttp => "Python, awslambdaric + onnxruntime",
            Function::DigitsHttp => "`digits-http`, #[lambda(http)] + tract",
            Function::PythonSqs => "Python, awslambdaric + onnxruntime, one run per batch",
            Function::DigitsSqsPerRecord => "`digits-sqs-per-record`, per-record form",
            Function::DigitsSqs => "`digits-sqs`, batch form",
        }
    }
}

/// What the log must say about one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The body's `id`.
    pub id: String,
    /// The digit the reference predicts.
    pub digit: u8,
}

/// The `id` in the body of `record` of the batch of invocation `index`.
fn image_id(index: usize, record: usize) -> String {
    format!("scan-{index}-{record}")
}

/// Checks a function's log against the predictions it must have made: one
/// `prediction` line per valid message, carrying `message_id=<id>`,
/// `id=<the body's id>` and `digit=<d>`, the digit being the reference's,
/// and no line for any other message.
///
/// # Errors
///
/// The first line that is not a whole prediction, or the first message
/// whose line is missing, repeated or wrong.
pub fn check_predictions(log: &str, expected: &BTreeMap<String, Expected>) -> Result<(), String> {
    let field = |line: &'_ str, name: &str| -> Option<String> {
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(name))
            .map(|value| value.trim_matches('"').to_owned())
    };
    let mut logged: BTreeMap<String, Expected> = BTreeMap::new();
    let is_prediction = |line: &&str| line.split_whitespace().any(|word| word == "prediction");
    for line in log.lines().filter(is_prediction) {
        let (Some(message), Some(id), Some(digit)) = (
            field(line, "message_id="),
            field(line, "id="),
            field(line, "digit="),
        ) else {
            return Err(format!(
                "a prediction line without message_id, id and digit: {line}"
            ));
        };
        let digit: u8 = digit
            .parse()
            .map_err(|_| format!("a prediction line with digit {digit:?}: {line}"))?;
        if logged
            .insert(message.clone(), Expected { id, digit })
            .is_some()
        {
            return Err(format!("message {message} was predicted twice"));
        }
    }
    for (message, want) in expected {
        match logged.remove(message) {
            Some(got) if got == *want => {}
            Some(got) => {
                return Err(format!(
                    "message {message}: logged {got:?}, expected {want:?}"
                ));
            }
            None => return Err(format!("message {message}: no prediction logged")),
        }
    }
    match logged.keys().next() {
        Some(message) => Err(format!(
            "a prediction for message {message}, which is not valid"
        )),
        None => Ok(()),
    }
}

/// The figures of one function on one workload.
pub type Row = (Workload, Function, Figures);

fn find(rows: &[Row], workload: Workload, function: Function) -> Option<&Figures> {
    rows.iter()
        .find(|(w, f, _)| *w == workload && *f == function)
        .map(|(_, _, figures)| figures)
}

/// The table of the scenario: per workload and function, throughput in
/// invocations and predictions, latency per invocation and per prediction,
/// cold start, peak RSS and deployed size.
#[allow(clippy::cast_precision_loss)]
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | function | inv/s | predictions/s | p50 µs | p99 µs | p50 µs / prediction¹ | p99 µs / prediction¹ | cold start ms | peak RSS MiB | deployed MB |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for (workload, function, figures) in rows {
        let per = workload.predictions() as f64;
        let _ = writeln!(
            out,
            "| {workload} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |",
            function.describe(),
            figures.throughput,
            figures.throughput * per,
            figures.p50_us,
            figures.p99_us,
            figures.p50_us / per,
            figures.p99_us / per,
            figures.cold_start_ms,
            figures.peak_rss_kib / 1024.0,
            figures.binary_bytes as f64 / 1e6,
        );
    }
    out.push_str(
        "\n¹ The invocation's p50 and p99 divided by its predictions (1, 9 or 99): an image waits for \
         its whole invocation.\n",
    );
    out
}

/// The targets of the scenario (issue 15): against the Python function,
/// cold start at most 1/20 and peak RSS at most 1/4 (and at most 32 MB);
/// the batch form at least 3× the per-record form's throughput on batches
/// of 100; every binary at most 20 MB stripped.
#[allow(clippy::cast_precision_loss)]
pub fn checks(rows: &[Row]) -> Vec<Check> {
    let mut checks = Vec::new();
    for workload in Workload::ALL {
        let python = match workload {
            Workload::Http => Function::PythonHttp,
            Workload::Sqs(_) => Function::PythonSqs,
        };
        let Some(peer) = find(rows, workload, python) else {
            continue;
        };
        for &function in workload.functions() {
            let (Some(name), Some(figures)) = (function.binary(), find(rows, workload, function))
            else {
                continue;
            };
            checks.push(Check {
                what: format!("digits {workload}: cold start {name}/Python"),
                measured: figures.cold_start_ms / peer.cold_start_ms,
                bound: Bound::AtMost(0.05),
            });
            checks.push(Check {
                what: format!("digits {workload}: peak RSS {name}/Python"),
                measured: figures.peak_rss_kib / peer.peak_rss_kib,
                bound: Bound::AtMost(0.25),
            });
            checks.push(Check {
                what: format!("digits {workload}: peak RSS of {name}"),
                measured: figures.peak_rss_kib * 1024.0 / 1e6,
                bound: Bound::AtMostOf(32.0, "MB"),
            });
        }
    }
    let batch = Workload::Sqs(100);
    if let (Some(together), Some(alone)) = (
        find(rows, batch, Function::DigitsSqs),
        find(rows, batch, Function::DigitsSqsPerRecord),
    ) {
        checks.push(Check {
            what: format!("digits {batch}: throughput batch form / per-record form"),
            measured: together.throughput / alone.throughput,
            bound: Bound::AtLeast(3.0),
        });
    }
    let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, function, figures) in rows {
        if let Some(name) = function.binary() {
            sizes.insert(name, figures.binary_bytes);
        }
    }
    for (name, bytes) in sizes {
        checks.push(Check {
            what: format!("digits: stripped binary {name}"),
            measured: bytes as f64 / 1e6,
            bound: Bound::AtMostOf(20.0, "MB"),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/digits/model/reference.json"
        ))
        .unwrap();
        Reference::parse(&text).unwrap()
    }

    fn figures(throughput: f64, cold_start_ms: f64, rss_mib: f64, bytes: u64) -> Figures {
        Figures {
            throughput,
            cold_start_ms,
            peak_rss_kib: rss_mib * 1024.0,
            binary_bytes: bytes,
            ..Figures::default()
        }
    }

    #[test]
    fn the_targets_compare_with_python_and_the_per_record_form() {
        let rows = vec![
            (
                Workload::Http,
                Function::PythonHttp,
                figures(900.0, 400.0, 80.0, 60_000_000),
            ),
            (
                Workload::Http,
                Function::DigitsHttp,
                figures(5000.0, 10.0, 12.0, 9_000_000),
            ),
            (
                Workload::Sqs(100),
                Function::PythonSqs,
                figures(100.0, 400.0, 80.0, 60_000_000),
            ),
            (
                Workload::Sqs(100),
                Function::DigitsSqsPerRecord,
                figures(50.0, 30.0, 12.0, 9_000_000),
            ),
            (
                Workload::Sqs(100),
                Function::DigitsSqs,
                figures(140.0, 10.0, 40.0, 21_000_000),
            ),
        ];
        let checks = checks(&rows);
        let verdict = |what: &str| {
            checks
                .iter()
                .find(|check| check.what == what)
                .unwrap_or_else(|| panic!("no check {what}"))
                .met()
        };
        assert!(verdict("digits http: cold start digits-http/Python"));
        assert!(verdict("digits http: peak RSS digits-http/Python"));
        assert!(verdict("digits http: peak RSS of digits-http"));
        // 30 ms against 400 ms is 0.075: above 1/20.
        assert!(!verdict(
            "digits sqs-100: cold start digits-sqs-per-record/Python"
        ));
        // 40 MiB: above 32 MiB, and above 1/4 of 80 MiB.
        assert!(!verdict("digits sqs-100: peak RSS of digits-sqs"));
        assert!(!verdict("digits sqs-100: peak RSS digits-sqs/Python"));
        // 140 / 50 = 2.8.
        assert!(!verdict(
            "digits sqs-100: throughput batch form / per-record form"
        ));
        assert!(verdict("digits: stripped binary digits-http"));
        assert!(!verdict("digits: stripped binary digits-sqs"));
        let table = table(&rows);
        assert!(
            table.contains("| sqs-100 | `digits-sqs`, batch form | 140 | 13860 |"),
            "{table}"
        );
    }

    #[test]
    fn sqs_batches_hold_one_invalid_message_that_moves() {
        let reference = reference();
        let event: Value =
            serde_json::from_slice(&Workload::Sqs(10).event(13, &reference, &Value::Null)).unwrap();
        let records = event["Records"].as_array().unwrap();
        assert_eq!(records.len(), 10);
        for (record, message) in records.iter().enumerate() {
            let body: Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
            let pixels = body["pixels"].as_array().unwrap().len();
            assert_eq!(pixels, if record == 3 { 63 } else { 64 }, "record {record}");
        }
        let right = json!({ "batchItemFailures": [{ "itemIdentifier": message_id(13, 3) }] });
        let right = right.to_string();
        assert_eq!(
            Workload::Sqs(10).check(13, Ok(right.as_bytes()), &reference),
            Ok(())
        );
        assert!(
            Workload::Sqs(10)
                .check(14, Ok(right.as_bytes()), &reference)
                .is_err()
        );
        let none = br#"{"batchItemFailures":[]}"#;
        assert!(Workload::Sqs(10).check(13, Ok(none), &reference).is_err());
        let expected = Workload::Sqs(10).expected_predictions(2, &reference);
        assert_eq!(expected.len(), 18);
        assert!(!expected.contains_key(&message_id(1, 1)));
        assert_eq!(expected[&message_id(1, 2)].id, "scan-1-2");
    }

    #[test]
    fn http_answers_must_name_the_reference_digit() {
        let reference = reference();
        let digit = reference.image(5).predicted;
        let label = reference.model_label().to_owned();
        assert_eq!(label, "digits@1c5752b7a1d5");
        let answer = |digit: u8| {
            let body = json!({ "digit": digit, "model": label });
            json!({ "statusCode": 200, "body": body.to_string() }).to_string()
        };
        let right = answer(digit);
        assert_eq!(
            Workload::Http.check(5, Ok(right.as_bytes()), &reference),
            Ok(())
        );
        let wrong = answer((digit + 1) % 10);
        assert!(
            Workload::Http
                .check(5, Ok(wrong.as_bytes()), &reference)
                .is_err()
        );
        assert!(
            Workload::Http
                .check(5, Err(("Panic", "boom")), &reference)
                .is_err()
        );
        // Another model is a wrong answer, even with the right digit.
        let other = json!({ "statusCode": 200, "body": json!({ "digit": digit, "model": "digits@000000000000" }).to_string() });
        assert!(
            Workload::Http
                .check(5, Ok(other.to_string().as_bytes()), &reference)
                .is_err()
        );
    }

    #[test]
    fn predictions_are_checked_line_by_line_in_both_log_formats() {
        let expected: BTreeMap<String, Expected> = [
            (
                "m1".to_owned(),
                Expected {
                    id: "a".to_owned(),
                    digit: 3,
                },
            ),
            (
                "m2".to_owned(),
                Expected {
                    id: "b".to_owned(),
                    digit: 7,
                },
            ),
        ]
        .into();
        let rust = "2026-12-02T10:00:00Z INFO prediction message_id=m1 id=a digit=3 confidence=0.99\n\
                    2026-12-02T10:00:00Z INFO prediction message_id=m2 id=b digit=7 confidence=0.98\n";
        assert_eq!(check_predictions(rust, &expected), Ok(()));
        let python = "[INFO]\t2026-12-02T10:00:00.000Z\treq-1\tprediction message_id=m1 id=a digit=3 confidence=0.990000\n\
                      [INFO]\t2026-12-02T10:00:00.000Z\treq-1\tprediction message_id=m2 id=b digit=7 confidence=0.980000\n";
        assert_eq!(check_predictions(python, &expected), Ok(()));
        let wrong = rust.replace("digit=7", "digit=1");
        assert!(check_predictions(&wrong, &expected).is_err());
        let swapped = rust.replace("id=b", "id=a");
        assert!(check_predictions(&swapped, &expected).is_err());
        let missing = rust.lines().next().unwrap();
        assert!(check_predictions(missing, &expected).is_err());
        let twice = format!("{rust}{rust}");
        assert!(check_predictions(&twice, &expected).is_err());
        let extra = format!("{rust}x INFO prediction message_id=m9 id=z digit=1\n");
        assert!(check_predictions(&extra, &expected).is_err());
        let partial = format!("{rust}x INFO prediction digit=1\n");
        assert!(check_predictions(&partial, &expected).is_err());
    }
}
