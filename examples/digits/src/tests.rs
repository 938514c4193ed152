//! The model against what `model/train.py` recorded.

#![allow(clippy::float_cmp, reason = "the values compared are exact")]

use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::*;

const CHECKSUM: &str = include_str!("../model/digits.onnx.sha256");
const REFERENCE: &str = include_str!("../model/reference.json");

/// How far tract's probabilities may be from onnxruntime's.
const TOLERANCE: f32 = 1e-5;

#[derive(Deserialize)]
struct Reference {
    model_sha256: String,
    test_accuracy: f64,
    entries: Vec<Entry>,
}

#[derive(Deserialize, Clone)]
struct Entry {
    test_index: usize,
    pixels: Pixels,
    label: u8,
    predicted: u8,
    probabilities: [f32; CLASS_COUNT],
}

fn reference() -> Reference {
    serde_json::from_str(REFERENCE).expect("model/reference.json")
}

/// The embedded model, built once for all the tests.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::load().expect("the embedded model loads"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Where `prediction` disagrees with `entry`, if it does.
fn mismatch(entry: &Entry, prediction: &Prediction) -> Option<String> {
    let worst = entry
        .probabilities
        .iter()
        .zip(&prediction.probabilities)
        .map(|(expected, got)| (expected - got).abs())
        // Not `f32::max`, which would skip a NaN.
        .fold(
            0.0,
            |worst, d| if d.is_nan() || d > worst { d } else { worst },
        );
    if worst.is_nan() || worst > TOLERANCE {
        return Some(format!(
            "test image {}: probabilities {:?}, expected {:?} (off by {worst:e})",
            entry.test_index, prediction.probabilities, entry.probabilities
        ));
    }
    if prediction.digit != entry.predicted {
        return Some(format!(
            "test image {}: predicted {}, expected {}",
            entry.test_index, prediction.digit, entry.predicted
        ));
    }
    None
}

#[test]
fn the_model_matches_its_checksum() {
    let (digest, file) = CHECKSUM
        .trim_end()
        .split_once("  ")
        .expect("sha256sum format");
    assert_eq!(file, "digits.onnx");
    let on_disk = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/model/digits.onnx")).unwrap();
    assert_eq!(on_disk, EMBEDDED);
    assert_eq!(
        sha256_hex(EMBEDDED),
        digest,
        "model/digits.onnx changed: rerun model/train.py, which rewrites the checksum and reference.json"
    );
    // The reference was made with this very model.
    assert_eq!(reference().model_sha256, digest);
}

#[test]
fn the_label_names_the_model_and_its_digest() {
    let digest = CHECKSUM.split_whitespace().next().unwrap();
    assert_eq!(model().label(), format!("digits@{}", &digest[..12]));
    assert_eq!(
        format!("{:?}", model()),
        format!("Model {{ label: {:?}, .. }}", model().label())
    );
}

#[test]
fn the_reference_covers_every_digit() {
    let reference = reference();
    assert!(reference.entries.len() >= 20);
    for digit in 0..10 {
        let count = reference
            .entries
            .iter()
            .filter(|e| e.label == digit)
            .count();
        assert!(count >= 2, "digit {digit}: {count} entries");
    }
    assert!(reference.test_accuracy > 0.9, "{}", reference.test_accuracy);
}

#[test]
fn each_image_alone_gives_the_reference_probabilities() {
    let mut worst = 0.0_f32;
    for entry in reference().entries {
        let prediction = model().predict_one(&entry.pixels).unwrap();
        if let Some(problem) = mismatch(&entry, &prediction) {
            panic!("{problem}");
        }
        assert_eq!(
            prediction.confidence,
            prediction.probabilities[usize::from(prediction.digit)]
        );
        let sum: f32 = prediction.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "{sum}");
        for (expected, got) in entry.probabilities.iter().zip(&prediction.probabilities) {
            worst = worst.max((expected - got).abs());
        }
    }
    println!("largest difference from onnxruntime: {worst:e}");
}

#[test]
fn one_batch_gives_the_reference_probabilities() {
    let entries = reference().entries;
    let rows: Vec<Pixels> = entries.iter().map(|e| e.pixels).collect();
    let predictions = model().predict(&rows).unwrap();
    assert_eq!(predictions.len(), entries.len());
    for (entry, prediction) in entries.iter().zip(&predictions) {
        if let Some(problem) = mismatch(entry, prediction) {
            panic!("{problem}");
        }
    }
    // Not the same image everywhere: the order is kept.
    let reversed: Vec<Pixels> = rows.iter().rev().copied().collect();
    let backwards = model().predict(&reversed).unwrap();
    for (entry, prediction) in entries.iter().rev().zip(&backwards) {
        assert_eq!(mismatch(entry, prediction), None);
    }
}

#[test]
fn the_comparison_would_catch_a_wrong_reference() {
    let entry = reference().entries[0].clone();
    let prediction = model().predict_one(&entry.pixels).unwrap();
    assert_eq!(mismatch(&entry, &prediction), None);

    for digit in 0..CLASS_COUNT {
        let mut off = entry.clone();
        off.probabilities[digit] += 1e-4;
        assert!(mismatch(&off, &prediction).is_some(), "{digit} off by 1e-4");
        off.probabilities[digit] = f32::NAN;
        assert!(mismatch(&off, &prediction).is_some(), "{digit} NaN");
    }
    let mut off = entry;
    off.predicted = (off.predicted + 1) % 10;
    assert!(mismatch(&off, &prediction).is_some());
}

#[test]
fn the_final_softmax_runs_in_rust_and_agrees_with_tracts() {
    // The embedded model ends in a softmax over the classes: the plan stops
    // at the logits and `predict` computes the probabilities itself (the
    // reference tests above check them against onnxruntime's).
    assert!(model().softmax_in_rust);
    let mut logits = [2.0, -1.0, 0.5, 30.0, 0.0, -7.25, 1.0, 3.0, -0.5, 88.0];
    softmax(&mut logits);
    let sum: f32 = logits.iter().sum();
    assert!((sum - 1.0).abs() < 1e-6, "{sum}");
    // Large logits do not overflow: the max is subtracted first.
    assert!(logits[9] > 0.999_999 && logits[9] <= 1.0, "{logits:?}");
    assert!(logits.iter().all(|p| p.is_finite() && *p >= 0.0));
    // The same model without the cut gives the same probabilities.
    let full = tract_onnx::onnx()
        .model_for_read(&mut &*EMBEDDED)
        .unwrap()
        .with_input_fact(0, f32::fact([1, PIXEL_COUNT]).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    for entry in &reference().entries {
        let pixels = entry.pixels;
        let input = Tensor::from_shape(&[1, PIXEL_COUNT], pixels.as_array()).unwrap();
        let outputs = full.run(tvec![input.into_tvalue()]).unwrap();
        let tract = outputs[0].as_slice::<f32>().unwrap().to_vec();
        let ours = model().predict_one(&pixels).unwrap().probabilities;
        for (a, b) in tract.iter().zip(&ours) {
            assert!((a - b).abs() < 1e-6, "tract {tract:?}, ours {ours:?}");
        }
    }
}

#[test]
fn an_empty_batch_gives_nothing() {
    assert_eq!(model().predict(&[]).unwrap(), Vec::new());
}

#[test]
fn the_model_is_shareable() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Model>();
    shareable::<ModelError>();
    shareable::<PixelError>();
}

#[test]
fn bytes_that_are_no_model_are_refused() {
    let err = Model::from_bytes(b"not a model", "junk").unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("model junk: cannot parse it as ONNX: "),
        "{message}"
    );

    // Nor is half of the real one.
    let err = Model::from_bytes(&EMBEDDED[..EMBEDDED.len() / 2], "half").unwrap_err();
    assert!(err.to_string().starts_with("model half: "), "{err}");
}

#[test]
fn ties_go_to_the_first_digit() {
    let prediction =
        Prediction::from_probabilities([0.1, 0.3, 0.3, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(prediction.digit, 1);
    assert!((prediction.confidence - 0.3).abs() < f32::EPSILON);
    let json = serde_json::to_value(prediction).unwrap();
    assert_eq!(json["digit"], 1);
    assert_eq!(json["probabilities"].as_array().unwrap().len(), 10);
}
