//! `digits-http`: handwritten-digit recognition behind an HTTP front door
//! (API Gateway, a function URL, an ALB). The model is loaded once per
//! execution environment, in `init`, and every request runs it on one
//! image.
//!
//! | request | answer |
//! |---|---|
//! | `POST /predict` `{"pixels": [64 numbers 0..=16]}` | `200 {"digit": 3, "confidence": 0.99, "probabilities": [10 numbers], "model": "digits@<hash>"}` |
//! | a wrong number of pixels, a value outside 0..=16, a non-number | `400 {"error": "pixel 12 is 17, outside 0..=16", "path": "pixels[12]", ...}` (a wrong length: `"path": "pixels"`) |
//! | anything else | `404 {"error": "no route for GET /", ...}` |
//!
//! The pixels are an 8×8 image, row-major, as scikit-learn's digits
//! dataset holds them. The model is embedded in the binary; set
//! `MODEL_PATH` to load another one from a file (a layer under `/opt`).
//!
//! ```text
//! $ cargo run --release -p lambda-fn-digits --bin digits-http -- --event examples/digits/events/predict.json
//! ```

use std::fmt;

use lambda_fn::http::{
    Body, HttpError, Method, Rejection, Request, RequestExt, Response, StatusCode, json,
    json_response,
};
use lambda_fn::lambda;
use lambda_fn_digits::{Model, ModelError, Pixels};
use serde::{Deserialize, Serialize};

/// The body of `POST /predict`.
#[derive(Debug, Deserialize)]
pub struct PredictRequest {
    /// The image: 64 values 0..=16.
    pub pixels: Pixels,
}

/// The answer of `POST /predict`.
#[derive(Debug, Serialize)]
pub struct PredictResponse {
    /// The most probable digit.
    pub digit: u8,
    /// Its probability.
    pub confidence: f32,
    /// The probability of each digit, 0 to 9.
    pub probabilities: [f32; 10],
    /// Which model answered: `digits@<first 12 hex digits of its SHA-256>`.
    pub model: String,
}

/// Why a request was not answered `200`.
#[derive(Debug)]
pub enum DigitsError {
    /// The body is not `{"pixels": [...]}` with 64 valid values: `400`.
    BadRequest(Rejection),
    /// No route matches: `404`.
    NoRoute {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// The model failed to run: `500`, details only in the logs.
    Model(ModelError),
}

impl fmt::Display for DigitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(rejection) => rejection.fmt(f),
            Self::NoRoute { method, path } => write!(f, "no route for {method} {path}"),
            Self::Model(err) => write!(f, "the model failed: {err}"),
        }
    }
}

impl std::error::Error for DigitsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Model(err) => Some(err),
            _ => None,
        }
    }
}

impl HttpError for DigitsError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NoRoute { .. } => StatusCode::NOT_FOUND,
            Self::Model(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn expose(&self) -> bool {
        !matches!(self, Self::Model(_))
    }

    fn problem(&self) -> Option<serde_json::Value> {
        match self {
            Self::BadRequest(rejection) => Some(rejection.body()),
            _ => None,
        }
    }
}

impl From<Rejection> for DigitsError {
    fn from(rejection: Rejection) -> Self {
        Self::BadRequest(rejection)
    }
}

/// Serves one request: `POST /predict` (the path's end, so that a REST
/// API's stage in front of it does not matter).
///
/// # Errors
///
/// [`DigitsError::BadRequest`] (`400`) for a body that is not a valid image,
/// [`DigitsError::NoRoute`] (`404`) for any other method or path, and
/// [`DigitsError::Model`] (`500`) if the model fails to run.
#[lambda(http, init = Model::load)]
pub async fn digits_http(request: Request, model: &Model) -> Result<Response<Body>, DigitsError> {
    let path = request.uri().path();
    if request.method() != Method::POST || !path.trim_end_matches('/').ends_with("/predict") {
        return Err(DigitsError::NoRoute {
            method: request.method().clone(),
            path: request.raw_http_path().to_owned(),
        });
    }
    let body: PredictRequest = json(&request)?;
    let prediction = model
        .predict_one(&body.pixels)
        .map_err(DigitsError::Model)?;
    Ok(json_response(
        StatusCode::OK,
        &PredictResponse {
            digit: prediction.digit,
            confidence: prediction.confidence,
            probabilities: prediction.probabilities,
            model: model.label().to_owned(),
        },
    ))
}
