//! The digits examples' model: a small neural network (an MLP trained with
//! scikit-learn, exported to ONNX by `model/train.py`) that tells which digit
//! an 8x8 image shows, run in pure Rust with [tract](https://docs.rs/tract-onnx).
//!
//! [`Model::load`] parses and optimizes the model once (the embedded one, or
//! the file that `MODEL_PATH` names); [`Model::predict`] then classifies any
//! number of images in one run.
//!
//! ```
//! use lambda_fn_digits::{Model, Pixels};
//!
//! let model = Model::load()?;
//! // A vertical stroke: a 1.
//! let mut values = [0.0; 64];
//! for row in 0..8 {
//!     values[row * 8 + 3] = 16.0;
//!     values[row * 8 + 4] = 8.0;
//! }
//! let prediction = model.predict_one(&Pixels::new(values)?)?;
//! assert_eq!(prediction.digit, 1);
//! assert!(prediction.confidence > 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod pixels;

use std::error::Error;
use std::fmt::{self, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tract_onnx::prelude::{
    Datum, DatumExt, Framework, InferenceFact, InferenceModelExt, IntoTValue, TDim, Tensor,
    TractError, TypedModel, TypedSimplePlan, tvec,
};

pub use pixels::{MAX_PIXEL, PIXEL_COUNT, PixelError, Pixels};

/// The model `model/train.py` wrote, `model/digits.onnx`, built into the
/// library. [`Model::load`] uses it unless `MODEL_PATH` is set.
pub const EMBEDDED: &[u8] = include_bytes!("../model/digits.onnx");

/// How many classes the model tells apart: the digits 0 to 9.
pub const CLASS_COUNT: usize = 10;

/// The environment variable that [`Model::load`] reads a model's path from.
pub const MODEL_PATH: &str = "MODEL_PATH";

/// The name in the [`Model::label`] of the embedded model.
const EMBEDDED_NAME: &str = "digits";

/// The classifier, ready to run: tract's optimized plan for an input of
/// `[N, 64]` `f32` pixels and an output of `[N, 10]` `f32` probabilities, `N`
/// being a symbol, so one run classifies any number of images.
///
/// Building it is the expensive part; keep it for the process's life (e.g.
/// in a `static` `OnceLock`). It is `Send + Sync`, and [`Model::predict`]
/// takes `&self`.
pub struct Model {
    plan: TypedSimplePlan<TypedModel>,
    /// The plan stops before the model's final softmax, which
    /// [`Model::predict`] computes itself (see [`final_softmax`]).
    softmax_in_rust: bool,
    label: String,
}

impl Model {
    /// The model that the environment variable `MODEL_PATH` names, as in
    /// [`Model::from_path`]; the [`EMBEDDED`] one (labelled `digits`) if the
    /// variable is not set or empty.
    ///
    /// # Errors
    ///
    /// As [`Model::from_path`]: the file cannot be read, or is not a model of
    /// the expected shape.
    pub fn load() -> Result<Self, ModelError> {
        match std::env::var_os(MODEL_PATH) {
            Some(path) if !path.is_empty() => Self::from_path(path),
            _ => Self::from_bytes(EMBEDDED, EMBEDDED_NAME),
        }
    }

    /// The model in the ONNX file at `path`, named after the file's stem
    /// (`/opt/models/digits-v2.onnx` is labelled `digits-v2@…`).
    ///
    /// # Errors
    ///
    /// The file cannot be read, or is not a model of the expected shape (as
    /// in [`Model::from_bytes`]); the message names the path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| ModelError {
            message: format!("cannot read model file {}: {e}", path.display()),
            source: Some(e),
        })?;
        let name = path
            .file_stem()
            .map_or_else(|| "model".into(), |stem| stem.to_string_lossy());
        Self::build(&bytes, &name).map_err(|e| e.context(&format!("model file {}", path.display())))
    }

    /// The model in `bytes`, an ONNX protobuf, labelled `name@…` (see
    /// [`Model::label`]). Parses, checks and optimizes it.
    ///
    /// # Errors
    ///
    /// The bytes are not an ONNX model that tract can run, or the model does
    /// not take one `[N, 64]` input and give one `[N, 10]` output.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, ModelError> {
        Self::build(bytes, name).map_err(|e| e.context(&format!("model {name}")))
    }

    fn build(bytes: &[u8], name: &str) -> Result<Self, ModelError> {
        let model = tract_onnx::onnx()
            .model_for_read(&mut &*bytes)
            .map_err(ModelError::tract("cannot parse it as ONNX"))?;
        if model.inputs.len() != 1 || model.outputs.len() != 1 {
            return Err(ModelError::new(format!(
                "it has {} inputs and {} outputs, expected 1 and 1",
                model.inputs.len(),
                model.outputs.len()
            )));
        }
        let batch = model.sym("N");
        let shape: [TDim; 2] = [batch.clone().into(), PIXEL_COUNT.into()];
        let input = InferenceFact::from(f32::fact(shape));
        let mut model = model
            .with_input_fact(0, input)
            .map_err(ModelError::tract("cannot set its input to [N, 64] f32"))?
            .into_optimized()
            .map_err(ModelError::tract(
                "cannot optimize it for an input of [N, 64] f32",
            ))?;
        let softmax_in_rust = match final_softmax(&model) {
            Some(logits) => {
                model
                    .set_output_outlets(&[logits])
                    .map_err(ModelError::tract("cannot end it at its logits"))?;
                true
            }
            None => false,
        };

        let output = model
            .output_fact(0)
            .map_err(ModelError::tract("it has no output"))?;
        let expected: [TDim; 2] = [batch.into(), CLASS_COUNT.into()];
        if output.datum_type != f32::datum_type() || *output.shape.dims() != expected {
            return Err(ModelError::new(format!(
                "its output is {output:?}, expected N,{CLASS_COUNT},F32"
            )));
        }
        let plan = model
            .into_runnable()
            .map_err(ModelError::tract("cannot plan it"))?;

        let digest = hex(&Sha256::digest(bytes));
        Ok(Self {
            plan,
            softmax_in_rust,
            label: format!("{name}@{}", &digest[..12]),
        })
    }

    /// Which model this is: `<name>@<the first 12 hex digits of the SHA-256
    /// of its ONNX bytes>`, e.g. `digits@1c5752b7a1d5`. The name is `digits`
    /// for the embedded model and the file's stem for a `MODEL_PATH` one.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Classifies every image in `rows`, in one run of the model; the
    /// predictions are in the same order. An empty slice gives an empty
    /// vector (and runs nothing).
    ///
    /// # Errors
    ///
    /// The run fails (not expected once the model has loaded).
    pub fn predict(&self, rows: &[Pixels]) -> Result<Vec<Prediction>, ModelError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<f32> = rows.iter().flat_map(|row| *row.as_array()).collect();
        let run = &ModelError::tract("running the model");
        let input = Tensor::from_shape(&[rows.len(), PIXEL_COUNT], &values).map_err(run)?;
        let outputs = self.plan.run(tvec![input.into_tvalue()]).map_err(run)?;
        let output = outputs[0].to_array_view::<f32>().map_err(run)?;
        if output.shape() != [rows.len(), CLASS_COUNT] {
            return Err(ModelError::new(format!(
                "the model gave an output of shape {:?} for {} images",
                output.shape(),
                rows.len()
            )));
        }
        let output = output
            .as_slice()
            .ok_or_else(|| ModelError::new("output not contiguous"))?;
        Ok(output
            .chunks_exact(CLASS_COUNT)
            .map(|row| {
                let mut probabilities = [0.0; CLASS_COUNT];
                probabilities.copy_from_slice(row);
                if self.softmax_in_rust {
                    softmax(&mut probabilities);
                }
                Prediction::from_probabilities(probabilities)
            })
            .collect())
    }

    /// Classifies one image (a run of [`Model::predict`] with one row).
    ///
    /// # Errors
    ///
    /// As [`Model::predict`].
    pub fn predict_one(&self, pixels: &Pixels) -> Result<Prediction, ModelError> {
        let mut predictions = self.predict(std::slice::from_ref(pixels))?;
        predictions
            .pop()
            .ok_or_else(|| ModelError::new("the model gave no prediction"))
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// The logits under the model's output, if the output is a plain softmax
/// over the classes (axis 1 of `[N, 10]`), as scikit-learn's classifiers
/// export it.
///
/// tract 0.22 runs such a softmax with generic code that makes it about 40 %
/// of a batched run of this small model (its `eval` and `expf`, measured
/// with `perf` on `examples/model_speed.rs`); ten `exp`s per row in
/// [`softmax`] cost a fraction of that. Any other output is left to tract.
fn final_softmax(model: &TypedModel) -> Option<tract_onnx::prelude::OutletId> {
    use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxExp, SoftmaxKind};
    let output = *model.output_outlets().ok()?.first()?;
    let node = model.node(output.node);
    let softmax = node.op_as::<Softmax>()?;
    let plain = output.slot == 0
        && node.inputs.len() == 1
        && softmax.axes.as_slice() == [1]
        && softmax.quant_output_dt.is_none()
        && matches!(softmax.kind, SoftmaxKind::Softmax(SoftmaxExp::Libc));
    plain.then(|| node.inputs[0])
}

/// Turns one row of logits into probabilities, in place: `exp(x - max)`,
/// normalised, as tract's (and onnxruntime's) softmax computes it.
fn softmax(row: &mut [f32; CLASS_COUNT]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for value in row.iter_mut() {
        *value = (*value - max).exp();
        sum += *value;
    }
    for value in row.iter_mut() {
        *value /= sum;
    }
}

/// `bytes` in lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut hex, b| {
            // Writing to a `String` cannot fail.
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The body of one message of the `digits-sqs` functions: the sender's id
/// for the image, and the image.
///
/// ```json
/// {"id": "scan-0042", "pixels": [0, 0, 5, 13, 9, 1, 0, 0, ...]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct DigitMessage {
    /// The sender's id for the image, logged with its prediction.
    pub id: String,
    /// The image: 64 values 0..=16.
    pub pixels: Pixels,
}

/// What the model says about one image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    /// The most probable digit (the first one, on a tie).
    pub digit: u8,
    /// Its probability, `probabilities[digit]`.
    pub confidence: f32,
    /// The probability of each digit, 0 to 9; they add up to 1.
    pub probabilities: [f32; CLASS_COUNT],
}

impl Prediction {
    fn from_probabilities(probabilities: [f32; CLASS_COUNT]) -> Self {
        let mut digit = 0;
        for (i, &p) in probabilities.iter().enumerate() {
            if p > probabilities[digit] {
                digit = i;
            }
        }
        Self {
            digit: u8::try_from(digit).expect("fewer than 256 classes"),
            confidence: probabilities[digit],
            probabilities,
        }
    }
}

/// Why the model could not be loaded or run.
///
/// Its `Display` is the whole story, causes included, e.g. `cannot read
/// model file /opt/model.onnx: No such file or directory (os error 2)`.
/// [`Error::source`] is the I/O error when there is one (its message is then
/// the end of this one's).
#[derive(Debug)]
pub struct ModelError {
    message: String,
    source: Option<std::io::Error>,
}

impl ModelError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// Makes a tract error (and its chain of causes) a `ModelError`.
    fn tract(context: &str) -> impl Fn(TractError) -> Self + '_ {
        move |e| Self::new(format!("{context}: {e:#}"))
    }

    /// The same error, its message prefixed with `context: `.
    fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for ModelError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn Error + 'static))
    }
}

#[cfg(test)]
mod tests;
